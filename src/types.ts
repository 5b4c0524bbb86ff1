import type { RawEvent, SSEKitError } from './errors.js';

/**
 * The event map of an untyped stream: any event type, data `unknown`. Your own map is any object
 * type of event type → decoded data, an interface or a type alias (type parameters are constrained
 * to `object`, which interfaces satisfy; they have no index signature to match this one).
 * @example
 * interface Events { tick: { n: number }; message: string }
 * const stream = createEventStream<Events>('/events')
 */
export type EventMap = Record<string, unknown>;

/** Connection state. `paused` means closed on purpose while the page is hidden or in the bfcache. */
export type StreamState = 'connecting' | 'open' | 'retrying' | 'paused' | 'closed';

/** Which transport a stream uses. `auto` picks native `EventSource` when it can do the job. */
export type TransportName = 'native' | 'fetch';

/** A decoded event as the async iterator yields it. */
export type StreamEvent<E extends object = EventMap> = {
  [K in keyof E & string]: { type: K; data: E[K]; id: string };
}[keyof E & string];

/**
 * Listener for one event type: the decoded value, then the raw event. The event is passed only to
 * listeners that declare it (`(data, event) => …`, `(...args) => …`): `(data) => …` gets none, and
 * no object is made for it.
 */
export type Listener<T, K extends string = string> = (data: T, event: RawEvent & { type: K }) => void;

/** Minimal structural `fetch` type, so tests, polyfills and Node's fetch all fit. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Minimal structural `EventSource` constructor (the browser's, or a polyfill). */
export type EventSourceLike = new (
  url: string,
  init?: { withCredentials?: boolean },
) => {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  // Handlers that never read their event: `never` lets Node's EventSource (whose onerror takes an
  // ErrorEvent, not a global type there) fit as well as the DOM's.
  onopen: ((event: never) => unknown) | null;
  onerror: ((event: never) => unknown) | null;
  close(): void;
};

// Request types are read off the global `RequestInit`, which the DOM, webworker and @types/node
// libs all declare: the DOM-only names `HeadersInit`, `BodyInit` and `RequestCredentials` would not
// compile in a Node project without the DOM lib (with skipLibCheck off), and each runtime's own
// fetch types say best what its fetch accepts.

/** Request headers as this runtime's `fetch` takes them: `HeadersInit` (a `Headers`, a record, pairs). */
export type HeadersLike = NonNullable<RequestInit['headers']>;

/** A request body as this runtime's `fetch` takes it: `BodyInit` (string, bytes, Blob, FormData, ...). */
export type BodyLike = NonNullable<RequestInit['body']>;

/** `fetch`'s credentials mode: `'omit' | 'same-origin' | 'include'`. */
export type CredentialsLike = NonNullable<RequestInit['credentials']>;

/** Headers, or a function (sync or async) called before every connection attempt. */
export type HeadersOption = HeadersLike | (() => HeadersLike | Promise<HeadersLike>);

/** Request body, or a function called before every connection attempt (bodies can be one-shot). */
export type BodyOption = BodyLike | (() => BodyLike);

/** Minimal Standard Schema v1 (zod ≥ 3.24, valibot ≥ 1, arktype ≥ 2 implement it). */
export interface StandardSchemaV1<Output = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: unknown; readonly output: Output } | undefined;
  };
}
type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly { readonly message: string }[] };

/** Whether this tab holds a shared stream's connection (`leader`), receives it (`follower`), or is not shared (`solo`). */
export type StreamRole = 'leader' | 'follower' | 'solo';

/**
 * Sharing one connection between tabs: made by `sse-kit/share` (`shareAcrossTabs()`), so an app
 * that does not share pays nothing for it. Internal contract between the core and that entry.
 */
export interface TabSharing {
  /** Joins the group of the stream with these options; called once per stream. */
  join(options: StreamOptions & { url: string }, role: (role: StreamRole) => void): SharedLink;
}

/** One stream's membership in a sharing group (see {@link TabSharing}). */
export interface SharedLink {
  /**
   * Runs one attempt: as the leader through `connect` (the real transport, whose events the link
   * also sends to the other tabs), or as a follower fed by the leader. Same contract as a transport.
   */
  connect<R, S, End>(connect: (request: R, sink: S) => Promise<End>, request: R, sink: S): Promise<End>;
  /** The stream closed: leave the group (a leader hands over). */
  leave(): void;
}

/** Where the last event id is kept across page loads, e.g. a wrapper around `sessionStorage`. */
export interface IdStorage {
  get(key: string): string | null | undefined;
  set(key: string, id: string): void;
}

/** Reconnection policy. Delays in milliseconds. */
export interface RetryOptions {
  /** First delay after a failure (the server's `retry:` replaces it). @defaultValue 1000 */
  initialDelay?: number | undefined;
  /** Upper bound of the exponential delay (a server `retry:` or `Retry-After` may exceed it). @defaultValue 30000 */
  maxDelay?: number | undefined;
  /** Growth per consecutive failure. @defaultValue 2 */
  factor?: number | undefined;
  /** `full`: uniform in [0, d]; `equal`: uniform in [d/2, d]; `none`: exactly d. @defaultValue 'full' */
  jitter?: 'full' | 'equal' | 'none' | undefined;
  /** Reconnection attempts in a row without an event before giving up. @defaultValue Infinity */
  maxAttempts?: number | undefined;
  /** Return false to make a retryable error fatal (e.g. refuse to re-POST). */
  shouldRetry?: ((error: SSEKitError, attempt: number) => boolean) | undefined;
}

/** What `onOpen` receives. */
export interface OpenInfo {
  /** HTTP status (200 on the native transport, which cannot see it). */
  status: number;
  /** Final URL after redirects. */
  url: string;
  transport: TransportName;
}

/** What `onRetry` receives: `error` is undefined when the server ended the stream cleanly. */
export interface RetryInfo {
  attempt: number;
  /** Milliseconds until the attempt; undefined when the browser reconnects by itself (native transport: its delay is the server's `retry:` or its default, which scripts cannot see). */
  delay: number | undefined;
  error: SSEKitError | undefined;
}

/** Why the stream closed. */
export interface CloseInfo {
  /** `close`: you called close() or aborted the signal; `end`: the stream ended and is not resumed;
   *  `no-content`: the server answered 204; `error`: a fatal error (in `error`). */
  reason: 'close' | 'end' | 'no-content' | 'error';
  error?: SSEKitError | undefined;
}

/** Options of {@link createEventStream}. Times in milliseconds. */
export interface StreamOptions<E extends object = EventMap> {
  /** @defaultValue 'auto' */
  transport?: 'auto' | TransportName | undefined;
  /** @defaultValue 'GET' */
  method?: string | undefined;
  body?: BodyOption | undefined;
  headers?: HeadersOption | undefined;
  /** `'include'` sets `withCredentials` on the native transport. @defaultValue 'same-origin' */
  credentials?: CredentialsLike | undefined;
  /** How `data` becomes a value. @defaultValue 'json' */
  decode?: 'json' | 'text' | ((raw: string, type: string) => unknown) | undefined;
  /** Standard Schema per event type; a failing event is a `DecodeError` and is skipped. */
  schemas?: { [K in keyof E]?: StandardSchemaV1<E[K]> | undefined } | undefined;
  retry?: RetryOptions | undefined;
  /** No bytes (comments count) for this long → reconnect with a `TimeoutError` (detected within 1.25× of it). 0 = off. @defaultValue 45000 */
  heartbeatTimeout?: number | undefined;
  /** No response headers for this long → retry with a `TimeoutError`. 0 = off. @defaultValue 15000 */
  connectTimeout?: number | undefined;
  /** Resume from this id on the first connection. */
  lastEventId?: string | undefined;
  /** Query parameter that carries the last id where a header can't (native); false = never. @defaultValue 'lastEventId' */
  lastEventIdParam?: string | false | undefined;
  /**
   * Keeps the last id across reloads, under `storageKey`. Synchronous (`sessionStorage`,
   * `localStorage`); a `get` that throws or returns a non-string counts as no id and is reported once
   * as a `HandlerError`. An id that cannot be sent back (over 1 KiB) is not stored.
   */
  storage?: IdStorage | undefined;
  /** Key for `storage`. @defaultValue `sse-kit:` + origin + path (never the query: it may hold a token) */
  storageKey?: string | undefined;
  /**
   * `follow`: redirects are followed (fetch drops `Authorization` and `Cookie` on a cross-origin hop
   * but sends other headers, `Last-Event-ID`, and a POST body on 307/308). `error`: a redirect is a
   * fatal `HttpStatusError` and nothing reaches the other URL. @defaultValue 'follow'
   */
  redirect?: 'follow' | 'error' | undefined;
  /** Largest event `data`, in characters; a larger event closes the stream with an `EventTooLargeError` (memory stays bounded). @defaultValue 16777216 */
  maxEventSize?: number | undefined;
  /**
   * Share one connection between the tabs of this origin: `shareAcrossTabs()` from `sse-kit/share`.
   * One tab (the leader) connects, the others receive its events; see `stream.role`.
   */
  share?: TabSharing | undefined;
  /** Called when this tab becomes the leader or a follower of a shared stream. */
  onRoleChange?: ((role: StreamRole) => void) | undefined;
  /** Aborting it closes the stream. */
  signal?: AbortSignal | undefined;
  /** @defaultValue globalThis.fetch */
  fetch?: FetchLike | undefined;
  /** @defaultValue globalThis.EventSource */
  EventSource?: EventSourceLike | undefined;
  /** Reconnect after the server ends the stream cleanly. @defaultValue true for GET, false otherwise */
  reconnectOnEnd?: boolean | undefined;
  /**
   * Called on 401/403: refresh credentials, then sse-kit retries once at once. It may return
   * anything (e.g. the new token); a promise is awaited, its value ignored; a throw or rejection
   * makes the 401/403 fatal, with the throw as its `cause`. Bounded by `connectTimeout`.
   * @example
   * createEventStream('/events', {
   *   headers: () => ({ authorization: `Bearer ${token}` }),
   *   onUnauthorized: () => fetch('/refresh').then((r) => r.text()), // a Promise<string> is fine
   * })
   */
  onUnauthorized?: ((error: SSEKitError) => unknown) | undefined;
  /** Deliver an event cut off by the end of the stream instead of discarding it. @defaultValue false */
  flushIncompleteEvent?: boolean | undefined;
  /** Close while the page is hidden; resume (with the last id) when it is visible again. @defaultValue false */
  pauseWhenHidden?: boolean | undefined;
  onOpen?: ((info: OpenInfo) => void) | undefined;
  onError?: ((error: SSEKitError) => void) | undefined;
  onRetry?: ((info: RetryInfo) => void) | undefined;
  /** Called for every state, the initial one included (with `previous` undefined, after the constructor returns). */
  onStateChange?: ((state: StreamState, previous: StreamState | undefined) => void) | undefined;
  onClose?: ((info: CloseInfo) => void) | undefined;
}
