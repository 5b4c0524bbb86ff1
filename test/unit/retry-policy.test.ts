import { describe, expect, it } from 'vitest';
import { HttpStatusError, NetworkError, TimeoutError, ContentTypeError, EventTooLargeError } from '../../src/errors.js';
import type { RetryPolicy } from '../../src/options.js';
import { isRetryable } from '../../src/classify.js';
import { parseRetryAfter, retryDelay } from '../../src/retry-policy.js';

const policy: RetryPolicy = { initialDelay: 1000, maxDelay: 30_000, factor: 2, jitter: 'none', maxAttempts: Infinity };

describe('retryDelay', () => {
  it('grows exponentially from initialDelay and caps at maxDelay', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => retryDelay(policy, n));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('uses the server retry: value as the base and never goes below it', () => {
    expect(retryDelay(policy, 0, 250)).toBe(250);
    expect(retryDelay(policy, 2, 250)).toBe(1000);
    expect(retryDelay({ ...policy, jitter: 'full' }, 0, 250, undefined, () => 0)).toBe(250);
  });

  it('lets a server retry: above maxDelay win', () => {
    expect(retryDelay(policy, 0, 60_000)).toBe(60_000);
  });

  it('keeps full jitter within [0, delay] and equal jitter within [delay/2, delay]', () => {
    const full = { ...policy, jitter: 'full' as const };
    const equal = { ...policy, jitter: 'equal' as const };
    expect(retryDelay(full, 2, undefined, undefined, () => 0)).toBe(0);
    expect(retryDelay(full, 2, undefined, undefined, () => 0.5)).toBe(2000);
    expect(retryDelay(full, 2, undefined, undefined, () => 0.999999)).toBe(4000);
    expect(retryDelay(equal, 2, undefined, undefined, () => 0)).toBe(2000);
    expect(retryDelay(equal, 2, undefined, undefined, () => 0.999999)).toBe(4000);
    for (let i = 0; i < 1000; i++) {
      const d = retryDelay(full, 3);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });

  it('takes Retry-After exactly for the first retry, and as a floor after that', () => {
    expect(retryDelay({ ...policy, jitter: 'full' }, 0, 100, 7000, () => 0)).toBe(7000);
    expect(retryDelay(policy, 0, undefined, 0)).toBe(0);
    expect(retryDelay(policy, 3, undefined, 0)).toBe(8000);
    expect(retryDelay(policy, 1, undefined, 60_000)).toBe(60_000);
  });

  it('floors a server retry: at 250 ms, so retry: 0 cannot make a server that ends after each event a request flood', () => {
    expect(retryDelay(policy, 0, 0)).toBe(250);
    expect([1, 2, 3].map((n) => retryDelay(policy, n, 0))).toEqual([500, 1000, 2000]);
  });

  it('caps every server-chosen delay at one hour (setTimeout would fire at once past 2^31-1 ms)', () => {
    expect(retryDelay(policy, 0, 99_999_999_999)).toBe(3_600_000);
    expect(retryDelay(policy, 0, undefined, 1_000_000_000_000)).toBe(3_600_000);
    expect(retryDelay(policy, 4, undefined, 1_000_000_000_000)).toBe(3_600_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });
  it('reads an HTTP date relative to now, and a past date as 0', () => {
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores missing and malformed values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
  });
  it('reads huge values as they are (retryDelay caps them)', () => {
    expect(parseRetryAfter('99999999999', now)).toBe(99_999_999_999_000);
  });
});

describe('isRetryable', () => {
  const url = 'http://x/';
  it.each([408, 425, 429, 500, 502, 503, 504])('retries HTTP %i', (status) => {
    expect(isRetryable(new HttpStatusError(url, status, ''))).toBe(true);
  });
  it.each([400, 401, 403, 404, 410, 418])('does not retry HTTP %i', (status) => {
    expect(isRetryable(new HttpStatusError(url, status, ''))).toBe(false);
  });
  it('retries network errors and timeouts, not content type or oversized events', () => {
    expect(isRetryable(new NetworkError(url, 'x'))).toBe(true);
    expect(isRetryable(new TimeoutError(url, 'heartbeat', 5))).toBe(true);
    expect(isRetryable(new ContentTypeError(url, 'text/html'))).toBe(false);
    expect(isRetryable(new EventTooLargeError(url, 10))).toBe(false);
  });
});
