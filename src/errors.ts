/** Stable codes carried by every {@link SSEKitError}; switch on `error.code` across bundle copies. */
export type ErrorCode =
  | 'HTTP_STATUS'
  | 'CONTENT_TYPE'
  | 'NETWORK'
  | 'TIMEOUT'
  | 'DECODE'
  | 'EVENT_TOO_LARGE'
  | 'HANDLER'
  | 'RETRY_EXHAUSTED';

/** The URL for a message: query values, the fragment and a password replaced by `***` (they often carry tokens). */
export function redact(url: string): string {
  return url
    .replace(/#.*$/s, '#***')
    .replace(/([?&][^=&#]*=)[^&#]*/g, '$1***')
    .replace(/^([a-z][a-z\d+.-]*:\/\/[^/?#@:]*:)[^/?#@]*@/i, '$1***@');
}

/**
 * Base class of every failure sse-kit reports. The original failure, when there is one, is kept as
 * `cause`; `url` is the stream's URL. Messages show the URL with query values redacted.
 * @example
 * if (isSSEKitError(error, 'HTTP_STATUS')) console.log(error.status)
 */
export class SSEKitError extends Error {
  /** Stable machine-readable code. */
  declare readonly code: ErrorCode;
  /** The stream URL the failure belongs to. */
  declare readonly url: string;
  constructor(code: ErrorCode, message: string, url: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'SSEKitError';
    this.code = code;
    this.url = url;
  }
}

/**
 * The server answered with a status that does not open a stream: not 2xx (a 3xx too, with
 * `redirect: 'error'`; 0 for a browser's opaque redirect). `retryable` is true for 408, 425, 429 and
 * 5xx; `retryAfter` holds the server's `Retry-After` in milliseconds when it sent one.
 */
export class HttpStatusError extends SSEKitError {
  declare readonly status: number;
  declare readonly retryable: boolean;
  /** The first 512 characters of the response body, for logs. */
  declare readonly body: string;
  /** `Retry-After` converted to milliseconds, if present and valid. */
  declare readonly retryAfter: number | undefined;
  constructor(url: string, status: number, body: string, retryAfter?: number, cause?: unknown) {
    super('HTTP_STATUS', `HTTP ${status} from ${redact(url)}${body ? `: ${body.slice(0, 120)}` : ''}`, url, cause);
    this.name = 'HttpStatusError';
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
    this.retryable = status === 408 || status === 425 || status === 429 || status >= 500;
  }
}

/** A 2xx response whose `Content-Type` is not `text/event-stream` (an HTML error page, JSON...). */
export class ContentTypeError extends SSEKitError {
  declare readonly contentType: string;
  constructor(url: string, contentType: string) {
    super('CONTENT_TYPE', `Expected text/event-stream from ${redact(url)}, got "${contentType}"`, url);
    this.name = 'ContentTypeError';
    this.contentType = contentType;
  }
}

/** The connection failed or dropped (DNS, refused, reset, CORS, the native EventSource erroring). */
export class NetworkError extends SSEKitError {
  constructor(url: string, message: string, cause?: unknown) {
    super('NETWORK', `${message} (${redact(url)})`, url, cause);
    this.name = 'NetworkError';
  }
}

/** No response headers within `connectTimeout`, or no bytes for `heartbeatTimeout` milliseconds. */
export class TimeoutError extends SSEKitError {
  declare readonly phase: 'connect' | 'heartbeat';
  declare readonly timeout: number;
  constructor(url: string, phase: 'connect' | 'heartbeat', timeout: number) {
    super('TIMEOUT', `No ${phase === 'connect' ? 'response' : 'data'} from ${redact(url)} for ${timeout} ms`, url);
    this.name = 'TimeoutError';
    this.phase = phase;
    this.timeout = timeout;
  }
}

/** The raw event as it came off the wire. */
export interface RawEvent {
  /** Event type (`message` when the server sent no `event:` field). */
  type: string;
  /** The last event id at the time of this event (`''` when none). */
  id: string;
  /** The event's `data`, lines joined with `\n`. */
  data: string;
}

/** An event could not be decoded or failed its schema; the event is skipped, the stream goes on. */
export class DecodeError extends SSEKitError {
  declare readonly event: RawEvent;
  /** Schema issues, when a schema rejected the event. */
  declare readonly issues: readonly unknown[] | undefined;
  constructor(url: string, event: RawEvent, cause?: unknown, issues?: readonly unknown[]) {
    super('DECODE', `Could not decode "${event.type}" event${event.id ? ` ${event.id}` : ''} from ${redact(url)}`, url, cause);
    this.name = 'DecodeError';
    this.event = event;
    this.issues = issues;
  }
}

/** An event grew past `maxEventSize`: the stream closes rather than buffer it (memory stays bounded). */
export class EventTooLargeError extends SSEKitError {
  declare readonly limit: number;
  constructor(url: string, limit: number) {
    super('EVENT_TOO_LARGE', `An event from ${redact(url)} exceeded maxEventSize (${limit}); the stream was closed`, url);
    this.name = 'EventTooLargeError';
    this.limit = limit;
  }
}

/**
 * Code you gave sse-kit threw: an event listener (`event` is the event it was handling) or a
 * callback such as `onOpen` or `storage.get` (`callback` names it). The throw is kept as `cause`;
 * other listeners and the stream go on.
 */
export class HandlerError extends SSEKitError {
  /** The event the listener was handling; undefined for a callback. */
  declare readonly event: RawEvent | undefined;
  /** The option that threw (`onOpen`, `storage.get`, `retry.shouldRetry`…); undefined for a listener. */
  declare readonly callback: string | undefined;
  constructor(url: string, cause: unknown, event?: RawEvent, callback?: string) {
    super('HANDLER', `${event ? `A listener for "${event.type}"` : callback} threw`, url, cause);
    this.name = 'HandlerError';
    this.event = event;
    this.callback = callback;
  }
}

/** `retry.maxAttempts` reconnection attempts in a row failed; the last failure is the `cause`. */
export class RetryExhaustedError extends SSEKitError {
  declare readonly attempts: number;
  constructor(url: string, attempts: number, cause: unknown) {
    super('RETRY_EXHAUSTED', `Gave up on ${redact(url)} after ${attempts} reconnection attempts`, url, cause);
    this.name = 'RetryExhaustedError';
    this.attempts = attempts;
  }
}

/** The error class behind each code, for {@link isSSEKitError}'s narrowing. */
export interface ErrorByCode {
  HTTP_STATUS: HttpStatusError;
  CONTENT_TYPE: ContentTypeError;
  NETWORK: NetworkError;
  TIMEOUT: TimeoutError;
  DECODE: DecodeError;
  EVENT_TOO_LARGE: EventTooLargeError;
  HANDLER: HandlerError;
  RETRY_EXHAUSTED: RetryExhaustedError;
}

/**
 * True when `value` is an sse-kit error (optionally with the given code), narrowed to its class.
 * Checks the `code` field rather than `instanceof`, so it works across bundle copies.
 * @example
 * createEventStream('/events', {
 *   onError: (e) => { if (isSSEKitError(e, 'TIMEOUT')) console.warn(`stalled (${e.phase})`) },
 * })
 */
export function isSSEKitError<C extends ErrorCode = ErrorCode>(value: unknown, code?: C): value is ErrorByCode[C] {
  const c = (value as SSEKitError | null)?.code;
  return value instanceof Error && typeof c === 'string' && (code === undefined ? c in CODES : c === code);
}

const CODES: Record<ErrorCode, 1> = {
  HTTP_STATUS: 1,
  CONTENT_TYPE: 1,
  NETWORK: 1,
  TIMEOUT: 1,
  DECODE: 1,
  EVENT_TOO_LARGE: 1,
  HANDLER: 1,
  RETRY_EXHAUSTED: 1,
};
