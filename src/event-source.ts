// The standard EventSource, following the WHATWG HTML "Server-sent events" section (§9.2) to the
// letter; quoted sentences come from it. Built on the fetch transport directly, not on EventStream:
// the spec's processing model has no backoff, no retry budget and no status classes.
// Deliberate differences from browsers: an event growing past maxEventSize (16 MiB) fails the
// connection (memory stays bounded; reconnecting would fetch the same event again). An id with a
// control character or over 1024 UTF-8 bytes is not sent as Last-Event-ID (Node's fetch refuses it;
// see headerSafeId). Inputs that could only fail (a non-http(s) URL, a header value with control
// characters, a one-shot body) throw at construction. Error events carry `code` and `message`, as in
// the `eventsource` package. The tasks queued before a macrotask starts run in that one macrotask
// (see #drain), not one timer each. Script-dispatched events have `isTrusted` false, and a throwing
// listener is reported the runtime's way (in Node, an uncaught exception, as for any EventTarget).
// fetch cannot tell a CORS refusal from a network error, so in a browser such a stream is
// reestablished where the native one fails. In Node a pending reconnection keeps the process alive
// until close(), as an open socket does.
import { NetworkError } from './errors.js';
import { describeError, EventSourceErrorEvent } from './event-source-error.js';
import { type EventSourceInit, type EventSourceRequest, eventSourceRequest, eventSourceURL, headerSafeId, redactURL } from './event-source-request.js';
import { fetchTransport } from './transports/fetch.js';
import type { AttemptEnd, AttemptRequest, Sink } from './transports/transport.js';
import type { FetchLike } from './types.js';

export { EventSourceErrorEvent } from './event-source-error.js';
export type { EventSourceInit } from './event-source-request.js';

const CONNECTING = 0, OPEN = 1, CLOSED = 2;

type Handler<E extends Event> = ((this: EventSource, event: E) => unknown) | null;
// Local shapes rather than the DOM's EventListenerOrEventListenerObject, EventSourceEventMap and
// AddEventListenerOptions: @types/node declares none of them, and these types are published.
type Listener = ((this: EventSource, event: MessageEvent) => unknown) | { handleEvent(event: MessageEvent): unknown } | null;
/** The events an EventSource fires, as the DOM's `EventSourceEventMap` lists them (errors carry `code` and `message`). */
interface Events {
  open: Event;
  message: MessageEvent;
  error: EventSourceErrorEvent;
}
type Options = boolean | { capture?: boolean | undefined; once?: boolean | undefined; passive?: boolean | undefined; signal?: AbortSignal | undefined };
/** A queued task: an event to dispatch (the common case, no closure) or steps to run. */
type Task = Event | (() => void);

/**
 * The standard `EventSource` (same events, states and reconnection rules as in browsers) that also
 * runs in Node and can send headers, another method and a body. It reconnects after the reconnection
 * time with `Last-Event-ID` and never backs off; use `createEventStream` for backoff and typed data.
 * A drop-in for the `eventsource` package: `error` events carry `code` (the HTTP status) and
 * `message`. Inputs that could only fail (a non-http(s) URL, a header with control characters, a
 * one-shot body) throw at construction.
 * @example
 * const source = new EventSource('https://example.com/events', { headers: { authorization: `Bearer ${token}` } })
 * source.onmessage = (event) => console.log(event.data, event.lastEventId)
 * source.onerror = (event) => { if (event.code === 401) source.close() }
 */
export class EventSource extends EventTarget {
  /** `readyState`: not connected yet, or reconnecting. */
  static readonly CONNECTING = CONNECTING;
  /** `readyState`: connected, dispatching events as they arrive. */
  static readonly OPEN = OPEN;
  /** `readyState`: closed for good (`close()` or a failed connection); no reconnection. */
  static readonly CLOSED = CLOSED;

  readonly #request: EventSourceRequest;
  // Tasks of the remote event task source not run yet, in order; `#drain` runs them.
  #tasks: Task[] = [];
  // Roughly the memory the queued events hold (see QUEUE_LIMIT).
  #queued = 0;
  readonly #handlers = new Map<string, { fn: (event: Event) => unknown; listener: (event: Event) => void }>();
  #readyState: number = CONNECTING;
  // "A reconnection time, in milliseconds. This must initially be an implementation-defined value,
  // probably in the region of a few seconds." Chrome and Safari use 3000, Firefox 5000.
  #reconnectionTime: number;
  // "A last event ID string. This must initially be the empty string."
  #lastEventId = '';
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  // Lets the transport read on once the queue is below QUEUE_LIMIT again.
  #resume: (() => void) | undefined;

  /**
   * Connects at once. Throws a `SyntaxError` DOMException for an invalid URL, a relative one in
   * Node (no page), a scheme other than http(s) or a URL with credentials; a `TypeError` (or
   * `RangeError`) for an option that could never be sent.
   */
  constructor(url: string | URL, init?: EventSourceInit | null) {
    super();
    this.#request = eventSourceRequest(eventSourceURL(url), init);
    this.#reconnectionTime = this.#request.reconnectionTime;
    // "Fetch request": the constructor starts the first connection.
    this.#connect();
  }

  /** `CONNECTING` (0). */
  get CONNECTING(): 0 { return CONNECTING; }
  /** `OPEN` (1). */
  get OPEN(): 1 { return OPEN; }
  /** `CLOSED` (2). */
  get CLOSED(): 2 { return CLOSED; }
  /** `CONNECTING` (0), `OPEN` (1) or `CLOSED` (2). */
  get readyState(): number { return this.#readyState; }
  /** The stream URL, absolute; the one given, even after a redirect. */
  get url(): string { return this.#request.url; }
  /** True when created with `withCredentials: true`. */
  get withCredentials(): boolean { return this.#request.credentials; }

  /** Handler for `open` events; works alongside `addEventListener('open', ...)`. */
  get onopen(): Handler<Event> { return this.#handler('open'); }
  set onopen(fn: Handler<Event>) { this.#setHandler('open', fn); }
  /** Handler for `message` events (events without an `event:` field). */
  get onmessage(): Handler<MessageEvent> { return this.#handler('message'); }
  set onmessage(fn: Handler<MessageEvent>) { this.#setHandler('message', fn); }
  /** Handler for `error` events: a lost connection (`readyState` CONNECTING) or a failed one (CLOSED); see `code` and `message`. */
  get onerror(): Handler<EventSourceErrorEvent> { return this.#handler('error'); }
  set onerror(fn: Handler<EventSourceErrorEvent>) { this.#setHandler('error', fn); }

  /** Listens to `open`, `error`, `message` or a named event type (`event: tick` → `'tick'`), as MessageEvents. */
  override addEventListener<K extends keyof Events>(type: K, listener: (this: EventSource, event: Events[K]) => unknown, options?: Options): void;
  override addEventListener(type: string, listener: Listener, options?: Options): void;
  override addEventListener(type: string, listener: Listener, options?: Options): void {
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }
  /** Removes a listener added with `addEventListener`. */
  override removeEventListener(type: string, listener: Listener, options?: boolean | { capture?: boolean | undefined }): void {
    super.removeEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  /** Closes for good: aborts the request, cancels a pending reconnection; no event fires after it. */
  close(): void {
    // "The close() method must abort any instances of the fetch algorithm started for this
    // EventSource object, and must set the readyState attribute to CLOSED."
    this.#readyState = CLOSED;
    this.#controller?.abort();
    this.#controller = undefined;
    clearTimeout(this.#timer);
  }

  // The one place that speaks the transport contract (AttemptRequest, Sink, AttemptEnd).
  #connect(): void {
    const controller = (this.#controller = new AbortController());
    let status = 0;
    let failed = false;
    let origin = '';
    const live = () => !failed && this.#controller === controller;
    nativeEvents ??= /\[native code]/.test(Function.prototype.toString.call(MessageEvent));
    // Wraps fetch to decide on the status line alone: "if res's status is not 200 [...] then fail
    // the connection". 201 or 206 with the right type fail too, and a 5xx body the server never
    // sends does not hold the error event back (the transport reads an excerpt of error bodies).
    const fetch: FetchLike = async (input, init) => {
      const response = await this.#request.fetch(input, init);
      status = response.status;
      if (status !== 200) { failed = true; controller.abort(); }
      return response;
    };
    const sink: Sink = {
      open: (_status, finalUrl) => {
        if (!live()) return;
        // "the serialization of the origin of the event stream's final URL (i.e., the URL after redirects)"
        origin = new URL(finalUrl).origin;
        // "announce the connection: queue a task which, if the readyState attribute is set to a
        // value other than CLOSED, sets the readyState attribute to OPEN and fires an event named open"
        this.#queue(() => this.#fire(OPEN, new Event('open')));
      },
      // Dispatch step 1, at parse time: "Set the last event ID string of the event source to the
      // value of the last event ID buffer". The parser reports id-only blocks too, and never an id
      // with U+0000 or one of an event the stream cut off. The id then persists across
      // reconnections, as in browsers and web-platform-tests (format-field-id.htm).
      id: (id) => { if (live()) this.#lastEventId = id; },
      // "If the field value consists of only ASCII digits, then interpret the field value as an
      // integer in base ten, and set the event stream's reconnection time to that integer."
      retry: (ms) => { if (live()) this.#reconnectionTime = ms; },
      // Steps 4-8: the event gets "the last event ID string of the event source", then "Queue a
      // task which, if the readyState attribute is set to a value other than CLOSED, dispatches
      // the newly created event". The parser drops the trailing LF, empty data and empty `event:`.
      message: (type, data) => {
        if (!live()) return;
        this.#queued += data.length + EVENT_COST;
        this.#queue(messageEvent(type, data, origin, this.#lastEventId));
      },
      // Reading ahead of dispatch keeps the socket flowing (waiting for each batch to run before
      // the next read cost a third of the throughput); past QUEUE_LIMIT a fast stream waits in the
      // socket instead of in memory.
      backpressure: () => {
        if (this.#queued < QUEUE_LIMIT) return undefined;
        this.#resume?.();
        return new Promise<void>((resolve) => (this.#resume = resolve));
      },
      // No stall detection in the standard; an oversized event ends the attempt with an error.
      activity: () => {}, types: () => {}, reconnecting: () => false,
    };
    // A fresh header list per attempt, as browsers build it. The source's own id replaces a
    // Last-Event-ID given in `headers`, even when that id cannot be sent.
    const headers = new Headers(this.#request.headers);
    if (this.#lastEventId) headers.delete('last-event-id');
    const { url, method, body, maxEventSize, credentials } = this.#request;
    const request: AttemptRequest = {
      url, method, body, maxEventSize, headers,
      // The standard's credentials mode is "same-origin", fetch's default: leave it unset.
      credentials: credentials ? 'include' : undefined,
      // "If the EventSource object's last event ID string is not the empty string, [...] Set
      // (`Last-Event-ID`, lastEventIDValue) in request's header list" (its UTF-8 bytes), unless
      // the id cannot travel as a header value (see headerSafeId): then the request goes without.
      lastEventId: headerSafeId(this.#lastEventId),
      // "If the file ends in the middle of an event, [...] the incomplete event is not dispatched."
      flushIncompleteEvent: false,
      signal: controller.signal, fetch, redirect: 'follow', opens: (status) => status >= 200 && status < 300,
    };
    fetchTransport
      .connect(request, sink)
      // The transport reports failures as values; a throw would be a bug: treat it as a network error.
      .catch((cause): AttemptEnd => ({ kind: 'error', error: new NetworkError(url, 'The connection failed', cause) }))
      .then((end) => {
        if (this.#controller !== controller) return; // closed meanwhile
        const where = redactURL(url);
        // "if res's status is not 200, or if res's `Content-Type` is not `text/event-stream`, then
        // fail the connection" (`failed`: any status but 200, 204 included). An oversized event
        // fails it too (see the top of this file). `code` is the status, as in `eventsource`.
        if (failed) return this.#fail(`HTTP ${status} from ${where}: an EventSource needs 200`, status);
        if (end.kind === 'error' && end.error.code !== 'NETWORK') {
          return this.#fail(describeError(end.error, where), end.error.code === 'CONTENT_TYPE' ? status : undefined);
        }
        // Network errors and the end of the body "reestablish the connection", "whether the
        // connection is closed gracefully or unexpectedly".
        this.#reestablish(end.kind === 'error' ? describeError(end.error, where) : `The server closed the stream (${where})`);
      });
  }

  // "When a user agent is to fail the connection, the user agent must queue a task which, if the
  // readyState attribute is set to a value other than CLOSED, sets the readyState attribute to
  // CLOSED and fires an event named error at the EventSource object. Once the user agent has failed
  // the connection, it does not attempt to reconnect."
  #fail(message: string, code: number | undefined): void {
    const event = new EventSourceErrorEvent('error', { message, code });
    this.#queue(() => this.#fire(CLOSED, event));
  }

  #reestablish(message: string): void {
    // "1. Queue a task to run the following steps: If the readyState attribute is set to CLOSED,
    // abort the task. Set the readyState attribute to CONNECTING. Fire an event named error."
    const event = new EventSourceErrorEvent('error', { message, code: undefined });
    this.#queue(() => this.#fire(CONNECTING, event));
    // "2. Wait a delay equal to the reconnection time of the event source" (at most 2^31-1 ms, the
    // longest timer; a longer one would fire after 1 ms). Step 3, an optional backoff, is not
    // taken. "4. Wait until the aforementioned task has run": tasks run in order, so queueing
    // step 5 after it is enough.
    // "5. Queue a task to run the following steps: If the EventSource object's readyState
    // attribute is not set to CONNECTING, then return. [...] Fetch request"
    const step5 = () => this.#queue(() => { if (this.#readyState === CONNECTING) this.#connect(); });
    this.#timer = setTimeout(step5, Math.min(this.#reconnectionTime, 2 ** 31 - 1));
  }

  // "The task source for any tasks that are queued by EventSource objects is the remote event task
  // source." A timer per task starved the process under a fast stream (one timer per event), so
  // the tasks queued until a macrotask starts run in that one macrotask, see `#drain`.
  #queue(task: Task): void {
    if (this.#tasks.push(task) === 1) nextTask(() => void this.#drain());
  }

  // Runs the tasks queued so far, in order. Each starts with "if the readyState attribute is set to
  // a value other than CLOSED", so a close() in a listener stops the rest. Microtasks a listener
  // queues run before the next event, as after every callback in browsers. Tasks queued meanwhile
  // (the transport reads on) wait for the next macrotask, and a batch that runs past SLICE_MS
  // continues in the next one, so timers, I/O and rendering get their turn between slices.
  async #drain(): Promise<void> {
    const batch = this.#tasks;
    this.#tasks = [];
    const start = Date.now();
    let next = 0;
    try {
      while (next < batch.length) {
        if (next) {
          await undefined;
          // The clock is read every 16 tasks: reading it costs about a tenth of a small event.
          if ((next & 15) === 0 && Date.now() - start >= SLICE_MS) break;
        }
        if (this.#readyState === CLOSED) break;
        const task = batch[next++]!;
        if (typeof task === 'function') {
          task();
        } else {
          this.#queued -= (task as MessageEvent).data.length + EVENT_COST;
          this.dispatchEvent(task);
        }
      }
    } finally {
      if (this.#readyState === CLOSED) {
        this.#queued = 0;
      } else if (next < batch.length) {
        // The rest of the slice runs first in the next macrotask (scheduled now if nothing else is).
        if (!this.#tasks.length) nextTask(() => void this.#drain());
        this.#tasks = batch.slice(next).concat(this.#tasks);
      }
      if (this.#queued < QUEUE_LIMIT) {
        const resume = this.#resume;
        this.#resume = undefined;
        resume?.();
      }
    }
  }

  #fire(readyState: number, event: Event): void {
    this.#readyState = readyState;
    this.dispatchEvent(event);
  }

  #handler<E extends Event>(type: string): Handler<E> {
    return (this.#handlers.get(type)?.fn as Handler<E>) ?? null;
  }

  // HTML "event handler IDL attributes": the first function assigned adds one event listener;
  // assigning another replaces the callback but keeps that listener's place in the order; null
  // removes it. A non-function counts as null (browsers keep a non-callable object, uncalled).
  #setHandler(type: string, fn: unknown): void {
    const slot = this.#handlers.get(type);
    if (typeof fn !== 'function') {
      if (slot) super.removeEventListener(type, slot.listener);
      this.#handlers.delete(type);
    } else if (slot) {
      slot.fn = fn as (event: Event) => unknown;
    } else {
      const created = { fn: fn as (event: Event) => unknown, listener: (event: Event) => void created.fn.call(this, event) };
      this.#handlers.set(type, created);
      super.addEventListener(type, created.listener);
    }
  }
}

/**
 * The MessageEvent an EventSource dispatches where MessageEvent is native (browsers): a real one
 * (`instanceof MessageEvent`, `type` and `target` set by dispatch) whose `data`, `origin` and
 * `lastEventId` are read-only accessors over private fields rather than set through the init
 * dictionary. Why: in Chromium, `new MessageEvent(type, { data, origin, lastEventId })` costs
 * 2.4-2.8 µs (converting the dictionary; `origin` alone ~1.2 µs), `new MessageEvent(type)` 0.5-0.7
 * µs, this subclass 0.9-1.2 µs, and createEventStream's whole per-event path ~2 µs. Node's
 * MessageEvent is JavaScript: there the subclass costs 14% more instructions per event than the
 * dictionary (callgrind, bench/instructions.mjs es), so Node keeps the dictionary.
 */
class SourceMessageEvent extends (MessageEvent as new (type: string) => MessageEvent) {
  readonly #data: string;
  readonly #origin: string;
  readonly #lastEventId: string;
  constructor(type: string, data: string, origin: string, lastEventId: string) {
    super(type);
    this.#data = data;
    this.#origin = origin;
    this.#lastEventId = lastEventId;
  }
  override get data(): string { return this.#data; }
  override get origin(): string { return this.#origin; }
  override get lastEventId(): string { return this.#lastEventId; }
}

// Whether MessageEvent is built in (its source reads `[native code]`), not JavaScript as in Node;
// set by the first connection (a module-level test would not tree-shake).
let nativeEvents: boolean | undefined;

// The branch sits here rather than in the sink's `message`: there it cost Node ~300 instructions per
// event (callgrind, bench/instructions.mjs es: 12,209-12,573 against 11,690-11,720 here).
function messageEvent(type: string, data: string, origin: string, lastEventId: string): MessageEvent {
  return nativeEvents ? new SourceMessageEvent(type, data, origin, lastEventId) : new MessageEvent(type, { data, origin, lastEventId });
}

// What a queued MessageEvent costs beyond its data, roughly (V8 object, init, strings' headers).
const EVENT_COST = 128;
// Events parsed but not dispatched yet, in characters of data plus EVENT_COST each: about 8,000
// small events, 16 reads of 64 KiB. Past it the transport stops reading until a batch has run.
const QUEUE_LIMIT = 2 ** 20;
// Longest run of tasks in one macrotask, in milliseconds: half a 60 Hz frame.
const SLICE_MS = 8;

let channel: MessageChannel | undefined;
const posted: (() => void)[] = [];

// A macrotask without a timer's clamp: setImmediate in Node (runs after I/O, before the next
// timers), else a MessageChannel message (browsers clamp nested setTimeout(0) to 4 ms).
function nextTask(run: () => void): void {
  const { setImmediate } = globalThis as { setImmediate?: (run: () => void) => unknown };
  if (typeof setImmediate === 'function') return void setImmediate(run);
  if (typeof MessageChannel !== 'function') return void setTimeout(run, 0);
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => posted.shift()?.();
  }
  posted.push(run);
  channel.port2.postMessage(null);
}
