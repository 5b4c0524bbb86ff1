// The standard EventSource, following the WHATWG HTML "Server-sent events" section (§9.2) to the
// letter; quoted sentences come from it. Built on the fetch transport directly, not on EventStream:
// the spec's processing model has no backoff, no retry budget and no status classes.
// Deliberate differences from browsers: an event growing past maxEventSize (16 MiB) fails the
// connection (memory stays bounded; reconnecting would fetch the same event again). Script-dispatched
// events have `isTrusted` false, and a throwing listener is reported the runtime's way (in Node, an
// uncaught exception, as for any EventTarget). fetch cannot tell a CORS refusal from a network error,
// so in a browser such a stream is reestablished where the native one fails. In Node a pending
// reconnection keeps the process alive until close(), as an open socket does.
import { defaultFetch } from './env.js';
import { idHeaderValue, idRoute } from './last-event-id.js';
import { fetchTransport } from './transports/fetch.js';
import type { AttemptEnd, AttemptRequest, Sink } from './transports/transport.js';
import type { BodyLike, FetchLike, HeadersLike } from './types.js';

const CONNECTING = 0, OPEN = 1, CLOSED = 2;

/** What `new EventSource(url, init)` accepts: the standard `withCredentials`, plus what browsers cannot send. */
export interface EventSourceInit {
  /** Send credentials cross-origin (`credentials: 'include'`), as the standard option does. @defaultValue false */
  withCredentials?: boolean | undefined;
  /** Extra request headers, sent on every connection. `Accept` is always `text/event-stream`. */
  headers?: HeadersLike | undefined;
  /** HTTP method. @defaultValue 'GET' */
  method?: string | undefined;
  /** Request body (needs a method other than GET); sent again on every reconnection, so not a one-shot stream. */
  body?: BodyLike | undefined;
  /** The `fetch` to connect with. @defaultValue globalThis.fetch */
  fetch?: FetchLike | undefined;
  /** Reconnection time in milliseconds until the server sends `retry:`. @defaultValue 3000 (Chrome, Safari, undici) */
  reconnectionTime?: number | undefined;
  /** Largest event, in characters; a bigger one fails the connection instead of growing memory. @defaultValue 16 MiB */
  maxEventSize?: number | undefined;
}

type Handler<E extends Event> = ((this: EventSource, event: E) => unknown) | null;
// Local shapes rather than the DOM's EventListenerOrEventListenerObject, EventSourceEventMap and
// AddEventListenerOptions: @types/node declares none of them, and these types are published.
type Listener = ((this: EventSource, event: MessageEvent) => unknown) | { handleEvent(event: MessageEvent): unknown } | null;
/** The events an EventSource fires, as the DOM's `EventSourceEventMap` lists them. */
interface Events {
  open: Event;
  message: MessageEvent;
  error: Event;
}
type Options = boolean | { capture?: boolean | undefined; once?: boolean | undefined; passive?: boolean | undefined; signal?: AbortSignal | undefined };
type Request = Pick<AttemptRequest, 'url' | 'method' | 'body' | 'maxEventSize'> & { headers?: HeadersInit };

/**
 * The standard `EventSource` (same events, states and reconnection rules as in browsers) that also
 * runs in Node and can send headers, another method and a body. It reconnects after the reconnection
 * time with `Last-Event-ID` and never backs off; use `createEventStream` for backoff and typed data.
 * @example
 * const source = new EventSource('https://example.com/events', { headers: { authorization: `Bearer ${token}` } })
 * source.onmessage = (event) => console.log(event.data, event.lastEventId)
 */
export class EventSource extends EventTarget {
  /** `readyState`: not connected yet, or reconnecting. */
  static readonly CONNECTING = CONNECTING;
  /** `readyState`: connected, dispatching events as they arrive. */
  static readonly OPEN = OPEN;
  /** `readyState`: closed for good (`close()` or a failed connection); no reconnection. */
  static readonly CLOSED = CLOSED;

  readonly #request: Request;
  readonly #withCredentials: boolean;
  readonly #fetch: FetchLike;
  readonly #tasks: (() => void)[] = [];
  readonly #handlers = new Map<string, { fn: (event: Event) => unknown; listener: (event: Event) => void }>();
  #readyState: number = CONNECTING;
  // "A reconnection time, in milliseconds. This must initially be an implementation-defined value,
  // probably in the region of a few seconds." Chrome and Safari use 3000, Firefox 5000.
  #reconnectionTime: number;
  // "A last event ID string. This must initially be the empty string."
  #lastEventId = '';
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Connects at once. Throws a `SyntaxError` DOMException for an invalid URL, or a relative one in Node (no page). */
  constructor(url: string | URL, init: EventSourceInit = {}) {
    super();
    const base = globalThis.document?.baseURI ?? globalThis.location?.href;
    let href: string;
    try {
      // "Let urlRecord be the result of encoding-parsing a URL given url, relative to settings.
      // If urlRecord is failure, then throw a "SyntaxError" DOMException."
      href = new URL(url, base).href;
    } catch {
      throw new DOMException(`sse-kit: invalid EventSource URL ${JSON.stringify(String(url))}`, 'SyntaxError');
    }
    const { method = 'GET', headers, body, reconnectionTime = 3000, maxEventSize = 16 * 2 ** 20 } = init;
    if (body != null && /^(GET|HEAD)$/i.test(method)) {
      throw new TypeError(`sse-kit: EventSource option "body" needs a method other than ${method}`);
    }
    const bad = !(reconnectionTime >= 0) ? 'reconnectionTime' : !(maxEventSize > 0) ? 'maxEventSize' : undefined;
    if (bad) throw new RangeError(`sse-kit: invalid EventSource option "${bad}": ${String(init[bad])}`);
    const fetch = init.fetch ?? defaultFetch();
    if (!fetch) throw new TypeError('sse-kit: no fetch in this runtime; pass the "fetch" option');
    this.#fetch = fetch;
    this.#request = { url: href, method, headers, body, maxEventSize };
    this.#withCredentials = !!init.withCredentials;
    this.#reconnectionTime = reconnectionTime;
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
  get withCredentials(): boolean { return this.#withCredentials; }

  /** Handler for `open` events; works alongside `addEventListener('open', ...)`. */
  get onopen(): Handler<Event> { return this.#handler('open'); }
  set onopen(fn: Handler<Event>) { this.#setHandler('open', fn); }
  /** Handler for `message` events (events without an `event:` field). */
  get onmessage(): Handler<MessageEvent> { return this.#handler('message'); }
  set onmessage(fn: Handler<MessageEvent>) { this.#setHandler('message', fn); }
  /** Handler for `error` events: a lost connection (`readyState` CONNECTING) or a failed one (CLOSED). */
  get onerror(): Handler<Event> { return this.#handler('error'); }
  set onerror(fn: Handler<Event>) { this.#setHandler('error', fn); }

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

  #connect(): void {
    const controller = (this.#controller = new AbortController());
    let failed = false;
    let origin = '';
    const live = () => !failed && this.#controller === controller;
    // Wraps fetch to decide on the status line alone: "if res's status is not 200 [...] then fail
    // the connection". 201 or 206 with the right type fail too, and a 5xx body the server never
    // sends does not hold the error event back (the transport reads an excerpt of error bodies).
    const fetch: FetchLike = async (input, init) => {
      const response = await this.#fetch(input, init);
      if (response.status !== 200) { failed = true; controller.abort(); }
      return response;
    };
    const sink: Sink = {
      open: (_status, finalUrl) => {
        if (!live()) return;
        // "the serialization of the origin of the event stream's final URL (i.e., the URL after redirects)"
        origin = new URL(finalUrl).origin;
        // "announce the connection: queue a task which, if the readyState attribute is set to a
        // value other than CLOSED, sets the readyState attribute to OPEN and fires an event named open"
        this.#queue(() => this.#fire('open', OPEN));
      },
      // Dispatch step 1, at parse time: "Set the last event ID string of the event source to the
      // value of the last event ID buffer". The parser reports id-only blocks too, and never an id
      // with U+0000 or one of an event the stream cut off. The id then persists across
      // reconnections, as in browsers and web-platform-tests (format-field-id.htm).
      id: (id) => { if (live()) this.#lastEventId = id; },
      // "If the field value consists of only ASCII digits, then interpret the field value as an
      // integer in base ten, and set the event stream's reconnection time to that integer."
      retry: (ms) => { if (live()) this.#reconnectionTime = ms; },
      message: (type, data) => {
        if (!live()) return;
        // Steps 4-8: the event gets "the last event ID string of the event source", then "Queue a
        // task which, if the readyState attribute is set to a value other than CLOSED, dispatches
        // the newly created event". The parser drops the trailing LF, empty data and empty `event:`.
        const event = new MessageEvent(type, { data, origin, lastEventId: this.#lastEventId });
        this.#queue(() => this.dispatchEvent(event));
      },
      // Events wait as tasks: nothing to pause, and no stall detection in the standard.
      activity: () => {}, backpressure: () => undefined, types: () => {}, reconnecting: () => false,
    };
    const request: AttemptRequest = {
      ...this.#request,
      // A fresh header list per attempt, as browsers build it: no stale Last-Event-ID after `id:`.
      headers: new Headers(this.#request.headers),
      // The standard's credentials mode is "same-origin", fetch's default: leave it unset.
      credentials: this.#withCredentials ? 'include' : undefined,
      // "If the EventSource object's last event ID string is not the empty string, [...] Set
      // (`Last-Event-ID`, lastEventIDValue) in request's header list" (its UTF-8 bytes).
      lastEventId: idRoute(this.#lastEventId) === 'header' ? idHeaderValue(this.#lastEventId) : '',
      // "If the file ends in the middle of an event, [...] the incomplete event is not dispatched."
      flushIncompleteEvent: false,
      signal: controller.signal, fetch, redirect: 'follow', opens: (status) => status >= 200 && status < 300,
    };
    fetchTransport
      .connect(request, sink)
      // The transport reports failures as values; a throw would be a bug: treat it as a network error.
      .catch((): AttemptEnd => ({ kind: 'end' }))
      .then((end) => {
        if (this.#controller !== controller) return; // closed meanwhile
        // "if res's status is not 200, or if res's `Content-Type` is not `text/event-stream`, then
        // fail the connection" (`failed`: any status but 200, 204 included). An oversized event
        // fails it too (see the top of this file).
        if (failed || (end.kind === 'error' && end.error.code !== 'NETWORK')) return this.#fail();
        // Network errors and the end of the body "reestablish the connection", "whether the
        // connection is closed gracefully or unexpectedly".
        this.#reestablish();
      });
  }

  // "When a user agent is to fail the connection, the user agent must queue a task which, if the
  // readyState attribute is set to a value other than CLOSED, sets the readyState attribute to
  // CLOSED and fires an event named error at the EventSource object. Once the user agent has failed
  // the connection, it does not attempt to reconnect."
  #fail(): void {
    this.#queue(() => this.#fire('error', CLOSED));
  }

  #reestablish(): void {
    // "1. Queue a task to run the following steps: If the readyState attribute is set to CLOSED,
    // abort the task. Set the readyState attribute to CONNECTING. Fire an event named error."
    this.#queue(() => this.#fire('error', CONNECTING));
    // "2. Wait a delay equal to the reconnection time of the event source" (at most 2^31-1 ms, the
    // longest timer). Step 3, an optional backoff, is not taken. "4. Wait until the aforementioned
    // task has run": tasks run in order, so queueing step 5 after it is enough.
    // "5. Queue a task to run the following steps: If the EventSource object's readyState
    // attribute is not set to CONNECTING, then return. [...] Fetch request"
    const step5 = () => this.#queue(() => { if (this.#readyState === CONNECTING) this.#connect(); });
    this.#timer = setTimeout(step5, Math.min(this.#reconnectionTime, 2 ** 31 - 1));
  }

  // "The task source for any tasks that are queued by EventSource objects is the remote event task
  // source." One timer per task, run in order: an event dispatches after the network read that
  // parsed it, one per task, with microtasks run in between, as in browsers. Every queued task
  // starts with "if the readyState attribute is set to a value other than CLOSED".
  #queue(task: () => void): void {
    this.#tasks.push(task);
    setTimeout(() => { const next = this.#tasks.shift()!; if (this.#readyState !== CLOSED) next(); }, 0);
  }

  #fire(type: 'open' | 'error', readyState: number): void {
    this.#readyState = readyState;
    this.dispatchEvent(new Event(type));
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
