import { NetworkError } from '../errors.js';
import { idHeaderValue, idRoute, withIdParam } from '../last-event-id.js';
import type { Resolved } from '../options.js';
import { fetchTransport } from './fetch.js';
import type { AttemptEnd, AttemptRequest, Transport } from './transport.js';

const is2xx = (status: number) => status >= 200 && status < 300;

/**
 * One attempt's request: headers and body built now (their functions run per attempt), and the
 * last id routed where it can travel — the `Last-Event-ID` header on fetch, else `lastEventIdParam`
 * (native, or an id a header cannot carry), else nowhere (see README, "Resume").
 */
export function buildRequest(
  o: Resolved,
  transport: Transport,
  id: string,
  signal: AbortSignal,
): AttemptRequest | AttemptEnd | Promise<AttemptRequest | AttemptEnd> {
  const failed = (cause: unknown): AttemptEnd => ({
    kind: 'error',
    error: new NetworkError(o.url, 'The headers or body option threw', cause),
  });
  const build = (given: HeadersInit | undefined): AttemptRequest | AttemptEnd => {
    let headers: Headers;
    let body: BodyInit | undefined;
    try {
      headers = new Headers(given);
      body = typeof o.body === 'function' ? o.body() : o.body;
    } catch (cause) {
      return failed(cause);
    }
    const route = id ? idRoute(id) : 'none';
    const inHeader = route === 'header' && transport === fetchTransport;
    return {
      url: route === 'query' || (route === 'header' && !inHeader) ? withIdParam(o.url, o.lastEventIdParam, id) : o.url,
      method: o.method,
      headers,
      body,
      credentials: o.credentials,
      redirect: o.redirect,
      lastEventId: inHeader ? idHeaderValue(id) : '',
      maxEventSize: o.maxEventSize,
      flushIncompleteEvent: o.flushIncompleteEvent === true,
      signal,
      opens: is2xx,
      fetch: o.fetch,
      EventSource: o.EventSource,
    };
  };
  // Synchronous unless headers() returns a promise: a plain stream connects in the same tick.
  try {
    const given = typeof o.headers === 'function' ? o.headers() : o.headers;
    return given instanceof Promise ? given.then(build, failed) : build(given);
  } catch (cause) {
    return failed(cause);
  }
}
