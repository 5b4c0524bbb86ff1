// What `new EventSource(url, init)` accepts, checked once at construction. The class reconnects
// forever by design, so an input that can only ever fail (a scheme fetch cannot stream, a header
// value undici refuses, a body that can be sent once) throws here instead of firing an error
// every reconnection interval for the life of the page or process.
import { defaultFetch } from './env.js';
import { redact } from './errors.js';
import { idHeaderValue, idRoute } from './last-event-id.js';
import type { BodyLike, FetchLike, HeadersLike } from './types.js';

/** What `new EventSource(url, init)` accepts: the standard `withCredentials`, plus what browsers cannot send. */
export interface EventSourceInit {
  /** Send credentials cross-origin (`credentials: 'include'`), as the standard option does. A boolean. @defaultValue false */
  withCredentials?: boolean | undefined;
  /** Extra request headers, read once and sent on every connection. `Accept` is always `text/event-stream`. */
  headers?: HeadersLike | undefined;
  /** HTTP method (not HEAD, CONNECT, TRACE or TRACK). @defaultValue 'GET' */
  method?: string | undefined;
  /** Request body (needs a method other than GET); sent again on every reconnection, so not a stream or an async iterable. */
  body?: BodyLike | undefined;
  /** The `fetch` to connect with. @defaultValue globalThis.fetch */
  fetch?: FetchLike | undefined;
  /** Reconnection time in milliseconds until the server sends `retry:`; at most 2^31-1 is waited. @defaultValue 3000 (Chrome, Safari, undici) */
  reconnectionTime?: number | undefined;
  /** Largest event, in characters; a bigger one fails the connection instead of growing memory. @defaultValue 16 MiB */
  maxEventSize?: number | undefined;
}

/** The constructor's inputs, checked and normalized. */
export interface EventSourceRequest {
  url: string;
  method: string;
  /** A snapshot: a one-shot iterable or a `Headers` changed later does not alter reconnections. */
  headers: [string, string][];
  body: BodyInit | undefined;
  credentials: boolean;
  fetch: FetchLike;
  reconnectionTime: number;
  maxEventSize: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~\dA-Za-z]+$/;
// Header value bytes undici sends (HTAB, visible ASCII, obs-text). The fetch standard only forbids
// NUL, CR and LF, but Node's fetch rejects the request for any other control character.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * "Let urlRecord be the result of encoding-parsing a URL given url, relative to settings. If
 * urlRecord is failure, then throw a "SyntaxError" DOMException." Beyond the standard, a scheme
 * other than http(s) (fetch() can only fail on it) and a URL with credentials (fetch() rejects it)
 * throw the same way. Messages never show a query value, the fragment or a password.
 */
export function eventSourceURL(url: string | URL): string {
  const base = globalThis.document?.baseURI ?? globalThis.location?.href;
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    throw syntaxError(`invalid EventSource URL "${redactURL(String(url))}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw syntaxError(`EventSource needs an http: or https: URL, not "${redactURL(parsed.href)}"`);
  }
  if (parsed.username || parsed.password) {
    throw syntaxError(`EventSource URL "${redactURL(parsed.href)}" has credentials, which fetch refuses; send them in "headers"`);
  }
  return parsed.href;
}

/** Checks the init dictionary (null counts as empty, as in browsers); throws TypeError or RangeError. */
export function eventSourceRequest(url: string, init: EventSourceInit | null | undefined): EventSourceRequest {
  const { method = 'GET', body, withCredentials = false, reconnectionTime = 3000, maxEventSize = 16 * 2 ** 20 } = init ?? {};
  if (typeof method !== 'string' || !TOKEN.test(method) || /^(CONNECT|TRACE|TRACK)$/i.test(method)) {
    throw optionError('method', method, 'an HTTP method fetch can send');
  }
  // A HEAD response has no body: the stream would end at once, then again every reconnection.
  if (/^HEAD$/i.test(method)) throw optionError('method', method, 'a method with a response body');
  if (body != null && /^GET$/i.test(method)) throw new TypeError(`sse-kit: EventSource option "body" needs a method other than ${method}`);
  if (body != null && (typeof (body as ReadableStream).getReader === 'function' || Symbol.asyncIterator in Object(body))) {
    throw optionError('body', '[stream]', 'a body that can be sent again on reconnection (string, Blob, bytes, FormData, URLSearchParams)');
  }
  if (typeof withCredentials !== 'boolean') throw optionError('withCredentials', withCredentials, 'a boolean');
  for (const [name, value] of [['reconnectionTime', reconnectionTime], ['maxEventSize', maxEventSize]] as const) {
    if (typeof value !== 'number') throw optionError(name, value, 'a number');
    if (!(name === 'maxEventSize' ? value > 0 : value >= 0)) {
      throw new RangeError(`sse-kit: invalid EventSource option "${name}": ${String(value)}`);
    }
  }
  const fetch = init?.fetch === undefined ? defaultFetch() : init.fetch;
  if (typeof fetch !== 'function') {
    throw new TypeError(fetch ? 'sse-kit: EventSource option "fetch" must be a function' : 'sse-kit: no fetch in this runtime; pass the "fetch" option');
  }
  // new Headers() throws the TypeError for a bad name, CR/LF inside a value or a non-Latin-1 value.
  const headers = [...new Headers(init?.headers)];
  for (const [name, value] of headers) {
    if (!HEADER_VALUE.test(value)) throw optionError('headers', name, 'header values without control characters');
  }
  return { url, method, headers, body: body ?? undefined, credentials: withCredentials, fetch, reconnectionTime, maxEventSize };
}

/**
 * The last event ID as it may travel in `Last-Event-ID`, or '' to send the request without it.
 * The standard sends any id without U+0000, but an id with a control character makes Node's fetch
 * reject the request before it leaves (on every reconnection, so the stream could never resume), and
 * proxies may drop it; an id over 1024 UTF-8 bytes is no id a server would have sent for resuming,
 * and risks the server's header size limit. Events still report such an id as `lastEventId`.
 */
export function headerSafeId(id: string): string {
  return id && idRoute(id) === 'header' ? idHeaderValue(id) : '';
}

/** The URL for messages: query values, the fragment and a password replaced by `***`. */
export const redactURL = redact;

function syntaxError(message: string): DOMException {
  return new DOMException(`sse-kit: ${message}`, 'SyntaxError');
}

function optionError(name: string, value: unknown, expected: string): TypeError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return new TypeError(`sse-kit: invalid EventSource option "${name}": ${shown}; expected ${expected}`);
}
