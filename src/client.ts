import { Connection } from './connection.js';
import { Delivery } from './delivery.js';
import { defaultEventSource, defaultFetch } from './env.js';
import { resolveOptions } from './options.js';
import type { EventMap, Listener, StreamEvent, StreamOptions, StreamRole, StreamState, TransportName } from './types.js';

/**
 * A server-sent event stream that stays connected. Create it with {@link createEventStream}.
 * The public face of two parts: its consumers and how events reach them (delivery.ts), and its
 * connection, the state machine (connection.ts).
 */
export class EventStream<E extends object = EventMap> {
  readonly #delivery: Delivery;
  readonly #connection: Connection;
  readonly #url: string;

  constructor(url: string | URL, options?: StreamOptions<E>) {
    const o = resolveOptions(url, options);
    o.fetch ??= defaultFetch();
    o.EventSource ??= defaultEventSource();
    this.#url = o.url;
    const delivery = (this.#delivery = new Delivery(o, () => this.close()));
    delivery.connection = this.#connection = new Connection(o, delivery);
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
    const off = this.#delivery.add(type, listener as Listener<unknown>);
    this.#connection.subscribe(type);
    return off;
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
    const any = (this.#delivery.any ??= new Set());
    any.add(listener as (event: StreamEvent) => void);
    return () => void any.delete(listener as (event: StreamEvent) => void);
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
    if (state === 'closed') return Promise.reject(this.#delivery.closedReason());
    return new Promise((resolve, reject) => this.#delivery.waiters.push([resolve, reject]));
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
    return this.#delivery.iterate().create<E>();
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
