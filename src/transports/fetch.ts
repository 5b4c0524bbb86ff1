import { ContentTypeError, EventTooLargeError, HttpStatusError, NetworkError } from '../errors.js';
import { timer as setTimer } from '../env.js';
import { createParser } from '../parser.js';
import { parseRetryAfter } from '../retry-policy.js';
import type { AttemptEnd, AttemptRequest, Sink, Transport } from './transport.js';

/** Streams with `fetch` and parses the bytes itself: headers, any method, a body, status codes. */
export const fetchTransport: Transport = { name: 'fetch', seesComments: true, connect };

async function connect(req: AttemptRequest, sink: Sink): Promise<AttemptEnd> {
  const { url, headers, signal } = req;
  // Exactly this value: msw's sse() and some servers match on it.
  headers.set('accept', 'text/event-stream');
  if (req.lastEventId) headers.set('last-event-id', req.lastEventId);
  let response: Response;
  try {
    response = await req.fetch!(url, {
      method: req.method,
      headers,
      body: req.body,
      credentials: req.credentials,
      // Not a Cache-Control header: that one is not CORS-safelisted and costs a preflight.
      cache: 'no-store',
      // `manual` shows a redirect as a 3xx (Node) or an opaque redirect (browsers): never followed.
      redirect: req.redirect === 'error' ? 'manual' : 'follow',
      signal,
      // Required by fetch for a ReadableStream body (undici, Chromium); ignored for other bodies.
      ...(req.body === undefined ? {} : { duplex: 'half' }),
    } as RequestInit);
  } catch (cause) {
    return failed(signal, url, 'Could not connect', cause);
  }
  const { status } = response;
  if (status === 204) return { kind: 'no-content' };
  if (!req.opens(status)) {
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'), Date.now());
    return { kind: 'error', error: new HttpStatusError(url, status, await excerpt(response), retryAfter) };
  }
  const type = response.headers.get('content-type') ?? '';
  // "text/event-stream; charset=utf-8", "Text/Event-Stream": the essence, case-insensitively.
  if (type.split(';')[0]!.trim().toLowerCase() !== 'text/event-stream' || !response.body) {
    response.body?.cancel().catch(() => {});
    return { kind: 'error', error: new ContentTypeError(url, type) };
  }
  sink.open(status, response.url || url);
  return read(response.body, req, sink);
}

async function read(body: ReadableStream<Uint8Array>, req: AttemptRequest, sink: Sink): Promise<AttemptEnd> {
  const { signal, maxEventSize } = req;
  let tooLarge: EventTooLargeError | undefined;
  // An oversized event ends the stream: where it ends is unknown, so skipping it could silently
  // drop the next ones. The limit holds however the bytes are chunked.
  const feed = createParser(sink, maxEventSize, () => {
    tooLarge = new EventTooLargeError(req.url, maxEventSize);
  });
  // ignoreBOM: the parser strips the one leading BOM the spec allows; the decoder must not strip another.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const reader = body.getReader();
  // Not every fetch errors a body on abort (msw's mocked responses, some polyfills): cancel it ourselves.
  const cancel = () => reader.cancel().catch(() => {});
  signal.addEventListener('abort', cancel);
  try {
    while (!tooLarge) {
      const wait = sink.backpressure();
      if (wait) await wait;
      const { done, value } = await reader.read();
      if (signal.aborted) return { kind: 'aborted' };
      if (done) {
        // Spec: "If the file ends in the middle of an event, before the final empty line, the
        // incomplete event is not dispatched." LLM servers sometimes omit that blank line: opt-in flush.
        if (req.flushIncompleteEvent) feed(`${decoder.decode()}\n\n`);
        return { kind: 'end' };
      }
      sink.activity();
      feed(decoder.decode(value, { stream: true }));
    }
    cancel();
    return { kind: 'error', error: tooLarge };
  } catch (cause) {
    return failed(signal, req.url, 'The connection dropped', cause);
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

/** The start of an error body, for the error message; waits at most 1 s (some servers send none). */
async function excerpt(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const chunk = await Promise.race([reader?.read(), new Promise<undefined>((r) => {
      timer = setTimer(() => r(undefined), 1000);
    })]);
    return new TextDecoder().decode(chunk?.value).slice(0, 512);
  } catch {
    return '';
  } finally {
    clearTimeout(timer);
    reader?.cancel().catch(() => {});
  }
}

function failed(signal: AbortSignal, url: string, message: string, cause: unknown): AttemptEnd {
  return signal.aborted ? { kind: 'aborted' } : { kind: 'error', error: new NetworkError(url, message, cause) };
}
