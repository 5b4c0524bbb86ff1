import {
  createEventStream,
  type EventStream,
  HandlerError,
  type Listener,
  type SSEKitError,
  type StreamEvent,
  type StreamOptions,
  type StreamState,
} from 'sse-kit';
import { HOOK_TRANSPORT } from './key.js';
import type { SharedStreamOptions } from './types.js';

/** A hook instance using a connection: the connection reads its options and tells it what happened. */
export interface Member {
  /** The member's current options (from its latest render): callbacks are always read from here. */
  options(): SharedStreamOptions;
  /** The state, the error or the last values changed. */
  changed(): void;
  /** One event, decoded, in order (every type). */
  event(event: StreamEvent): void;
}

/** Default grace after the last user leaves: covers StrictMode's remount and a route change. */
const KEEP_ALIVE = 1000;
const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

const connections = new Map<string, SharedConnection>();

/** The connection for `key`, if one is open (or listened to); never opens one. */
export function peekConnection(key: string): SharedConnection | undefined {
  return connections.get(key);
}

/** The connection for `key`, created (without a stream) if needed; `attach` opens it. */
export function connectionFor(key: string): SharedConnection {
  let connection = connections.get(key);
  if (!connection) connections.set(key, (connection = new SharedConnection(key)));
  return connection;
}

/**
 * One `EventStream` shared by every hook with the same key, ref-counted by its members. The last
 * member to leave closes it after `keepAlive` ms, so a StrictMode mount → unmount → mount reuses it.
 */
export class SharedConnection {
  readonly key: string;
  state: StreamState = 'connecting';
  error: SSEKitError | undefined;
  readonly #members = new Set<Member>();
  readonly #listeners = new Map<string, Set<Listener<unknown>>>();
  readonly #subscribed = new Set<string>();
  #stream: EventStream | undefined;
  /** Bumped per stream: callbacks of a dropped stream are ignored. */
  #generation = 0;
  #latest: Record<string, unknown> = {};
  #data = EMPTY;
  #dataStale = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  /** The member that left last: its function options serve a stream kept alive with no members. */
  #lastMember: Member | undefined;

  constructor(key: string) {
    this.key = key;
  }

  /** True while a stream exists (open, retrying, or closed but still held by members). */
  get active(): boolean {
    return this.#stream !== undefined;
  }

  get lastEventId(): string {
    return this.#stream?.lastEventId ?? '';
  }

  /** The last value per event type: a new frozen object only after an event arrived. */
  data(): Readonly<Record<string, unknown>> {
    if (this.#dataStale) {
      this.#dataStale = false;
      this.#data = Object.freeze({ ...this.#latest });
    }
    return this.#data;
  }

  /** Adds a member; opens the stream if there is none (this is the only place a request starts). */
  attach(url: string | URL, member: Member): void {
    clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    this.#members.add(member);
    if (!this.#stream) {
      try {
        this.#open(url, member.options());
      } catch (error) {
        // A bad URL or option throws like createEventStream does, and leaves nothing behind.
        this.#members.delete(member);
        this.#forget();
        throw error;
      }
    }
    for (const type of member.options().types ?? []) this.#subscribe(type);
  }

  /** Removes a member; the last one closes the stream after its `keepAlive` (at once if already closed). */
  detach(member: Member): void {
    if (!this.#members.delete(member) || this.#members.size) return;
    this.#lastMember = member;
    if (this.state === 'closed') return this.#drop();
    this.#closeTimer = setTimeout(() => this.#drop(), member.options().keepAlive ?? KEEP_ALIVE);
  }

  /** Listens to one event type without holding the connection open (`useEvent`). */
  listen(type: string, listener: Listener<unknown>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
    this.#subscribe(type);
    return () => {
      set.delete(listener);
      if (!set.size && this.#listeners.get(type) === set) this.#listeners.delete(type);
      this.#forget();
    };
  }

  /** Closes the stream for every member (state `closed`); it stays closed until all members left. */
  close(): void {
    this.#stream?.close();
  }

  /** Options of the member whose function options (headers, body, decode) the stream calls: the longest attached. */
  #owner(): SharedStreamOptions {
    for (const member of this.#members) return member.options();
    return this.#lastMember?.options() ?? {};
  }

  #open(url: string | URL, options: SharedStreamOptions): void {
    const generation = ++this.#generation;
    const live = () => generation === this.#generation;
    this.state = 'connecting';
    this.error = undefined;
    this.#latest = {};
    this.#data = EMPTY;
    this.#dataStale = false;
    const each = <A extends unknown[]>(pick: (o: SharedStreamOptions) => ((...args: A) => void) | undefined, ...args: A) => {
      for (const member of this.#members) pick(member.options())?.(...args);
    };
    const notify = () => {
      for (const member of this.#members) member.changed();
    };
    const stream = createEventStream(url, {
      ...streamOptions(options, () => this.#owner()),
      onOpen: (info) => live() && each((o) => o.onOpen, info),
      onRetry: (info) => live() && each((o) => o.onRetry, info),
      onClose: (info) => live() && each((o) => o.onClose, info),
      onRoleChange: (role) => live() && each((o) => o.onRoleChange, role),
      onError: (error) => {
        if (!live()) return;
        this.error = error;
        notify();
        each((o) => o.onError, error);
      },
      onStateChange: (state, previous) => {
        if (!live()) return;
        this.state = state;
        if (state === 'open') this.error = undefined;
        notify();
        each((o) => o.onStateChange, state, previous);
      },
    });
    this.#stream = stream;
    this.state = stream.state;
    // useEvent in a child runs its effect before the parent's hook attaches: catch up on its types.
    for (const type of this.#listeners.keys()) this.#subscribe(type);
    // Every event of every type, synchronously (no promise per event as with the iterator).
    stream.onAny((event) => {
      if (!live()) return;
      this.#latest[event.type] = event.data;
      this.#dataStale = true;
      for (const member of this.#members) member.event(event);
    });
  }

  #subscribe(type: string): void {
    const stream = this.#stream;
    if (!stream || this.#subscribed.has(type)) return;
    this.#subscribed.add(type);
    stream.on(type, (data, event) => {
      for (const listener of this.#listeners.get(type) ?? []) {
        // Each listener on its own: one that throws must not keep the next from running.
        try {
          listener(data, event);
        } catch (cause) {
          const error = new HandlerError(stream.url, cause, event);
          this.error = error;
          for (const member of this.#members) {
            member.changed();
            member.options().onError?.(error);
          }
        }
      }
    });
  }

  #drop(): void {
    this.#closeTimer = undefined;
    this.#lastMember = undefined;
    const stream = this.#stream;
    this.#stream = undefined;
    this.#generation++;
    this.#subscribed.clear();
    stream?.close();
    this.#forget();
  }

  /** Leaves the registry once nothing refers to it any more. */
  #forget(): void {
    if (!this.#members.size && !this.#stream && !this.#listeners.size && connections.get(this.key) === this) {
      connections.delete(this.key);
    }
  }
}

/** Options that may not reach `createEventStream` (it rejects unknown options). */
const HOOK_ONLY = ['key', 'keepAlive', 'throttle', 'types', 'reducer', 'initial'];

/**
 * The stream's options from the opening member's: hook-only options removed, lifecycle callbacks
 * left to the connection, and function options (headers, body, decode, onUnauthorized) replaced
 * by wrappers that call the current owner's version, so a new function each render is no reconnect.
 */
function streamOptions(options: SharedStreamOptions, owner: () => SharedStreamOptions): StreamOptions {
  const result: Record<string, unknown> = { transport: HOOK_TRANSPORT };
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || HOOK_ONLY.includes(name) || /^on[A-Z]/.test(name)) continue;
    result[name] = value;
  }
  const { headers, body, decode, onUnauthorized } = options;
  if (typeof headers === 'function') result.headers = () => call(owner().headers);
  if (body !== undefined && typeof body !== 'string') result.body = () => call(owner().body);
  if (typeof decode === 'function') result.decode = (raw: string, type: string) => call(owner().decode, raw, type);
  if (onUnauthorized) result.onUnauthorized = (error: SSEKitError) => owner().onUnauthorized?.(error);
  return result as StreamOptions;
}

/** A value, or the result of calling it when it is a function. */
function call<A extends unknown[]>(value: unknown, ...args: A): never {
  return (typeof value === 'function' ? value(...args) : value) as never;
}
