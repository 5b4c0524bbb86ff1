// The core builds each attempt's request with the id it knew when the attempt began; a follower
// that becomes the leader inside that attempt resumes from a newer one. These few lines mirror
// src/last-event-id.ts (idRoute, idHeaderValue), which the core does not export.

/** The parts of the core's AttemptRequest that carry the last id. */
export interface IdCarrier {
  url: string;
  lastEventId: string;
}

const MAX_ID_BYTES = 1024;
const bytes = (id: string) => new TextEncoder().encode(id);

/** Where `id` can travel: the header, only the query (controls, edge spaces), or nowhere (too long). */
export function idRoute(id: string): 'header' | 'query' | 'none' {
  if (bytes(id).length > MAX_ID_BYTES) return 'none';
  return /[\x00-\x1f\x7f]|^ | $/.test(id) ? 'query' : 'header';
}

/** The id as a `Last-Event-ID` value: non-ASCII ids as their UTF-8 bytes, one char per byte (as browsers send). */
export function idHeaderValue(id: string): string {
  if (!/[^\x20-\x7e]/.test(id)) return id;
  let value = '';
  for (const byte of bytes(id)) value += String.fromCharCode(byte);
  return value;
}

/**
 * `request` resuming from `id` instead of the id it was built with. `inHeader`: whether this
 * attempt's transport sends the header (fetch) rather than the query parameter `param` (native).
 */
export function withId<R extends IdCarrier>(request: R, id: string, param: string | false, inHeader: boolean): R {
  const route = idRoute(id);
  const inQuery = !!param && (route === 'query' || (route === 'header' && !inHeader));
  let { url } = request;
  const parsed = new URL(url);
  // Only a URL that carries or needs the parameter is re-serialised (that may re-encode the rest).
  if (param && (inQuery || parsed.searchParams.has(param))) {
    parsed.searchParams.delete(param);
    if (inQuery) parsed.searchParams.set(param, id);
    url = parsed.href;
  }
  return { ...request, url, lastEventId: route === 'header' && inHeader ? idHeaderValue(id) : '' };
}

/**
 * Whether the attempt's transport sends the id as a header, read from the request the core built:
 * a header value says fetch; an id in the query that a header could carry says native; with no
 * id yet, `nativeLikely` (the stream could use EventSource) decides.
 */
export function sendsHeader(request: IdCarrier, param: string | false, nativeLikely: boolean): boolean {
  if (request.lastEventId) return true;
  const inQuery = param ? new URL(request.url).searchParams.get(param) : null;
  if (inQuery !== null && inQuery !== '') return idRoute(inQuery) === 'query' ? !nativeLikely : false;
  return !nativeLikely;
}
