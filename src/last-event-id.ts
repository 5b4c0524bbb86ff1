/**
 * The id as a `Last-Event-ID` header value. `fetch` rejects header values outside Latin-1, so a
 * non-ASCII id (`é€`) would throw on every reconnect; browsers put the id's UTF-8 bytes on the
 * wire, so we pass those bytes as the header's characters (one char per byte).
 */
export function idHeaderValue(id: string): string {
  // ASCII fast path: nearly every id is a number or a UUID.
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

/** Key under which `storage` keeps the last id of the stream at `url`. */
export function storageKey(url: string): string {
  return `sse-kit:${url}`;
}
