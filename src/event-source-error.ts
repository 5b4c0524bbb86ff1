// The `error` event of sse-kit's EventSource. The standard fires a plain Event that says nothing;
// the `eventsource` package (v4) fires one with `message` and, for a failure on the response,
// `code` (the HTTP status). Matching it lets code written for that package (`if (event.code ===
// 401)`) run unchanged when only the import changes.

/**
 * The `error` event of sse-kit's `EventSource`: `readyState` tells whether it reconnects
 * (CONNECTING) or gave up (CLOSED); `code` and `message` tell why, as in the `eventsource` package.
 * @example
 * const source = new EventSource('https://example.com/events')
 * source.onerror = (event) => {
 *   if (event.code === 401) source.close()
 *   else console.warn(event.message)
 * }
 */
export class EventSourceErrorEvent extends Event {
  /** The HTTP status of the response that failed the connection (404, 204, or 200 with a wrong Content-Type); undefined otherwise. */
  readonly code: number | undefined;
  /** What happened, for logs; query values in the URL it names are redacted. */
  readonly message: string;

  /** Dispatched by `EventSource`; applications need not construct it. */
  constructor(type: string, init: { code?: number | undefined; message: string }) {
    super(type);
    this.code = init.code;
    this.message = init.message;
    // Node prints only an Event's own four fields: show `message` and `code` in console.log too.
    // Set here, not as a computed method: a class body calling Symbol.for() would not tree-shake.
    Object.defineProperty(this, Symbol.for('nodejs.util.inspect.custom'), { value: () => ({ type, ...init }) });
  }
}

/** An error's message, its URL redacted, followed by its causes (`fetch failed: connect ECONNREFUSED ...`). */
export function describeError(error: Error & { url?: string }, safeUrl: string): string {
  let text = error.message;
  for (let cause = error.cause, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    text += `: ${cause instanceof AggregateError ? cause.errors.map(String).join(', ') : cause.message}`;
  }
  return error.url ? text.split(error.url).join(safeUrl) : text;
}
