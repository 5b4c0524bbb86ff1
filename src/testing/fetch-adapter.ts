// A script played into a real `Response` with a `ReadableStream` body: what the mock's `fetch`
// returns and what an msw resolver hands back to msw.
import type { RequestInfo } from './connection.js';
import { headerObject } from './connection.js';
import type { Output } from './run.js';

/** Starts one scripted connection: the server side, shared by every adapter. */
export type Serve = (info: RequestInfo, output: Output, stopped: Promise<void>) => void;

/** What a dropped connection looks like to fetch users: undici and browsers reject with a TypeError. */
export const networkError = (message: string) => new TypeError(`sse-kit/testing: ${message} (network error)`);

// The fetch spec's "null body status": a Response with one of these cannot have a body.
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** The request fields a connection records, read from a `Request` (its body is consumed). */
export async function requestInfo(request: Request): Promise<RequestInfo> {
  return {
    method: request.method,
    url: request.url,
    headers: headerObject(request.headers),
    body: request.body ? await request.text() : '',
  };
}

/**
 * Answers with the script. Resolves once the script sends the response head; a drop before it
 * resolves `Response.error()` (msw turns that into a failed fetch). After the head, `drop()` errors
 * the body with a `TypeError` and an abort of `signal` errors it with the abort reason, as fetch does.
 */
export function respondWith(serve: Serve, info: RequestInfo, signal: AbortSignal | undefined): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    let headed = false;
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const body = pullBody(() => stop());
    const onAbort = () => {
      signal?.removeEventListener('abort', onAbort);
      stop();
      const reason = signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
      if (headed) body.finish(reason, true);
      else reject(reason);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    const done = () => signal?.removeEventListener('abort', onAbort);
    serve(
      info,
      {
        head(status, headers) {
          headed = true;
          resolve(new Response(NULL_BODY.has(status) ? null : body.stream, { status, headers }));
        },
        write: body.write,
        drop() {
          done();
          if (headed) body.finish(networkError('the script dropped the connection'));
          else resolve(Response.error());
        },
        end() {
          done();
          body.finish('end');
        },
      },
      stopped,
    );
  });
}

/**
 * A body the client pulls chunk by chunk. A script's bytes are handed out before its drop: an
 * errored ReadableStream discards what is still queued, and a test must know what was received.
 * An abort (`now`) errors at once, as fetch does.
 */
function pullBody(cancel: () => void) {
  const chunks: Uint8Array[] = [];
  let final: 'end' | Error | undefined;
  let wake: (() => void) | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const flush = () => {
    wake?.();
    wake = undefined;
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start: (c) => void (controller = c),
      async pull(c) {
        while (!chunks.length && !final) await new Promise<void>((r) => (wake = r));
        if (chunks.length) c.enqueue(chunks.shift()!);
        else if (final === 'end') c.close();
        else c.error(final);
      },
      // The client cancelled its reader: it went away, like an abort.
      cancel,
    },
    { highWaterMark: 0 },
  );
  return {
    stream,
    write(bytes: Uint8Array) {
      if (final) return;
      chunks.push(bytes);
      flush();
    },
    finish(how: 'end' | Error, now = false) {
      if (final) return;
      final = how;
      if (now && how !== 'end') {
        chunks.length = 0;
        try {
          controller.error(how);
        } catch {
          // Already closed or errored.
        }
      }
      flush();
    },
  };
}

/** A `fetch` that the mock server answers (`input` resolved against the page, else `http://localhost/`). */
export type MockFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const REDIRECT = new Set([301, 302, 303, 307, 308]);

/** The mock's `fetch`: answers from the script, follows redirects, rejects on drops and aborts. */
export function createFetch(serve: Serve): MockFetch {
  return async (input, init = {}) => {
    // The signal stays out of the Request: under jsdom it is jsdom's AbortSignal, which Node's
    // Request refuses ("member signal is not of type AbortSignal").
    const { signal = input instanceof Request ? input.signal : undefined, ...rest } = init;
    const base = globalThis.document?.baseURI ?? globalThis.location?.href ?? 'http://localhost/';
    const url = new URL(input instanceof Request ? input.url : String(input), base).href;
    let info = await requestInfo(new Request(input instanceof Request ? new Request(url, input) : url, rest));
    for (let hops = 0; ; hops++) {
      const response = await respondWith(serve, info, signal ?? undefined);
      if (response.type === 'error') throw networkError(`the script dropped the connection to ${info.url}`);
      const location = response.headers.get('location');
      if (!REDIRECT.has(response.status) || !location || init.redirect === 'manual') {
        // A constructed Response has url ''; fetch reports the final URL after redirects.
        Object.defineProperty(response, 'url', { value: info.url });
        return response;
      }
      await response.body?.cancel();
      if (init.redirect === 'error' || hops === 20) throw networkError(`redirect refused at ${info.url}`);
      // Fetch "HTTP-redirect fetch": 303, and 301/302 after a POST, continue as a GET without a body.
      const get = response.status === 303 || (response.status < 303 && info.method === 'POST');
      info = { ...info, url: new URL(location, info.url).href, method: get ? 'GET' : info.method, body: get ? '' : info.body };
    }
  };
}
