import { EventTooLargeError, NetworkError } from '../errors.js';
import type { AttemptEnd, AttemptRequest, Sink, Transport } from './transport.js';

/**
 * Wraps the runtime's `EventSource`. The browser parses; we map its events to the sink. On a
 * plain drop the browser's own reconnection is the best there is — it sends `Last-Event-ID` as a
 * header (id-only blocks included), honours `retry:`, and needs no CORS preflight — so we let it
 * run while the client agrees (`sink.reconnecting()`), and end the attempt when it keeps failing.
 * What it cannot see: status codes, headers, comments, `retry:` and id-only blocks.
 */
export const nativeTransport: Transport = { name: 'native', seesComments: false, connect };

const CONNECTING = 0;
const CLOSED = 2;

function connect(req: AttemptRequest, sink: Sink): Promise<AttemptEnd> {
  return new Promise((resolve) => {
    const es = new req.EventSource!(req.url, { withCredentials: req.credentials === 'include' });
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
      if (es.readyState === CLOSED) return; // an event the browser had queued before close()
      if (event.data.length > req.maxEventSize) return finish({ kind: 'error', error: new EventTooLargeError(req.url, req.maxEventSize) });
      // The browser keeps the last id across events (spec); report it only when it changes.
      if (event.lastEventId !== browserId) sink.id((browserId = event.lastEventId));
      sink.message(event.type, event.data);
    };
    const subscribed = new Set<string>();
    sink.types((type) => {
      if (subscribed.has(type)) return;
      subscribed.add(type);
      es.addEventListener(type, onMessage);
    });
    req.signal.addEventListener('abort', abort);
    es.onopen = () => {
      opened = true;
      sink.open(200, req.url);
    };
    es.onerror = () => {
      // CLOSED: the browser failed the connection — a status other than 200 or a wrong content
      // type, which it does not disclose. The client learns which with a fetch attempt.
      if (es.readyState === CLOSED) return finish({ kind: 'refused' });
      // CONNECTING after an open stream: the browser reconnects by itself, with the header.
      if (opened && es.readyState === CONNECTING && sink.reconnecting()) return;
      finish({
        kind: 'error',
        error: new NetworkError(req.url, opened ? 'The connection dropped' : 'EventSource could not connect'),
      });
    };
  });
}
