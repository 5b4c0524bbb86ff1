import type { HttpStatusError, SSEKitError } from './errors.js';
import type { RetryPolicy } from './options.js';

/**
 * Delay before reconnection attempt number `failures + 1`, in milliseconds.
 * `failures` counts attempts in a row that delivered no event (0 right after an open stream ended).
 * `serverRetry` is the stream's `retry:` value: it replaces `initialDelay` as the base and is also
 * a floor, so jitter never reconnects sooner than the server asked. `retryAfter` (from the
 * `Retry-After` header) is taken exactly for the first retry of a run and as a floor after that.
 */
export function retryDelay(
  policy: RetryPolicy,
  failures: number,
  serverRetry?: number,
  retryAfter?: number,
  random: () => number = Math.random,
): number {
  // The server's word (Retry-After, `retry: 0`) sets the first retry of a run; after that it is only a
  // floor, so a server that keeps answering "0" cannot turn an outage into a hot loop.
  if (retryAfter !== undefined && failures === 0) return retryAfter;
  // `retry: 0` asks for an immediate first reconnect; as a base it would never grow (0·factor^n).
  const base = serverRetry === undefined || (serverRetry === 0 && failures > 0) ? policy.initialDelay : serverRetry;
  const delay = Math.min(Math.max(policy.maxDelay, serverRetry ?? 0), base * policy.factor ** failures);
  const jittered =
    policy.jitter === 'none' ? delay : policy.jitter === 'equal' ? delay / 2 + (random() * delay) / 2 : random() * delay;
  return Math.round(Math.max(serverRetry ?? 0, retryAfter ?? 0, jittered));
}

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns undefined for a missing or malformed value; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, 2 ** 31 - 1);
  // Only an IMF-fixdate-like text: Date.parse alone accepts "-5" or "1.5" as years.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, Math.min(date - now, 2 ** 31 - 1));
}

/** Retryable: network drops, timeouts, and 408/425/429/5xx. Fatal: other statuses, content type, oversized events. */
export function isRetryable(error: SSEKitError): boolean {
  return error.code === 'NETWORK' || error.code === 'TIMEOUT' || (error as HttpStatusError).retryable === true;
}
