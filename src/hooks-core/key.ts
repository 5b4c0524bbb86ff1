import type { SharedStreamOptions, TransportOption } from './types.js';

/**
 * The hooks' default transport. `data` holds every event type, and the browser's EventSource only
 * delivers the types it was told to listen for; `transport: 'auto'` plus `types` brings native back.
 */
export const HOOK_TRANSPORT: TransportOption = 'fetch';

/**
 * The sharing key of a connection: the URL and every option that changes the request or the
 * decoded values, compared by value, so an inline options object gives the same key on every
 * render. A function (or a non-string body) cannot be compared: it makes the connection private to
 * its component (`privateId`) unless an explicit `key` says which components may share it.
 */
export function connectionKey(url: string | URL, options: SharedStreamOptions, privateId: string): string {
  let opaque = false;
  // 0 stands for "a value the key cannot see": no string, array or null serialises to it.
  const seen = <T>(value: T, visible: boolean): T | 0 => {
    if (!visible) opaque = true;
    return visible ? value : 0;
  };
  const { body, headers, decode } = options;
  const parts = [
    String(url),
    (options.method ?? 'GET').toUpperCase(),
    seen(body ?? null, body === undefined || typeof body === 'string'),
    seen(headerEntries(headers), typeof headers !== 'function'),
    options.transport ?? HOOK_TRANSPORT,
    options.credentials ?? 'same-origin',
    seen(decode ?? 'json', typeof decode !== 'function'),
    // A shared (across tabs) and an unshared stream of one URL are different connections.
    options.share ? 'share' : 'solo',
  ];
  if (options.key !== undefined) parts.push(`key:${options.key}`);
  else if (opaque) parts.push(`private:${privateId}`);
  return JSON.stringify(parts);
}

/** Header names lower-cased and sorted, so `{ A: 1 }` and `[['a', '1']]` share. */
function headerEntries(headers: SharedStreamOptions['headers']): [string, string][] | null {
  if (!headers || typeof headers === 'function') return null;
  // Headers already joins and sorts; a plain object or array goes through it for the same rules.
  return [...new Headers(headers as HeadersInit)];
}
