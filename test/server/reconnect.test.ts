import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createEventStream,
  type FetchLike,
  HttpStatusError,
  NetworkError,
  RetryExhaustedError,
  type SSEKitError,
} from '../../src/index.js';
import { refusedUrl, startTimedServer, type TimedServer } from '../helpers/chaos-server.js';
import { sseHead, startServer } from '../helpers/http-server.js';
import { recorder, take, waitFor } from '../helpers/recorder.js';

// Timer slack for lower bounds: a retry may never come sooner than the policy says, minus this.
const SLACK = 5;
const POLICY = { initialDelay: 50, factor: 2, maxDelay: 400, jitter: 'none' } as const;
/** Delay before retry number k (1-based) under POLICY, computed here rather than by the code under test. */
const policyDelay = (k: number) => Math.min(POLICY.maxDelay, POLICY.initialDelay * POLICY.factor ** (k - 1));
/** The most attempts POLICY allows within `window` ms of the first one (each retry waits its full delay). */
function allowedAttempts(window: number): number {
  let attempts = 1;
  for (let at = policyDelay(1); at <= window; at += policyDelay(attempts)) attempts++;
  return attempts;
}

let server: TimedServer | undefined;
afterEach(() => server?.close());

/**
 * Retries that came sooner than their delay allows (minus timer slack), as "#k after G ms < D ms".
 * `starts[k]` is when the wait before attempt k+1 began, `arrivals[k + 1]` when that attempt came.
 */
function tooEarly(starts: number[], arrivals: number[], delays: number[]): string[] {
  return delays.flatMap((delay, k) => {
    const gap = arrivals[k + 1]! - starts[k]!;
    return gap < delay - SLACK ? [`#${k + 1} after ${gap.toFixed(1)} ms < ${delay} ms`] : [];
  });
}
/** Delays for every retry seen after `attempts` attempts under POLICY. */
const policyDelays = (attempts: number) => Array.from({ length: attempts - 1 }, (_, k) => policyDelay(k + 1));

describe('backoff against a server that is down', () => {
  const WINDOW = 1500;

  it('makes no more attempts on a refused port than the policy allows, each no sooner than its delay', async () => {
    const url = await refusedUrl();
    const calls: number[] = [];
    const countingFetch: FetchLike = (input, init) => {
      calls.push(performance.now());
      return fetch(input, init);
    };
    const { log, options } = recorder();
    const stream = createEventStream(url, { ...options, fetch: countingFetch, retry: POLICY });
    await sleep(WINDOW + 100);
    stream.close();
    const settled = calls.length;
    await sleep(150);

    const inWindow = calls.filter((t) => t - calls[0]! <= WINDOW).length;
    expect(allowedAttempts(WINDOW)).toBe(6); // 0, 50, 150, 350, 750, 1150 ms
    expect(inWindow).toBeLessThanOrEqual(allowedAttempts(WINDOW));
    expect(inWindow).toBeGreaterThanOrEqual(4);
    expect(tooEarly(calls, calls, policyDelays(calls.length))).toEqual([]);
    expect(log.retries.map((r) => r.delay)).toEqual(log.retries.map((_, i) => policyDelay(i + 1)));
    expect(log.retries.every((r) => r.code === 'NETWORK')).toBe(true);
    expect(calls.length).toBe(settled); // nothing after close()
  });

  it('makes no more requests to a server answering 503 than the policy allows, each no sooner than its delay', async () => {
    server = await startTimedServer((_req, res) => void res.writeHead(503).end('down for maintenance'));
    const { log, options } = recorder();
    let sent = 0;
    const countingFetch: FetchLike = (input, init) => {
      sent++;
      return fetch(input, init);
    };
    const stream = createEventStream(server.url, { ...options, fetch: countingFetch, retry: POLICY });
    await sleep(WINDOW + 100);
    stream.close();
    // Counted where requests are made: one sent just before close() may reach the server after it.
    const settled = sent;
    await sleep(150);

    const first = server.arrived[0]!;
    const inWindow = server.arrived.filter((t) => t - first <= WINDOW).length;
    expect(inWindow).toBeLessThanOrEqual(allowedAttempts(WINDOW));
    expect(inWindow).toBeGreaterThanOrEqual(4);
    expect(tooEarly(server.arrived, server.arrived, policyDelays(server.arrived.length))).toEqual([]);
    expect(log.retries.map((r) => r.code)).toEqual(log.retries.map(() => 'HTTP_STATUS'));
    expect(sent).toBe(settled); // nothing after close()
  });
});

// A server-supplied 0 (`retry: 0`, `Retry-After: 0`) must not replace the backoff on every later
// failure, or an outage becomes a hot loop of hundreds of requests a second.
describe('no hot loop when the server asks for 0 ms', () => {
  const WINDOW = 1000;

  it('after the stream sent retry: 0, a server answering 503 still gets backed-off retries', async () => {
    server = await startTimedServer((_req, res, i) => {
      if (i > 0) return void res.writeHead(503).end();
      sseHead(res);
      res.end('retry: 0\ndata: {"n":1}\n\n');
    });
    const stream = createEventStream(server.url, { retry: POLICY });
    await waitFor(() => server!.requests.length >= 2, 2000, 'the first reconnect');
    await sleep(WINDOW + 50);
    stream.close();
    // The first reconnect may come at once (the server's retry: 0); the failures after it back off.
    const first = server.arrived[1]!;
    const inWindow = server.arrived.filter((t) => t >= first && t - first <= WINDOW).length;
    expect(inWindow, `${inWindow} requests in ${WINDOW} ms`).toBeLessThanOrEqual(allowedAttempts(WINDOW) + 1);
  });

  it('a server answering 503 with Retry-After: 0 every time still gets backed-off retries', async () => {
    server = await startTimedServer((_req, res) => void res.writeHead(503, { 'retry-after': '0' }).end());
    const stream = createEventStream(server.url, { retry: POLICY });
    await sleep(WINDOW + 50);
    stream.close();
    const first = server.arrived[0]!;
    const inWindow = server.arrived.filter((t) => t - first <= WINDOW).length;
    expect(inWindow, `${inWindow} requests in ${WINDOW} ms`).toBeLessThanOrEqual(allowedAttempts(WINDOW));
  });
});

describe('cancelling and giving up', () => {
  it('close() during a pending retry cancels it: no further request, state closed, reason close', async () => {
    server = await startTimedServer((_req, res) => void res.writeHead(503).end());
    const { log, options } = recorder();
    const stream = createEventStream(server.url, { ...options, retry: { initialDelay: 300, jitter: 'none' } });
    await waitFor(() => stream.state === 'retrying', 2000, 'the first retry to be scheduled');
    stream.close();
    await sleep(450);
    expect(server.requests.length).toBe(1);
    expect(stream.state).toBe('closed');
    expect(log.closes).toEqual([{ reason: 'close', code: undefined }]);
    expect(log.states).toEqual(['connecting', 'retrying', 'closed']);
  });

  // close() inside onError must hold: no reconnect after it, and onClose exactly once.
  it('close() from onError stops the stream for good: no further request, one onClose', async () => {
    server = await startTimedServer((_req, res) => void res.writeHead(503).end());
    const { log, options } = recorder();
    const stream = createEventStream(server.url, {
      ...options,
      onError: (error) => {
        options.onError(error);
        stream.close(); // e.g. give up on the first 5xx
      },
      retry: { initialDelay: 20, jitter: 'none' },
    });
    try {
      await waitFor(() => log.closes.length > 0, 2000, 'the stream to close');
      await sleep(200); // 10× initialDelay
      expect(server.requests.length).toBe(1);
      expect(stream.state).toBe('closed');
      expect(log.closes).toEqual([{ reason: 'close', code: undefined }]);
      // onError runs after the state change its error caused: `retrying` here, `closed` for a fatal one.
      expect(log.states).toEqual(['connecting', 'retrying', 'closed']);
      expect(log.retries).toEqual([]);
    } finally {
      stream.close(); // from outside a callback close() does stop it: no zombie left for the next tests
    }
  });

  // close() from onStateChange('retrying') or onRetry must disarm the backoff timer (it is not
  // unref'd, so it would keep Node alive for up to maxDelay), and no callback may follow onClose.
  it.each(['onStateChange', 'onRetry'] as const)(
    'close() from %s: no callback after onClose and no backoff timer left running',
    async (where) => {
      server = await startTimedServer((_req, res) => void res.writeHead(503).end());
      const DELAY = 4321; // recognisable among the other timers
      const armed = new Set<unknown>();
      const realSetTimeout = globalThis.setTimeout;
      const realClearTimeout = globalThis.clearTimeout;
      const setSpy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
        const handle = realSetTimeout(() => {
          armed.delete(handle);
          fn();
        }, ms);
        if (ms === DELAY) armed.add(handle);
        return handle;
      }) as typeof setTimeout);
      const clearSpy = vi.spyOn(globalThis, 'clearTimeout').mockImplementation((handle) => {
        armed.delete(handle);
        realClearTimeout(handle);
      });
      const calls: string[] = [];
      try {
        const stream = createEventStream(server.url, {
          retry: { initialDelay: DELAY, jitter: 'none' },
          onStateChange: (state) => {
            calls.push(`state ${state}`);
            if (where === 'onStateChange' && state === 'retrying') stream.close();
          },
          onRetry: () => {
            calls.push('retry');
            if (where === 'onRetry') stream.close();
          },
          onClose: () => void calls.push('close'),
        });
        await waitFor(() => calls.includes('close'), 2000, 'the stream to close');
        await new Promise((resolve) => setImmediate(resolve));
        expect(calls.at(-1)).toBe('close');
        expect(armed.size, 'backoff timers still armed after close()').toBe(0);
      } finally {
        setSpy.mockRestore();
        clearSpy.mockRestore();
        for (const handle of armed) realClearTimeout(handle as ReturnType<typeof setTimeout>);
      }
    },
  );

  it('gives up after maxAttempts retries with RetryExhaustedError (the last error as cause), state closed', async () => {
    server = await startTimedServer((_req, res) => void res.writeHead(503).end('still down'));
    const { log, options } = recorder();
    let closedWith: SSEKitError | undefined;
    const stream = createEventStream(server.url, {
      ...options,
      onClose: (info) => (closedWith = info.error),
      retry: { initialDelay: 10, jitter: 'none', maxAttempts: 3 },
    });
    const iterated = take(stream, 1).catch((error: unknown) => error);
    await waitFor(() => stream.state === 'closed', 3000, 'the stream to give up');
    await sleep(100);

    expect(server.requests.length).toBe(4); // the first attempt and 3 retries
    expect(closedWith).toBeInstanceOf(RetryExhaustedError);
    expect(closedWith).toMatchObject({ code: 'RETRY_EXHAUSTED', attempts: 3 });
    expect(closedWith?.cause).toBeInstanceOf(HttpStatusError);
    expect(closedWith?.cause).toMatchObject({ status: 503, body: 'still down' });
    expect(await iterated).toBe(closedWith); // for await throws the error that closed the stream
    expect(log.retries.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(log.states.at(-1)).toBe('closed');
  });

  it('with maxAttempts 0 a refused connection fails at once with the NetworkError as cause', async () => {
    const url = await refusedUrl();
    let closedWith: SSEKitError | undefined;
    const stream = createEventStream(url, {
      onClose: (info) => (closedWith = info.error),
      retry: { initialDelay: 10, maxAttempts: 0 },
    });
    await waitFor(() => stream.state === 'closed', 3000, 'the stream to give up');
    expect(closedWith).toMatchObject({ code: 'RETRY_EXHAUSTED', attempts: 0 });
    expect(closedWith?.cause).toBeInstanceOf(NetworkError);
  });
});

describe('delays the server asks for', () => {
  it('honours Retry-After in seconds on a 503, beyond maxDelay', async () => {
    let refusedAt = 0;
    server = await startTimedServer((_req, res, i) => {
      if (i === 0) {
        refusedAt = performance.now();
        return void res.writeHead(503, { 'retry-after': '1' }).end();
      }
      sseHead(res);
      res.write('data: {"n":1}\n\n');
    });
    const { log, options } = recorder();
    const stream = createEventStream(server.url, { ...options, retry: { initialDelay: 10, maxDelay: 100, jitter: 'none' } });
    const [event] = await take(stream, 1);
    expect(event?.data).toEqual({ n: 1 });
    expect(server.arrived[1]! - refusedAt).toBeGreaterThanOrEqual(1000 - SLACK);
    expect(server.arrived[1]! - refusedAt).toBeLessThan(3000);
    expect(log.retries).toEqual([{ attempt: 1, delay: 1000, code: 'HTTP_STATUS' }]);
  });

  it('honours Retry-After as an HTTP date on a 429', async () => {
    let retryAt = 0;
    let secondAt = 0;
    server = await startTimedServer((_req, res, i) => {
      if (i === 0) {
        const date = new Date(Date.now() + 1500); // an HTTP date has whole seconds: 0.5–1.5 s from now
        retryAt = Math.floor(date.getTime() / 1000) * 1000;
        return void res.writeHead(429, { 'retry-after': date.toUTCString() }).end('slow down');
      }
      secondAt = Date.now();
      sseHead(res);
      res.write('data: {"n":1}\n\n');
    });
    const { log, options } = recorder();
    const stream = createEventStream(server.url, { ...options, retry: { initialDelay: 10, maxDelay: 100 } });
    await take(stream, 1);
    expect(secondAt).toBeGreaterThanOrEqual(retryAt - SLACK);
    expect(secondAt - retryAt).toBeLessThan(1500);
    expect(log.retries[0]?.delay).toBeGreaterThan(400);
    expect(log.retries[0]?.delay).toBeLessThanOrEqual(1500);
  });

  it("uses the server's retry: field as the first reconnect delay after an open stream ends", async () => {
    server = await startTimedServer((_req, res, i) => {
      sseHead(res);
      if (i === 0) res.end('retry: 300\nid: 1\ndata: {"n":1}\n\n');
      else res.write(`id: 2\ndata: {"n":2}\n\n`);
    });
    const { log, options } = recorder();
    // Full jitter could pick ~0 ms from initialDelay; the server's value is a floor.
    const stream = createEventStream(server.url, { ...options, retry: { initialDelay: 5, jitter: 'full' } });
    const events = await take(stream, 2);
    expect(events.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(server.arrived[1]! - server.closed[0]!).toBeGreaterThanOrEqual(300 - SLACK);
    expect(log.retries).toEqual([{ attempt: 1, delay: 300, code: undefined }]);
  });
});

describe('the attempt counter', () => {
  it('keeps growing while connections open without an event, and resets once an event arrives', async () => {
    // 0-4: 200 and headers (1: a comment too), then a clean end; 5: one event; 6: nothing again.
    server = await startTimedServer((_req, res, i) => {
      sseHead(res);
      if (i === 1) res.write(': just a comment\n\n');
      if (i === 5) res.write('data: {"n":1}\n\n');
      if (i <= 6) res.end();
    });
    const { log, options } = recorder();
    const stream = createEventStream(server.url, {
      ...options,
      retry: { initialDelay: 20, factor: 2, maxDelay: 1000, jitter: 'none' },
    });
    await waitFor(() => log.opens === 8, 5000, 'the eighth connection to open');
    stream.close();

    const expected = [20, 40, 80, 160, 320, 20, 40];
    expect(log.retries.map((r) => r.delay)).toEqual(expected);
    expect(log.opens).toBe(8);
    // Measured at the server: from one response's end to the next request.
    expect(tooEarly(server.closed as number[], server.arrived, expected)).toEqual([]);
  });
});

describe('error bodies', () => {
  it('reports a 4xx whose body never arrives within about a second, not at connectTimeout', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.flushHeaders(); // and never a body
    });
    try {
      const started = Date.now();
      const errors: { code: string; status?: number }[] = [];
      const stream = createEventStream(`${server.url}/e`, { connectTimeout: 0, onError: (e) => void errors.push(e as never) });
      while (stream.state !== 'closed' && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 10));
      expect(errors).toMatchObject([{ code: 'HTTP_STATUS', status: 404 }]);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await server.close();
    }
  });
});
