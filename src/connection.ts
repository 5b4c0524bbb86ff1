import { Attempt } from './attempt.js';
import { classify } from './classify.js';
import { afterDelayOnline, isHidden, isSameOrigin } from './env.js';
import { watchPage } from './page-lifecycle.js';
import { HandlerError, HttpStatusError, NetworkError, RetryExhaustedError, type SSEKitError, TimeoutError } from './errors.js';
import { idRoute, readStoredId, sendable } from './last-event-id.js';
import type { Resolved } from './options.js';
import { retryDelay } from './retry-policy.js';
import { fetchTransport } from './transports/fetch.js';
import { buildRequest } from './transports/request.js';
import { selectTransport } from './transports/select.js';
import type { AttemptEnd, Transport } from './transports/transport.js';
import type { CloseInfo, SharedLink, StreamOptions, StreamRole, StreamState } from './types.js';

/** What the connection needs from the stream that owns it: its consumers. */
export interface Consumers {
  /** An event arrived: decode and deliver it, if anyone listens. */
  message(type: string, data: string, id: string): void;
  /** Event types with a listener (the native transport subscribes to each by name). */
  types(): Iterable<string>;
  /** Resolves when the consumers have room again; undefined when they have room now. */
  backpressure(): Promise<void> | undefined;
  /** True while reads are paused for a slow consumer (silence is then ours, not a stall). */
  paused(): boolean;
  /** Settles once events still in (async) validation are delivered. */
  settled(): Promise<void> | undefined;
  opened(): void;
  /** The stream closed; true when a consumer (a for-await loop, an opened() promise) gets the error. */
  closed(info: CloseInfo): boolean;
}

/** Failed reconnections in a row the browser's own EventSource may make before sse-kit takes over. */
const BROWSER_RETRIES = 3;

type Callbacks = Pick<StreamOptions, 'onOpen' | 'onRetry' | 'onStateChange' | 'onClose' | 'onRoleChange'>;

/**
 * The state machine of one stream: `connecting` → `open` → (`retrying` → `connecting` → `open`)…
 * → `closed`, and `paused` while the page is hidden or in the bfcache. Every change of state goes
 * through `#to`; every new plan (an attempt, a retry timer, a pause, the close) bumps `#epoch`, so
 * a callback that closes, reconnects or throws from anywhere leaves its caller with a stale epoch,
 * and the caller stops there. Re-entrancy is handled in that one way, not by guards after calls.
 */
export class Connection {
  #cleanup: (() => void)[] = [];
  readonly #preferred: Transport;
  #state: StreamState;
  #epoch = 0;
  #lastEventId: string;
  #attempt: Attempt | undefined;
  #transport: Transport;
  /** The server's `retry:` field, if it sent one. */
  serverRetry: number | undefined;
  /** Attempts in a row that delivered no event (reset by the attempt on each event). */
  retries = 0;
  #authRetried = false;
  /** The browser refused the last response without saying why: make the next attempt with fetch. */
  #probe = false;
  #paused = false;
  #storageFailed = false;
  #announced = false;
  /** Cancels the pending retry timer or online wait. */
  #disarm: (() => void) | undefined;
  #fatal: SSEKitError | undefined;
  #role: StreamRole = 'solo';
  readonly #link: SharedLink | undefined;

  constructor(
    readonly o: Resolved,
    readonly consumers: Consumers,
  ) {
    this.#lastEventId = o.lastEventId ?? readStoredId(o, (error) => this.report(error));
    this.#transport = this.#preferred = selectTransport(o, this.#lastEventId !== '');
    this.#link = o.share?.join(o, (role) => {
      if (role === this.#role) return;
      this.#role = role;
      this.#emit('onRoleChange', role);
    });
    this.#paused = !!o.pauseWhenHidden && isHidden();
    this.#state = this.#paused ? 'paused' : 'connecting';
    // The initial state is announced after the constructor returns (a callback that reads
    // `stream` would otherwise meet it uninitialised), or just before the first change.
    queueMicrotask(() => this.#announce());
    if (o.signal?.aborted) {
      queueMicrotask(() => this.close({ reason: 'close' }));
      return;
    }
    this.#cleanup = watchPage(o, {
      pause: () => this.#pause(),
      resume: () => this.#resume(),
      // A frozen page's fetch body stops delivering and never errors (Chromium): resume by id at once.
      unfrozen: () => this.#transport.seesComments && this.#state === 'open' && this.reconnect(),
      abort: () => this.close({ reason: 'close' }),
    });
    if (this.#state === 'connecting') this.#connect();
  }

  get state(): StreamState {
    return this.#state;
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  get transport(): Transport {
    return this.#transport;
  }

  get role(): StreamRole {
    return this.#role;
  }

  /** The error that closed the stream, if one did. */
  get fatal(): SSEKitError | undefined {
    return this.#fatal;
  }

  /** A listener for a new event type was added. */
  subscribe(type: string): void {
    this.#attempt?.listen?.(type);
  }

  reconnect(): void {
    if (this.#state === 'closed' || this.#state === 'paused') return;
    this.retries = 0;
    this.#authRetried = false;
    this.#connect();
  }

  close(info: CloseInfo): void {
    if (this.#state === 'closed') return;
    this.#epoch++;
    this.#stop();
    this.#fatal = info.error;
    for (const off of this.#cleanup.splice(0)) off();
    this.#link?.leave();
    const heard = this.consumers.closed(info);
    this.#to('closed');
    // Someone must hear of a fatal error: onError, onClose, a for-await loop (it throws) or
    // opened() (it rejects); with none of them, the console, as for an unhandled rejection.
    if (info.error) {
      if (this.o.onError) this.report(info.error);
      else if (!this.o.onClose && !heard) console.error(info.error);
    }
    this.#emit('onClose', info);
  }

  report(error: SSEKitError): void {
    try {
      this.o.onError?.(error);
    } catch {
      // An onError that throws has nowhere left to report to.
    }
  }

  // ── transitions ────────────────────────────────────────────────────────────

  #connect(): void {
    this.#stop();
    const epoch = ++this.#epoch;
    const attempt = (this.#attempt = new Attempt(this, (this.#transport = this.#pickTransport())));
    this.#to('connecting');
    if (epoch !== this.#epoch) return; // onStateChange closed, paused or reconnected
    this.#run(attempt).then(
      (end) => this.settle(attempt, end),
      (cause: unknown) => this.settle(attempt, { kind: 'error', error: new NetworkError(this.o.url, 'Unexpected failure', cause) }),
    );
  }

  async #run(attempt: Attempt): Promise<AttemptEnd> {
    let request = buildRequest(this.o, attempt.transport, this.#lastEventId, attempt.controller.signal);
    if (request instanceof Promise) request = await request;
    if ('kind' in request) return request;
    if (attempt.ended) return { kind: 'aborted' };
    const { transport } = attempt;
    return this.#link ? this.#link.connect(transport.connect, request, attempt) : transport.connect(request, attempt);
  }

  /** An attempt ended (the transport returned, a timeout fired): decide once what comes next. */
  settle(attempt: Attempt, end: AttemptEnd): void {
    if (attempt.ended || end.kind === 'aborted') return;
    this.#stop();
    const epoch = this.#epoch;
    const decide = () => {
      if (epoch !== this.#epoch) return;
      const o = this.o;
      const decision = classify(end, o.reconnectOnEnd, !!o.onUnauthorized && !this.#authRetried);
      if (decision.next === 'close') return this.close(decision.info);
      if (decision.next === 'refresh') return void this.#refresh(decision.error);
      if (decision.next === 'retry') return this.#retry(decision.error);
      // The native transport was refused: a fetch attempt at once learns the status and type.
      if (o.transport === 'auto' && o.fetch) {
        this.#probe = true;
        return this.#connect();
      }
      this.#retry(new NetworkError(o.url, 'EventSource failed the connection (status hidden by the browser)'));
    };
    // Events still in async validation are delivered before the stream ends or retries. In a page,
    // the decision waits one task: on a reload the page's connections fail just before `pagehide`
    // (measured in Chromium: -5 to 0 ms), and no task runs after them, so an unload never shows as
    // a failure (retrying, onError, onRetry, a request to learn a status).
    const pending = this.consumers.settled();
    if (pending) pending.then(decide);
    else if (typeof window === 'object') setTimeout(decide, 0);
    else decide();
  }

  async #refresh(error: HttpStatusError): Promise<void> {
    this.#authRetried = true;
    const epoch = this.#epoch;
    const { connectTimeout } = this.o;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // Bounded like the attempt it stands in for: a refresh that never settles must not hang the stream.
      const refreshed = [this.o.onUnauthorized!(error)];
      if (connectTimeout) {
        refreshed.push(
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new TimeoutError(error.url, 'connect', connectTimeout)), connectTimeout);
          }),
        );
      }
      await Promise.race(refreshed);
    } catch (cause) {
      const { url, status, body, retryAfter } = error;
      if (epoch === this.#epoch) this.close({ reason: 'error', error: new HttpStatusError(url, status, body, retryAfter, cause) });
      return;
    } finally {
      clearTimeout(timer);
    }
    if (epoch === this.#epoch) this.#connect();
  }

  #retry(error: SSEKitError | undefined): void {
    const o = this.o;
    let retry = true;
    try {
      retry = !error || o.retry.shouldRetry?.(error, this.retries + 1) !== false;
    } catch (cause) {
      this.report(new HandlerError(o.url, cause, undefined, 'retry.shouldRetry'));
      retry = false;
    }
    if (!retry) return this.close({ reason: 'error', error });
    if (++this.retries > o.retry.maxAttempts) {
      return this.close({ reason: 'error', error: new RetryExhaustedError(o.url, o.retry.maxAttempts, error) });
    }
    const delay = retryDelay(o.retry, this.retries - 1, this.serverRetry, (error as HttpStatusError | undefined)?.retryAfter);
    const epoch = ++this.#epoch;
    this.#disarm = afterDelayOnline(delay, () => this.#connect());
    this.#to('retrying');
    // onError runs after the state change its error caused: `retrying` here, `closed` for a fatal one.
    if (error && epoch === this.#epoch) this.report(error);
    if (epoch === this.#epoch) this.#emit('onRetry', { attempt: this.retries, delay, error });
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

  /** Ends the current attempt (if any) and cancels a pending retry. */
  #stop(): void {
    this.#attempt?.end();
    this.#attempt = undefined;
    this.#disarm?.();
    this.#disarm = undefined;
  }

  #announce(): void {
    if (this.#announced) return;
    this.#announced = true;
    this.#emit('onStateChange', this.#state, undefined);
  }

  #to(state: StreamState): void {
    const previous = this.#state;
    if (previous === state || previous === 'closed') return; // closed is final
    this.#announce();
    this.#state = state;
    this.#emit('onStateChange', state, previous);
  }

  // ── one attempt ────────────────────────────────────────────────────────────

  /** `auto` on native: fetch to learn why the browser refused, or to resume same-origin with the header (free there). */
  #pickTransport(): Transport {
    const o = this.o;
    if (this.#preferred === fetchTransport || o.transport !== 'auto' || !o.fetch) return this.#preferred;
    const probe = this.#probe;
    this.#probe = false;
    const id = this.#lastEventId;
    return probe || (id && idRoute(id) === 'header' && isSameOrigin(o.url)) ? fetchTransport : this.#preferred;
  }

  // ── what the attempt's transport reports (through Attempt, its sink) ───────────

  opened(status: number, url: string): void {
    this.#authRetried = false;
    const epoch = this.#epoch;
    this.#to('open');
    if (epoch === this.#epoch) this.#emit('onOpen', { status, url, transport: this.#transport.name });
    if (epoch === this.#epoch) this.consumers.opened();
  }

  id(id: string): void {
    const o = this.o;
    this.#lastEventId = id;
    if (!o.storage || !sendable(id, o.lastEventIdParam)) return;
    try {
      o.storage.set(o.storageKey, id);
    } catch (cause) {
      // Storage full or denied: resume within this page still works. Said once.
      if (!this.#storageFailed) this.report(new HandlerError(o.url, cause, undefined, 'storage.set'));
      this.#storageFailed = true;
    }
  }

  /**
   * The browser reconnects by itself after a drop (with its own last id in the header, id-only
   * blocks included, honouring `retry:`) up to BROWSER_RETRIES times in a row; if it keeps
   * failing, the policy's backoff takes over, so a dead server is not hit at its fixed rate.
   */
  reconnecting(attempt: Attempt): boolean {
    if (attempt.ended || this.retries >= BROWSER_RETRIES || this.retries + 1 > this.o.retry.maxAttempts) return false;
    const epoch = this.#epoch;
    this.retries++;
    this.#to('retrying');
    if (epoch === this.#epoch) this.#emit('onRetry', { attempt: this.retries, delay: undefined, error: undefined });
    return !attempt.ended;
  }

  /** Calls a lifecycle callback; a throw becomes a HandlerError instead of breaking the stream. */
  #emit<K extends keyof Callbacks>(name: K, ...args: Parameters<NonNullable<Callbacks[K]>>): void {
    try {
      (this.o[name] as ((...a: typeof args) => void) | undefined)?.(...args);
    } catch (cause) {
      this.report(new HandlerError(this.o.url, cause, undefined, name));
    }
  }
}
