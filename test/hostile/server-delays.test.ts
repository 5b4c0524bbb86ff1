import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { hostileHarness, send } from '../helpers/hostile.js';
import { sseHead } from '../helpers/http-server.js';
import { waitFor } from '../helpers/recorder.js';

// A server controls how long the client waits (`retry:`, `Retry-After`). Whatever it says, the
// client must neither hammer it nor go silent for weeks.
const HOUR = 3_600_000;
const { serve, open } = hostileHarness();

/** A handler that writes `text` on every request and ends the response cleanly. */
const sendThenEnd = (text: string) => async (_req: IncomingMessage, res: ServerResponse) => {
  sseHead(res);
  await send(res, text);
  res.end();
};

describe('server-given delays', () => {
  // Defect: 99999999999 ms overflowed setTimeout (2^31−1) and fired after 1 ms: ~450 requests/s.
  it('caps a retry: field above 2^31−1 ms at one hour and does not reconnect meanwhile', async () => {
    const server = await serve(sendThenEnd('retry: 99999999999\n\n'));
    const { log } = open(server.url);
    await waitFor(() => log.retries.length > 0, 3000, 'the first onRetry');
    expect(log.retries[0]!.delay).toBe(HOUR);
    await sleep(1500);
    expect(server.requests.length).toBe(1);
  });

  // Defect: 10^9 s became 2^31−1 ms (24.8 days) of silence.
  it.each([
    ['delta-seconds', '1000000000'],
    ['an HTTP date decades ahead', 'Thu, 01 Jan 2099 00:00:00 GMT'],
  ])('caps Retry-After given as %s at one hour', async (_what, retryAfter) => {
    const server = await serve((_req, res) => {
      res.writeHead(503, { 'retry-after': retryAfter }).end();
    });
    const { log } = open(server.url);
    await waitFor(() => log.retries.length > 0, 3000, 'the first onRetry');
    expect(log.retries[0]!.delay).toBe(HOUR);
    expect(log.retries[0]!.error?.code).toBe('HTTP_STATUS');
    expect(server.requests.length).toBe(1);
  });

  // Defect: `retry: 0` from a server that ends after each event meant ~500 requests/s sustained.
  it('floors retry: 0 at 250 ms, so a server that ends after every event sees at most ~10 requests in 2 s', async () => {
    const server = await serve(sendThenEnd('retry: 0\ndata: {"n":1}\n\n'));
    const { log } = open(server.url);
    await sleep(2000);
    expect(server.requests.length).toBeGreaterThanOrEqual(2); // it does reconnect
    expect(server.requests.length).toBeLessThanOrEqual(12);
    for (const retry of log.retries) expect(retry.delay).toBeGreaterThanOrEqual(250);
  });

  // Retry-After comes with a failure, so the backoff grows after it: no floor needed (see retry-policy.ts).
  it('takes Retry-After: 0 for the first retry only, then backs off', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(503, { 'retry-after': '0' }).end();
    });
    const { log } = open(server.url, { retry: { initialDelay: 100, jitter: 'none' } });
    await waitFor(() => log.retries.length >= 3, 3000, 'three onRetry calls');
    expect(log.retries.slice(0, 3).map((r) => r.delay)).toEqual([0, 200, 400]);
  });
});
