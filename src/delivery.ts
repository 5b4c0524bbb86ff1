import type { Connection, Consumers } from './connection.js';
import { DecodeError, HandlerError, type RawEvent } from './errors.js';
import { Iterators } from './iterator.js';
import type { Resolved } from './options.js';
import type { CloseInfo, Listener, StandardSchemaV1, StreamEvent, StreamState } from './types.js';

/**
 * The listeners of one event type, and how many of them take the event as a second argument.
 * `(data) => …` (length 1) cannot see one, so when no listener takes it none is made: on() then
 * allocates per event what the bare loop does (~110 instructions of ~9,300 per small event under
 * callgrind). Counted when added: reading `listener.length` per event cost ~300.
 */
interface TypeListeners {
  fns: Set<Listener<unknown>>;
  withEvent: number;
}

const asText = (data: string) => data;
const asJson = (data: string): unknown => JSON.parse(data);

/**
 * The consumers of one stream (listeners, `onAny`, async iterators, `opened()` waiters) and the way
 * an event reaches them, in order: decode, validate (schemas may be async; later events wait behind
 * a pending one), deliver. Decode and schema failures are `DecodeError`s; the event is skipped.
 *
 * One object with methods rather than closures per stream, and `onAny` and iterator state made on
 * first use: an idle stream is smaller (bench: heap per idle stream), and the hot path is one
 * method, `message`, with the common case (no schema, nothing pending) delivered inline.
 */
export class Delivery implements Consumers {
  readonly listeners = new Map<string, TypeListeners>();
  any: Set<(event: StreamEvent) => void> | undefined;
  iterators: Iterators | undefined;
  waiters: [resolve: () => void, reject: (reason: unknown) => void][] = [];
  /** Set by the stream right after construction (the connection needs this object first). */
  connection!: Connection;
  readonly #url: string;
  readonly #decode: (data: string, type: string) => unknown;
  /** Under `json`, empty data is a keep-alive (`data:` + blank line), not an event that fails to parse. */
  readonly #skipEmpty: boolean;
  readonly #schemas: Resolved['schemas'];
  #pending: Promise<void> | undefined;

  constructor(o: Resolved, readonly onReturn: () => void) {
    const { decode } = o;
    this.#url = o.url;
    this.#decode = decode === 'text' ? asText : typeof decode === 'function' ? decode : asJson;
    this.#skipEmpty = decode === undefined || decode === 'json';
    this.#schemas = o.schemas;
  }

  /** An event arrived. Decoded only if someone consumes it: unused types cost nothing and raise no DecodeError. */
  message(type: string, data: string, id: string): void {
    if (!this.listeners.get(type)?.fns.size && !this.any?.size && !this.iterators?.size) return;
    if (this.#skipEmpty && data === '') return;
    let value: unknown;
    try {
      value = this.#decode(data, type);
    } catch (cause) {
      return this.#report({ type, id, data }, cause);
    }
    // Own keys only: an event named `constructor` or `__proto__` must not find Object's members.
    const schema = this.#schemas && Object.hasOwn(this.#schemas, type) ? this.#schemas[type] : undefined;
    if (!schema && !this.#pending) return this.#deliver(type, id, data, value);
    this.#validate(schema, { type, id, data }, value);
  }

  /** Validates with the type's schema (if any) and delivers in order behind events still pending. */
  #validate(schema: StandardSchemaV1 | undefined, raw: RawEvent, value: unknown): void {
    const { type, id, data } = raw;
    let validated: ReturnType<StandardSchemaV1['~standard']['validate']>;
    try {
      validated = schema ? schema['~standard'].validate(value) : { value };
    } catch (cause) {
      return this.#report(raw, cause);
    }
    const settle = (result: { value?: unknown; issues?: readonly unknown[] }) => {
      if (result.issues) this.#report(raw, undefined, result.issues);
      else this.#deliver(type, id, data, result.value);
    };
    if (!(validated instanceof Promise) && !this.#pending) return settle(validated);
    const chain: Promise<void> = (this.#pending ?? Promise.resolve())
      .then(() => validated)
      .then(settle, (cause) => this.#report(raw, cause))
      .then(() => {
        if (this.#pending === chain) this.#pending = undefined;
      });
    this.#pending = chain;
  }

  /** Adds a listener for one event type; returns the function that removes it. */
  add(type: string, fn: Listener<unknown>): () => void {
    let entry = this.listeners.get(type);
    if (!entry) this.listeners.set(type, (entry = { fns: new Set(), withEvent: 0 }));
    const { fns } = entry;
    const withEvent = fn.length !== 1;
    if (!fns.has(fn)) {
      fns.add(fn);
      if (withEvent) entry.withEvent++;
    }
    return () => {
      if (fns.delete(fn) && withEvent) entry.withEvent--;
    };
  }

  types(): Iterable<string> {
    return this.listeners.keys();
  }

  backpressure(): Promise<void> | undefined {
    return this.iterators?.size ? this.iterators.backpressure() : undefined;
  }

  paused(): boolean {
    return !!this.iterators?.paused;
  }

  settled(): Promise<void> | undefined {
    return this.#pending;
  }

  opened(): void {
    for (const [resolve] of this.waiters.splice(0)) resolve();
  }

  closed(info: CloseInfo): boolean {
    const heard = !!this.iterators?.size || this.waiters.length > 0;
    this.iterators?.end(info.error, info.reason === 'close');
    for (const [, reject] of this.waiters.splice(0)) reject(this.closedReason());
    return heard;
  }

  /** What `opened()` rejects with once the stream is closed. */
  closedReason(): unknown {
    return this.connection.fatal ?? new DOMException('The stream was closed before it opened', 'AbortError');
  }

  /** The stream's iterators, made on first use (ended at once on a closed stream: a loop then throws its error). */
  iterate(): Iterators {
    if (this.iterators) return this.iterators;
    const iterators = (this.iterators = new Iterators(this.onReturn));
    if (this.connection.state === 'closed') iterators.end(this.connection.fatal, true);
    return iterators;
  }

  // The state is read through the connection's public getter each time (a listener may close the
  // stream: the casts stop TypeScript narrowing it across the calls); a private `#closed` getter in
  // between cost ~0.06× of the bare loop (in-memory, 200k small text events, CPU time: 0.63× → 0.69×
  // median of 9 rounds).
  #deliver(type: string, id: string, data: string, value: unknown): void {
    const connection = this.connection;
    if (connection.state === 'closed') return;
    const listeners = this.listeners.get(type);
    let raw: RawEvent | undefined;
    if (listeners) {
      if (listeners.withEvent) raw = { type, id, data };
      for (const listener of listeners.fns) {
        if ((connection.state as StreamState) === 'closed') return;
        try {
          listener(value, raw as RawEvent);
        } catch (cause) {
          connection.report(new HandlerError(this.#url, cause, (raw ??= { type, id, data })));
        }
      }
    }
    const { any, iterators } = this;
    if (!any?.size && !iterators?.size) return;
    const event = { type, data: value, id } as StreamEvent;
    if (any) {
      for (const listener of any) {
        if ((connection.state as StreamState) === 'closed') return;
        try {
          listener(event);
        } catch (cause) {
          connection.report(new HandlerError(this.#url, cause, (raw ??= { type, id, data })));
        }
      }
    }
    if (iterators?.size) iterators.push(event);
  }

  #report(raw: RawEvent, cause: unknown, issues?: readonly unknown[]): void {
    this.connection.report(new DecodeError(this.#url, raw, cause, issues));
  }
}
