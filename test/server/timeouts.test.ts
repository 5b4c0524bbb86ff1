import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventStream, TimeoutError } from '../../src/index.js';
import { lastEventIdOf, startTimedServer, type TimedServer } from '../helpers/chaos-server.js';
import { sseHead } from '../helpers/http-server.js';
import { recorder, waitFor } from '../helpers/recorder.js';

const SLACK = 5;
let server: TimedServer | undefined;
afterEach(() => server?.close());

/** Writes `pieces` one at a time, `every` ms apart, until done or the client goes away. */
function trickle(res: ServerResponse, pieces: string[], every: number): void {
  const timer = setInterval(() => {
    const piece = pieces.shift();
    if (piece === undefined || res.destroyed) clearInterval(timer);
    else res.write(piece);
  }, every);
  res.once('close', () => clearInterval(timer));
}

describe('connect timeout', () => {
  it('a server that accepts and never answers → TimeoutError (connect), the socket is released, then a retry', async () => {
    server = await startTimedServer((_req, res, i) => {
      if (i === 0) return; // accepted, never answered
      sseHead(res);
      res.write('id: 1\ndata: {"n":1}\n\n');
    });
    const { log, options } = recorder();
    const seen: number[] = [];
    const fetchedAt: number[] = [];
    let timedOutAt = 0;
    // The connect timeout covers the whole attempt, from its start (a headers() function included).
    const startedAt = performance.now();
    const stream = createEventStream<{ message: { n: number } }>(server.url, {
      ...options,
      fetch: (input, init) => {
        fetchedAt.push(performance.now());
        return fetch(input, init);
      },
      onError: (error) => {
        options.onError(error);
        timedOutAt ||= performance.now();
      },
      connectTimeout: 200,
      retry: { initialDelay: 10, jitter: 'none' },
    });
    stream.on('message', (data) => seen.push(data.n));
    await waitFor(() => seen.length === 1, 3000, 'the event after the retry');
    stream.close();

    const [timeout] = log.errors;
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect(timeout).toMatchObject({ code: 'TIMEOUT', phase: 'connect', timeout: 200 });
    expect(log.retries).toEqual([{ attempt: 1, delay: 10, code: 'TIMEOUT' }]);
    expect(timedOutAt - startedAt).toBeGreaterThanOrEqual(200 - SLACK);
    expect(timedOutAt - startedAt).toBeLessThan(1000);
    expect(fetchedAt[1]! - timedOutAt).toBeGreaterThanOrEqual(10 - SLACK);
    await waitFor(() => server!.closed[0] !== undefined, 1000, 'the abandoned request to be aborted'); // not leaked
    expect(log.states).toEqual(['connecting', 'retrying', 'connecting', 'open', 'closed']);
  });
});

describe('heartbeat timeout', () => {
  it('a stream that stalls after an event → TimeoutError (heartbeat), then resumes from the last id', async () => {
    server = await startTimedServer((req, res, i) => {
      sseHead(res);
      if (i === 0) res.write('id: 1\ndata: {"n":1}\n\n'); // then silence
      else res.write(`id: 2\ndata: {"n":2,"resumedAfter":${JSON.stringify(lastEventIdOf(req))}}\n\n`);
    });
    const { log, options } = recorder();
    const seen: unknown[] = [];
    let firstAt = 0;
    let timedOutAt = 0;
    const stream = createEventStream<{ message: { n: number } }>(server.url, {
      ...options,
      onError: (error) => {
        options.onError(error);
        timedOutAt ||= performance.now();
      },
      heartbeatTimeout: 200,
      retry: { initialDelay: 10, jitter: 'none' },
    });
    stream.on('message', (data) => {
      firstAt ||= performance.now();
      seen.push(data);
    });
    await waitFor(() => seen.length === 2, 3000, 'the event after the stall');
    stream.close();

    expect(seen).toEqual([{ n: 1 }, { n: 2, resumedAfter: '1' }]);
    expect(log.errors[0]).toMatchObject({ code: 'TIMEOUT', phase: 'heartbeat', timeout: 200 });
    expect(timedOutAt - firstAt).toBeGreaterThanOrEqual(200 - SLACK);
    expect(timedOutAt - firstAt).toBeLessThan(1000);
    expect(log.states).toEqual(['connecting', 'open', 'retrying', 'connecting', 'open', 'closed']);
  });

  it('comments arriving faster than heartbeatTimeout keep the stream open indefinitely', async () => {
    server = await startTimedServer((_req, res) => {
      sseHead(res);
      trickle(res, Array.from({ length: 20 }, () => ': ping\n'), 50);
    });
    const { log, options } = recorder();
    const stream = createEventStream(server.url, { ...options, heartbeatTimeout: 200 });
    await sleep(900); // 4.5 heartbeat periods
    expect(log.errors).toEqual([]);
    expect(server.requests.length).toBe(1);
    expect(stream.state).toBe('open');
    stream.close();
  });

  it('the bytes of a slowly arriving event count as activity too', async () => {
    server = await startTimedServer((_req, res) => {
      sseHead(res);
      trickle(res, [...'data: {"n":1}\n\n'], 50); // 16 bytes over 800 ms
    });
    const { log, options } = recorder();
    const seen: unknown[] = [];
    const stream = createEventStream(server.url, { ...options, heartbeatTimeout: 200 });
    stream.on('message', (data) => seen.push(data));
    await waitFor(() => seen.length === 1, 3000, 'the slow event');
    stream.close();
    expect(seen).toEqual([{ n: 1 }]);
    expect(log.errors).toEqual([]);
    expect(server.requests.length).toBe(1);
  });
});
