import { NetworkError } from '../errors.js';
import { withIdParam } from '../last-event-id.js';
import type { AttemptEnd, AttemptRequest, Sink, Transport } from './transport.js';

/**
 * Wraps the runtime's `EventSource` as ONE attempt: the browser parses, we map its events to the
 * sink and close it on its first error, so our retry policy (not the browser's) decides what next.
 * What it cannot see: status codes, headers, comments, `retry:` and id-only blocks.
 */
export const nativeTransport: Transport = { name: 'native', connect };

function connect(req: AttemptRequest, sink: Sink): Promise<AttemptEnd> {
  return new Promise((resolve) => {
    const url = withIdParam(req.url, req.lastEventIdParam, req.lastEventId);
    const es = new req.EventSource!(url, { withCredentials: req.credentials === 'include' });
    let opened = false;
    // A new EventSource starts with an empty last event id, whatever we resumed from.
    let browserId = '';
    const finish = (end: AttemptEnd) => {
      es.close();
      req.signal.removeEventListener('abort', abort);
      resolve(end);
    };
    const abort = () => finish({ kind: 'aborted' });
    const onMessage = (event: MessageEvent) => {
      // The browser keeps the last id across events (spec); report it only when it changes.
      if (event.lastEventId !== browserId) sink.id((browserId = event.lastEventId));
      sink.message(event.type, event.data);
    };
    const subscribed = new Set<string>();
    req.listen = (type) => {
      if (subscribed.has(type)) return;
      subscribed.add(type);
      es.addEventListener(type, onMessage);
    };
    req.listen('message');
    for (const type of req.types) req.listen(type);
    req.signal.addEventListener('abort', abort);
    es.onopen = () => {
      opened = true;
      sink.open(200, req.url);
    };
    // After open, an error means the stream ended or dropped (the browser would reconnect: we do).
    // Before open, the browser does not say whether it was a network error, an HTTP status or a
    // wrong content type, so it counts as a retryable network error.
    es.onerror = () =>
      finish(
        opened
          ? { kind: 'end' }
          : { kind: 'error', error: new NetworkError(req.url, 'EventSource failed to connect (status and reason hidden by the browser)') },
      );
  });
}
