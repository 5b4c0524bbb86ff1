import type { RetryPolicy } from './options.js';

/**
 * Bounds on a delay the server chooses. Above 2^31−1 ms `setTimeout` fires at once (a reconnect
 * flood), so `retry:` and `Retry-After` are capped at an hour. And a client that promises backoff
 * should not let one `retry: 0` line turn a server that ends after each event (each attempt then
 * delivers an event, so the failure count never grows) into hundreds of requests a second: `retry:`
 * is floored. `Retry-After` needs no floor: it comes with a failure, so the backoff grows after it.
 */
export const SERVER_RETRY_MIN = 250;
export const SERVER_DELAY_MAX = 3_600_000;

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
  if (serverRetry !== undefined) serverRetry = Math.min(SERVER_DELAY_MAX, Math.max(SERVER_RETRY_MIN, serverRetry));
  if (retryAfter !== undefined) retryAfter = Math.min(SERVER_DELAY_MAX, retryAfter);
  // The server's word (Retry-After, `retry: 0`) sets the first retry of a run; after that it is only a
  // floor, so a server that keeps answering "0" cannot turn an outage into a hot loop.
  if (retryAfter !== undefined && failures === 0) return retryAfter;
  let base = serverRetry ?? policy.initialDelay;
  // `initialDelay: 0` means "the first retry at once", not "every retry at once" (0·factor^n = 0).
  if (!base && failures) {
    base = SERVER_RETRY_MIN;
    failures--;
  }
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
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only an IMF-fixdate-like text: Date.parse alone accepts "-5" or "1.5" as years.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
