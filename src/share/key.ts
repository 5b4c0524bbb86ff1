import type { StreamOptions } from 'sse-kit';

/** 32-bit FNV-1a of `text` from `seed`: two of them name a group without revealing what it hashes. */
function fnv(text: string, seed: number): string {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(36);
}

/**
 * The name of the group a stream joins, or undefined when it cannot share safely. Streams share
 * only when every input of the request is equal: URL, method, credentials, static headers and a
 * string body. The name is a hash, so a token in a header or the query is not readable from it
 * (lock names are visible to the origin's scripts through `navigator.locks.query()`).
 *
 * A `headers` or `body` function (a token read per attempt) or a body that is not a string cannot
 * be compared: such a stream needs an explicit `key`, or stays solo — sharing it by URL alone could
 * hand one user's events to a tab signed in as another.
 */
export function groupKey(o: StreamOptions & { url: string }, key: string | undefined): string | undefined {
  if (key !== undefined) return `sse-kit:key:${key}`;
  if (typeof o.headers === 'function' || (o.body !== undefined && typeof o.body !== 'string')) return undefined;
  const headers = [...new Headers(o.headers)].map(([name, value]) => `${name}:${value}`).join('\n');
  const request = JSON.stringify([o.url, o.method ?? 'GET', o.credentials ?? '', headers, o.body ?? null]);
  return `sse-kit:${fnv(request, 0x811c9dc5)}${fnv(request, 0x2545f491)}`;
}
