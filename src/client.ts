import { Connection } from './connection.js';
import { Dispatcher } from './dispatch.js';
import { defaultEventSource, defaultFetch } from './env.js';
import { HandlerError, type RawEvent } from './errors.js';
import { Iterators } from './iterator.js';
import { resolveOptions } from './options.js';
import type { EventMap, Listener, StreamEvent, StreamOptions, StreamRole, StreamState, TransportName } from './types.js';

/**
 * A server-sent event stream that stays connected. Create it with {@link createEventStream}.
 * It holds the consumers (listeners, async iterators); its connection (connection.ts) holds the
 * state machine.
 */
export class EventStream<E extends object = EventMap> {
  readonly #listeners = new Map<string, Set<Listener<unknown>>>();
  readonly #any = new Set<(event: StreamEvent<E>) => void>();
  readonly #iterators = new Iterators(() => this.close());
  readonly #waiters: [resolve: () => void, reject: (reason: unknown) => void][] = [];
  readonly #dispatcher: Dispatcher;
  readonly #connection: Connection;
  readonly #url: string;

  constructor(url: string | URL, options?: StreamOptions<E>) {
    const o = resolveOptions(url, options);
    o.fetch ??= defaultFetch();
    o.EventSource ??= defaultEventSource();
    this.#url = o.url;
    this.#dispatcher = new Dispatcher(
      o.url,
      o.decode,
      o.schemas,
      (raw, value) => this.#deliver(raw, value),
      (error) => this.#connection.report(error),
    );
    const iterators = this.#iterators;
    this.#connection = new Connection(o, {
      // Decode only what someone consumes: unused types cost nothing and raise no DecodeError.
      message: (type, data, id) => {
        if (this.#listeners.get(type)?.size || this.#any.size || iterators.size) this.#dispatcher.dispatch({ type, id, data });
      },
      types: () => this.#listeners.keys(),
      backpressure: () => (iterators.size ? iterators.backpressure() : undefined),
      paused: () => iterators.paused,
      settled: () => this.#dispatcher.settled,
      opened: () => {
        for (const [resolve] of this.#waiters.splice(0)) resolve();
      },
      closed: (info) => {
        const heard = iterators.size > 0 || this.#waiters.length > 0;
        iterators.end(info.error, info.reason === 'close');
        const reason = this.#closedReason();
        for (const [, reject] of this.#waiters.splice(0)) reject(reason);
        return heard;
      },
    });
  }

  /** `connecting`, `open`, `retrying`, `paused` (hidden page) or `closed`. */
  get state(): StreamState {
    return this.#connection.state;
  }

  /** The id of the last event (or id-only block) received; sent as `Last-Event-ID` on reconnect. */
  get lastEventId(): string {
    return this.#connection.lastEventId;
  }

  /** The transport of the current (or last) attempt: `native` (the runtime's EventSource) or `fetch`. */
  get transport(): TransportName {
    return this.#connection.transport.name;
  }

  /** `leader` or `follower` of a stream shared between tabs (`share` option); `solo` otherwise. */
  get role(): StreamRole {
    return this.#connection.role;
  }

  /** The resolved stream URL. */
  get url(): string {
    return this.#url;
  }

  /**
   * Listens to one event type (`message` for events without an `event:` field).
   * @returns a function that removes this listener.
   * @example
   * const off = stream.on('tick', (tick, event) => console.log(tick.n, event.id))
   */
  on<K extends keyof E & string>(type: K, listener: Listener<E[K], K>): () => void {
    if (typeof listener !== 'function') throw new TypeError(`sse-kit: listener for "${type}" must be a function`);
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    const fn = listener as Listener<unknown>;
    set.add(fn);
    this.#connection.subscribe(type);
    return () => void set.delete(fn);
  }

  /**
   * Like {@link on}, for the next event of this type only.
   * @example
   * stream.once('done', () => console.log('finished'))
   */
  once<K extends keyof E & string>(type: K, listener: Listener<E[K], K>): () => void {
    const off = this.on(type, (data, event) => {
      off();
      listener(data, event);
    });
    return off;
  }

  /**
   * Listens to every event, as `{ type, data, id }`. On the native transport the browser only
   * reports `message` and the types that have an `on()` listener.
   * @example
   * stream.onAny(({ type, data }) => console.log(type, data))
   */
  onAny(listener: (event: StreamEvent<E>) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('sse-kit: onAny listener must be a function');
    this.#any.add(listener);
    return () => void this.#any.delete(listener);
  }

  /**
   * Resolves when the stream is open (at once if it is); rejects with the error that closed it,
   * or an `AbortError` if it closed without one.
   * @example
   * await stream.opened()
   */
  opened(): Promise<void> {
    const { state } = this.#connection;
    if (state === 'open') return Promise.resolve();
    if (state === 'closed') return Promise.reject(this.#closedReason());
    return new Promise((resolve, reject) => this.#waiters.push([resolve, reject]));
  }

  /**
   * Drops the current connection (or pending retry) and connects again at once, resuming from
   * `lastEventId`, with a fresh retry budget: after a login, or a network change the browser
   * missed. Does nothing on a closed or paused stream.
   */
  reconnect(): void {
    this.#connection.reconnect();
  }

  /** Closes the stream for good: aborts the request, cancels a pending retry. Idempotent. */
  close(): void {
    this.#connection.close({ reason: 'close' });
  }

  /**
   * Every event, decoded, until the stream closes; throws the error that closed it.
   * Leaving the loop early closes the stream.
   * @example
   * for await (const { type, data } of stream) if (type === 'done') break
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<StreamEvent<E>> {
    return this.#iterators.create<E>();
  }

  // The state is read through the connection's public getter each time (a listener may close the
  // stream: the casts stop TypeScript narrowing it across the calls); a private `#closed` getter in between cost ~0.06× of the bare loop (in-memory, 200k
  // small text events, CPU time: 0.63× → 0.69× median of 9 rounds).
  #deliver(raw: RawEvent, value: unknown): void {
    const connection = this.#connection;
    if (connection.state === 'closed') return;
    const listeners = this.#listeners.get(raw.type);
    if (listeners) {
      for (const listener of listeners) {
        if ((connection.state as StreamState) === 'closed') return;
        try {
          listener(value, raw);
        } catch (cause) {
          connection.report(new HandlerError(this.#url, cause, raw));
        }
      }
    }
    if (!this.#any.size && !this.#iterators.size) return;
    const event = { type: raw.type, data: value, id: raw.id } as StreamEvent<E>;
    if (this.#any.size) {
      for (const listener of this.#any) {
        if ((connection.state as StreamState) === 'closed') return;
        try {
          listener(event);
        } catch (cause) {
          connection.report(new HandlerError(this.#url, cause, raw));
        }
      }
    }
    if (this.#iterators.size) this.#iterators.push(event);
  }

  #closedReason(): unknown {
    return this.#connection.fatal ?? new DOMException('The stream was closed before it opened', 'AbortError');
  }
}

/**
 * Opens a typed server-sent event stream that reconnects, resumes and reports typed errors.
 * @example
 * type Events = { tick: { n: number } }
 * const stream = createEventStream<Events>('/events')
 * stream.on('tick', (tick) => console.log(tick.n))
 */
export function createEventStream<E extends object = EventMap>(
  url: string | URL,
  options?: StreamOptions<E>,
): EventStream<E> {
  return new EventStream<E>(url, options);
}
