import { HandlerError, type SSEKitError } from './errors.js';
import type { Resolved } from './options.js';

/** Longest id sse-kit sends back, in UTF-8 bytes: a longer one would risk a 431 or 414 on every resume. */
export const MAX_ID_BYTES = 1024;

/**
 * Where an id can travel on reconnect: `header` (the `Last-Event-ID` value, encoded), `query`
 * (only in `lastEventIdParam`: control characters or edge spaces, which a header cannot carry —
 * undici refuses them and browsers would trim the spaces), or nowhere (over {@link MAX_ID_BYTES}).
 */
export function idRoute(id: string): 'header' | 'query' | 'none' {
  // ASCII fast path: nearly every id is a number or a UUID.
  if (/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(id) && id.length <= MAX_ID_BYTES) return 'header';
  if (new TextEncoder().encode(id).length > MAX_ID_BYTES) return 'none';
  return /[\x00-\x1f\x7f]|^ | $/.test(id) ? 'query' : 'header';
}

/**
 * The id as a `Last-Event-ID` header value. `fetch` rejects header values outside Latin-1, so a
 * non-ASCII id (`é€`) would throw on every reconnect; browsers put the id's UTF-8 bytes on the
 * wire, so we pass those bytes as the header's characters (one char per byte).
 */
export function idHeaderValue(id: string): string {
  if (!/[^\x20-\x7e]/.test(id)) return id;
  let value = '';
  for (const byte of new TextEncoder().encode(id)) value += String.fromCharCode(byte);
  return value;
}

/** The URL with the last id in a query parameter, for transports that cannot send headers. */
export function withIdParam(url: string, param: string | false, id: string): string {
  if (!param || !id) return url;
  const u = new URL(url);
  u.searchParams.set(param, id);
  return u.href;
}

/** Default key under which `storage` keeps the last id: origin and path, never the query (it may hold a token). */
export function storageKey(url: string): string {
  const u = new URL(url);
  return `sse-kit:${u.origin}${u.pathname}`;
}

/** Whether `id` can travel back: as a header, or in the query when there is a parameter for it. */
export function sendable(id: string, param: string | false): boolean {
  const route = idRoute(id);
  return route === 'header' || (route === 'query' && !!param);
}

/**
 * The id kept by `storage`, or '' — `storage` is user code: a throw or a value that is not a
 * string (an async `get`) counts as no id and is reported as a `HandlerError`.
 */
export function readStoredId(o: Resolved, report: (error: SSEKitError) => void): string {
  try {
    const id = o.storage?.get(o.storageKey) ?? '';
    if (typeof id !== 'string') throw new TypeError(`storage.get returned ${typeof id}; it must return a string, synchronously`);
    return sendable(id, o.lastEventIdParam) ? id : '';
  } catch (cause) {
    report(new HandlerError(o.url, cause, undefined, 'storage.get'));
    return '';
  }
}
