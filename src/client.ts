import { classify } from './classify.js';
import { Dispatcher } from './dispatch.js';
import { defaultEventSource, defaultFetch, isHidden, isOffline, isSameOrigin, listen } from './env.js';
import {
  HandlerError,
  HttpStatusError,
  NetworkError,
  type RawEvent,
  RetryExhaustedError,
  type SSEKitError,
  TimeoutError,
} from './errors.js';
import { Iterators } from './iterator.js';
import { idHeaderValue, idRoute, withIdParam } from './last-event-id.js';
import { type Resolved, resolveOptions } from './options.js';
import { retryDelay } from './retry-policy.js';
import { fetchTransport } from './transports/fetch.js';
import { selectTransport } from './transports/select.js';
import type { AttemptEnd, Sink, Transport } from './transports/transport.js';
import { Watchdog } from './watchdog.js';
import type {
  CloseInfo,
  EventMap,
  Listener,
  StreamEvent,
  StreamOptions,
  StreamState,
  TransportName,
} from './types.js';

/** One connection attempt. Once `ended`, whatever it still reports is ignored. */
interface Attempt {
  transport: Transport;
  controller: AbortController;
  watchdog: Watchdog;
  ended: boolean;
  /** Subscribes the native transport to an event type that gets its first listener. */
  listen?: (type: string) => void;
}

type Callbacks = Pick<StreamOptions, 'onOpen' | 'onRetry' | 'onStateChange' | 'onClose'>;
const is2xx = (status: number) => status >= 200 && status < 300;

/**
 * A server-sent event stream that stays connected. Create it with {@link createEventStream}.
 *
 * States: `connecting` → `open` → (`retrying` → `connecting` → `open`)… → `closed`, and `paused`
 * while the page is hidden or in the bfcache. Every change goes through `#to`; every plan (an
 * attempt, a retry timer, a pause, the close) bumps `#epoch`, so a callback that closes, reconnects
 * or throws from anywhere leaves the code that called it with a stale epoch, and it stops there.
 */
export class EventStream<E extends EventMap = EventMap> {
  readonly #o: Resolved<E>;
  readonly #preferred: Transport;
  readonly #listeners = new Map<string, Set<Listener<unknown>>>();
  readonly #any = new Set<(event: StreamEvent<E>) => void>();
  readonly #iterators = new Iterators(() => this.close());
  readonly #dispatcher: Dispatcher;
  readonly #cleanup: (() => void)[] = [];
  readonly #waiters: [resolve: () => void, reject: (reason: unknown) => void][] = [];
  #state: StreamState;
  #epoch = 0;
  #lastEventId: string;
  #attempt: Attempt | undefined;
  #transport: Transport;
  #serverRetry: number | undefined;
  /** Attempts in a row that delivered no event. */
  #retries = 0;
  #authRetried = false;
  /** The browser refused the last response without saying why: make the next attempt with fetch. */
  #probe = false;
  #paused = false;
  #storageFailed = false;
  #announced = false;
  /** Cancels the pending retry timer or online wait. */
  #disarm: (() => void) | undefined;
  #fatal: SSEKitError | undefined;

  constructor(url: string | URL, options?: StreamOptions<E>) {
    const o = resolveOptions(url, options);
    o.fetch ??= defaultFetch();
    o.EventSource ??= defaultEventSource();
    this.#o = o;
    this.#dispatcher = new Dispatcher(o.url, o.decode, o.schemas, (raw, value) => this.#deliver(raw, value), (e) => this.#report(e));
    this.#lastEventId = o.lastEventId ?? this.#storedId();
    this.#transport = this.#preferred = selectTransport(o, this.#lastEventId !== '');
    this.#paused = !!o.pauseWhenHidden && isHidden();
    this.#state = this.#paused ? 'paused' : 'connecting';
    // The initial state is announced after the constructor returns (a callback that reads
    // `stream` would otherwise meet it uninitialised), or just before the first change.
    queueMicrotask(() => this.#announce());
    const signal = o.signal;
    if (signal?.aborted) {
      queueMicrotask(() => this.close());
      return;
    }
    const pause = () => this.#pause();
    const resume = () => this.#resume();
    this.#cleanup.push(
      listen('window', 'pagehide', pause),
      listen('window', 'pageshow', resume),
      // A frozen page's fetch body stops delivering and never errors (Chromium): resume by id at once.
      listen('document', 'resume', () => this.#transport.seesComments && this.#state === 'open' && this.reconnect()),
    );
    if (o.pauseWhenHidden) this.#cleanup.push(listen('document', 'visibilitychange', () => (isHidden() ? pause() : resume())));
    if (signal) {
      const abort = () => this.close();
      signal.addEventListener('abort', abort);
      this.#cleanup.push(() => signal.removeEventListener('abort', abort));
    }
    if (this.#state === 'connecting') this.#connect();
  }

  /** `connecting`, `open`, `retrying`, `paused` (hidden page) or `closed`. */
  get state(): StreamState {
    return this.#state;
  }

  /** The id of the last event (or id-only block) received; sent as `Last-Event-ID` on reconnect. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** The transport of the current (or last) attempt: `native` (the runtime's EventSource) or `fetch`. */
  get transport(): TransportName {
    return this.#transport.name;
  }

  /** The resolved stream URL. */
  get url(): string {
    return this.#o.url;
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
    this.#attempt?.listen?.(type);
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
   * or an `AbortError` if it was closed without one.
   * @example
   * await stream.opened()
   */
  opened(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve();
    if (this.#state === 'closed') return Promise.reject(this.#closedReason());
    return new Promise((resolve, reject) => this.#waiters.push([resolve, reject]));
  }

  /**
   * Drops the current connection (or pending retry) and connects again at once, resuming from
   * `lastEventId`, with a fresh retry budget: after a login, or a network change the browser
   * missed. Does nothing on a closed or paused stream.
   */
  reconnect(): void {
    if (this.#state === 'closed' || this.#state === 'paused') return;
    this.#retries = 0;
    this.#authRetried = false;
    this.#connect();
  }

  /** Closes the stream for good: aborts the request, cancels a pending retry. Idempotent. */
  close(): void {
    this.#close({ reason: 'close' });
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

  // ── transitions ────────────────────────────────────────────────────────────

  #connect(): void {
    const o = this.#o;
    this.#stop();
    const epoch = ++this.#epoch;
    const controller = new AbortController();
    const attempt: Attempt = {
      transport: (this.#transport = this.#pickTransport()),
      controller,
      watchdog: new Watchdog(o.url, o.connectTimeout, o.heartbeatTimeout, () => this.#iterators.paused, (error: TimeoutError) =>
        this.#settle(attempt, { kind: 'error', error }),
      ),
      ended: false,
    };
    this.#attempt = attempt;
    this.#to('connecting');
    if (epoch !== this.#epoch) return; // onStateChange closed, paused or reconnected
    this.#request(attempt).then(
      (end) => this.#settle(attempt, end),
      (cause: unknown) => this.#settle(attempt, { kind: 'error', error: new NetworkError(o.url, 'Unexpected failure', cause) }),
    );
  }

  /** An attempt ended (the transport returned, a timeout fired): decide once what comes next. */
  #settle(attempt: Attempt, end: AttemptEnd): void {
    if (attempt.ended || end.kind === 'aborted') return;
    this.#stop();
    const epoch = this.#epoch;
    const decide = () => {
      if (epoch !== this.#epoch) return;
      const o = this.#o;
      const decision = classify(end, o.reconnectOnEnd, !!o.onUnauthorized && !this.#authRetried);
      if (decision.next === 'close') return this.#close(decision.info);
      if (decision.next === 'refresh') return void this.#refresh(decision.error);
      if (decision.next === 'retry') return this.#retry(decision.error);
      // The native transport was refused: a fetch attempt at once learns the status and type.
      if (o.transport === 'auto' && o.fetch) {
        this.#probe = true;
        return this.#connect();
      }
      this.#retry(new NetworkError(o.url, 'EventSource failed the connection (status hidden by the browser)'));
    };
    // Events still in async validation are delivered before the stream ends or retries.
    const pending = this.#dispatcher.settled;
    if (pending) pending.then(decide);
    else decide();
  }

  async #refresh(error: HttpStatusError): Promise<void> {
    this.#authRetried = true;
    const epoch = this.#epoch;
    const { connectTimeout } = this.#o;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // Bounded like the attempt it stands in for: a refresh that never settles must not hang the stream.
      const refreshed = [this.#o.onUnauthorized!(error)];
      if (connectTimeout) {
        refreshed.push(
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new TimeoutError(error.url, 'connect', connectTimeout)), connectTimeout);
          }),
        );
      }
      await Promise.race(refreshed);
    } catch (cause) {
      clearTimeout(timer);
      const { url, status, body, retryAfter } = error;
      if (epoch === this.#epoch) this.#close({ reason: 'error', error: new HttpStatusError(url, status, body, retryAfter, cause) });
      return;
    }
    clearTimeout(timer);
    if (epoch === this.#epoch) this.#connect();
  }

  #retry(error: SSEKitError | undefined): void {
    const o = this.#o;
    let retry = true;
    try {
      retry = !error || o.retry.shouldRetry?.(error, this.#retries + 1) !== false;
    } catch (cause) {
      this.#report(new HandlerError(o.url, cause, undefined, 'retry.shouldRetry'));
      retry = false;
    }
    if (!retry) return this.#close({ reason: 'error', error });
    if (++this.#retries > o.retry.maxAttempts) {
      return this.#close({ reason: 'error', error: new RetryExhaustedError(o.url, o.retry.maxAttempts, error) });
    }
    const delay = retryDelay(o.retry, this.#retries - 1, this.#serverRetry, (error as HttpStatusError | undefined)?.retryAfter);
    const epoch = ++this.#epoch;
    // Offline: wait for the network instead of spending attempts that cannot succeed.
    const fire = () => {
      if (!isOffline()) return this.#connect();
      const off = listen('window', 'online', () => {
        off();
        fire();
      });
      this.#disarm = off;
    };
    // Not unref'd: a Node process waiting to reconnect should stay alive.
    const timer = setTimeout(fire, delay);
    this.#disarm = () => clearTimeout(timer);
    this.#to('retrying');
    if (error && epoch === this.#epoch) this.#report(error);
    if (epoch === this.#epoch) this.#emit('onRetry', { attempt: this.#retries, delay, error });
  }

  #pause(): void {
    if (this.#state === 'closed' || this.#paused) return;
    this.#paused = true;
    this.#stop();
    this.#epoch++;
    this.#to('paused');
  }

  #resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#state !== 'closed') this.#connect();
  }

  #close(info: CloseInfo): void {
    if (this.#state === 'closed') return;
    this.#epoch++;
    this.#stop();
    this.#fatal = info.error;
    for (const off of this.#cleanup.splice(0)) off();
    this.#iterators.end(info.error, info.reason === 'close');
    const waiting = this.#waiters.length > 0;
    this.#to('closed');
    // Someone must hear of a fatal error: onError, onClose, a for-await loop (it throws) or
    // opened() (it rejects); with none of them, the console, as for an unhandled rejection.
    if (info.error) {
      if (this.#o.onError) this.#report(info.error);
      else if (!this.#o.onClose && !this.#iterators.size && !waiting) console.error(info.error);
    }
    this.#emit('onClose', info);
    const reason = this.#closedReason();
    for (const [, reject] of this.#waiters.splice(0)) reject(reason);
  }

  /** Ends the current attempt (if any) and cancels a pending retry. */
  #stop(): void {
    const attempt = this.#attempt;
    if (attempt) {
      attempt.ended = true;
      attempt.watchdog.stop();
      attempt.controller.abort();
      this.#attempt = undefined;
    }
    this.#disarm?.();
    this.#disarm = undefined;
  }

  #announce(): void {
    if (this.#announced) return;
    this.#announced = true;
    this.#emit('onStateChange', this.#state, undefined);
  }

  #to(state: StreamState): void {
    this.#announce();
    const previous = this.#state;
    if (previous === state || previous === 'closed') return; // closed is final
    this.#state = state;
    this.#emit('onStateChange', state, previous);
  }

  // ── one attempt ────────────────────────────────────────────────────────────

  /** `auto` on native: fetch to learn why the browser refused, or to resume same-origin with the header (free there). */
  #pickTransport(): Transport {
    const o = this.#o;
    if (this.#preferred === fetchTransport || o.transport !== 'auto' || !o.fetch) return this.#preferred;
    const probe = this.#probe;
    this.#probe = false;
    const id = this.#lastEventId;
    return probe || (id && idRoute(id) === 'header' && isSameOrigin(o.url)) ? fetchTransport : this.#preferred;
  }

  async #request(attempt: Attempt): Promise<AttemptEnd> {
    const o = this.#o;
    let headers: Headers;
    let body: BodyInit | undefined;
    try {
      const given = typeof o.headers === 'function' ? o.headers() : o.headers;
      headers = new Headers(given instanceof Promise ? await given : given);
      body = typeof o.body === 'function' ? o.body() : o.body;
    } catch (cause) {
      return { kind: 'error', error: new NetworkError(o.url, 'The headers or body option threw', cause) };
    }
    if (attempt.ended) return { kind: 'aborted' };
    const id = this.#lastEventId;
    const route = id ? idRoute(id) : 'none';
    // The id goes as a header where one can be sent, else in lastEventIdParam (see README, "Resume").
    const inHeader = route === 'header' && attempt.transport === fetchTransport;
    const url = route === 'query' || (route === 'header' && !inHeader) ? withIdParam(o.url, o.lastEventIdParam, id) : o.url;
    return attempt.transport.connect(
      {
        url,
        method: o.method,
        headers,
        body,
        credentials: o.credentials,
        redirect: o.redirect,
        lastEventId: inHeader ? idHeaderValue(id) : '',
        maxEventSize: o.maxEventSize,
        flushIncompleteEvent: o.flushIncompleteEvent === true,
        signal: attempt.controller.signal,
        opens: is2xx,
        fetch: o.fetch,
        EventSource: o.EventSource,
      },
      this.#sink(attempt),
    );
  }

  #sink(attempt: Attempt): Sink {
    const o = this.#o;
    return {
      open: (status, url) => {
        if (attempt.ended) return;
        this.#authRetried = false;
        attempt.watchdog.opened(attempt.transport.seesComments && !!o.heartbeatTimeout);
        const epoch = this.#epoch;
        this.#to('open');
        if (epoch === this.#epoch) this.#emit('onOpen', { status, url, transport: attempt.transport.name });
        if (epoch === this.#epoch) for (const [resolve] of this.#waiters.splice(0)) resolve();
      },
      activity: () => {
        attempt.watchdog.active = true;
      },
      id: (id) => {
        if (attempt.ended) return;
        this.#lastEventId = id;
        if (o.storage && this.#sendable(id)) {
          try {
            o.storage.set(o.storageKey, id);
          } catch (cause) {
            // Storage full or denied: resume within this page still works. Said once.
            if (!this.#storageFailed) this.#report(new HandlerError(o.url, cause, undefined, 'storage.set'));
            this.#storageFailed = true;
          }
        }
      },
      retry: (ms) => {
        this.#serverRetry = ms;
      },
      message: (type, data) => {
        if (attempt.ended) return;
        this.#retries = 0;
        // Decode only what someone consumes: unused types cost nothing and raise no DecodeError.
        if (this.#listeners.get(type)?.size || this.#any.size || this.#iterators.size) {
          this.#dispatcher.dispatch({ type, id: this.#lastEventId, data });
        }
      },
      backpressure: () => (this.#iterators.size ? this.#iterators.backpressure() : undefined),
      types: (listen) => {
        attempt.listen = listen;
        listen('message');
        for (const type of this.#listeners.keys()) listen(type);
      },
      // The browser reconnects by itself once per drop (with the header, honouring `retry:`); if
      // that fails too before an event arrives, the policy's backoff takes over.
      reconnecting: () => {
        if (attempt.ended || this.#retries > 0 || this.#retries + 1 > o.retry.maxAttempts) return false;
        const epoch = this.#epoch;
        this.#retries++;
        this.#to('retrying');
        if (epoch === this.#epoch) this.#emit('onRetry', { attempt: this.#retries, delay: undefined, error: undefined });
        return !attempt.ended;
      },
    };
  }

  // A getter, so TypeScript does not narrow the state across callbacks.
  get #closed(): boolean {
    return this.#state === 'closed';
  }

  #deliver(raw: RawEvent, value: unknown): void {
    if (this.#closed) return;
    const listeners = this.#listeners.get(raw.type);
    if (listeners) {
      for (const listener of listeners) {
        if (this.#closed) return;
        try {
          listener(value, raw);
        } catch (cause) {
          this.#report(new HandlerError(this.#o.url, cause, raw));
        }
      }
    }
    if (!this.#any.size && !this.#iterators.size) return;
    const event = { type: raw.type, data: value, id: raw.id } as StreamEvent<E>;
    for (const listener of this.#any) {
      if (this.#closed) return;
      try {
        listener(event);
      } catch (cause) {
        this.#report(new HandlerError(this.#o.url, cause, raw));
      }
    }
    this.#iterators.push(event);
  }

  // ── reporting ──────────────────────────────────────────────────────────────

  #storedId(): string {
    const { storage, storageKey, url } = this.#o;
    try {
      const id = storage?.get(storageKey) ?? '';
      if (typeof id !== 'string') throw new TypeError(`storage.get returned ${typeof id}; it must return a string, synchronously`);
      return this.#sendable(id) ? id : '';
    } catch (cause) {
      this.#report(new HandlerError(url, cause, undefined, 'storage.get'));
      return '';
    }
  }

  /** Whether `id` can travel back: as a header, or in the query when there is a parameter for it. */
  #sendable(id: string): boolean {
    const route = idRoute(id);
    return route === 'header' || (route === 'query' && !!this.#o.lastEventIdParam);
  }

  #closedReason(): unknown {
    return this.#fatal ?? new DOMException('The stream was closed before it opened', 'AbortError');
  }

  #report(error: SSEKitError): void {
    try {
      this.#o.onError?.(error);
    } catch {
      // An onError that throws has nowhere left to report to.
    }
  }

  /** Calls a lifecycle callback; a throw becomes a HandlerError instead of breaking the stream. */
  #emit<K extends keyof Callbacks>(name: K, ...args: Parameters<NonNullable<Callbacks[K]>>): void {
    try {
      (this.#o[name] as ((...a: typeof args) => void) | undefined)?.(...args);
    } catch (cause) {
      this.#report(new HandlerError(this.#o.url, cause, undefined, name));
    }
  }
}

/**
 * Opens a typed server-sent event stream that reconnects, resumes and reports typed errors.
 * @example
 * type Events = { tick: { n: number } }
 * const stream = createEventStream<Events>('/events')
 * stream.on('tick', (tick) => console.log(tick.n))
 */
export function createEventStream<E extends EventMap = EventMap>(
  url: string | URL,
  options?: StreamOptions<E>,
): EventStream<E> {
  return new EventStream<E>(url, options);
}
