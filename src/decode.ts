import type { StreamOptions } from './types.js';

/** Turns the `decode` option into one function; throws (caught by the client) on bad input. */
export function decoder(decode: StreamOptions['decode']): (raw: string, type: string) => unknown {
  if (decode === 'text') return (raw) => raw;
  if (typeof decode === 'function') return decode;
  return (raw) => JSON.parse(raw);
}
