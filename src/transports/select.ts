import type { Resolved } from '../options.js';
import { fetchTransport } from './fetch.js';
import { nativeTransport } from './native.js';
import type { Transport } from './transport.js';

/**
 * Picks the transport. `auto` takes native `EventSource` only when it can do the whole job: the
 * runtime has one, a plain GET with no body and no custom headers, redirects followed, and resume
 * can work (no id yet, or the id can travel in `lastEventIdParam`). Everything else needs fetch.
 */
export function selectTransport(o: Resolved, hasId: boolean): Transport {
  const why =
    o.method !== 'GET'
      ? `method ${o.method}`
      : o.body !== undefined
        ? 'a body'
        : o.headers !== undefined
          ? 'custom headers'
          : o.redirect === 'error'
            ? 'redirect: "error"'
            : hasId && !o.lastEventIdParam
              ? 'a last event id and lastEventIdParam: false'
              : !o.EventSource
                ? 'no EventSource in this runtime'
                : '';
  if (o.transport === 'native' && why) {
    throw new TypeError(`sse-kit: transport "native" is unavailable (${why}); use "fetch" or "auto"`);
  }
  if (o.transport === 'fetch' || why) {
    if (!o.fetch) throw new TypeError('sse-kit: no fetch in this runtime; pass the "fetch" option');
    return fetchTransport;
  }
  return nativeTransport;
}
