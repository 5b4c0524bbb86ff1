// The SSE wire format the hub writes (WHATWG HTML, "Server-sent events", § 9.2.6 interpreting an
// event stream). Data is one line of JSON, which never holds a raw CR or LF.

/** One event block: `id:`, `event:`, `data:`, blank line. */
export function formatEvent(id: string, type: string, data: string): string {
  return `id: ${id}\nevent: ${type}\ndata: ${data}\n\n`;
}

/** The `retry:` field alone: the reconnection delay the client should use, in ms. */
export function formatRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.round(ms))}\n\n`;
}

/** A comment line: ignored by clients, keeps proxies and stall timers from closing an idle stream. */
export const HEARTBEAT = ': ping\n\n';

/** The response headers of every hub stream. */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/event-stream; charset=utf-8',
  // no-transform: proxies that compress or rewrite (and so buffer) must leave the stream alone.
  'Cache-Control': 'no-cache, no-transform',
  // nginx buffers proxied responses unless told not to.
  'X-Accel-Buffering': 'no',
});
