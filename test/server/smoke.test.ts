import { afterEach, describe, expect, it } from 'vitest';
import { createEventStream } from '../../src/index.js';
import { type TestServer, sseHead, startServer } from '../helpers/http-server.js';
import { recorder, waitFor } from '../helpers/recorder.js';

let server: TestServer | undefined;
afterEach(() => server?.close());

describe('fetch transport over a real socket', () => {
  it('delivers typed JSON events in order and resumes with Last-Event-ID after a drop', async () => {
    server = await startServer((req, res) => {
      sseHead(res);
      const from = Number(req.headers['last-event-id'] ?? 0);
      for (let n = from + 1; n <= from + 3; n++) res.write(`id: ${n}\nevent: tick\ndata: {"n":${n}}\n\n`);
      res.end();
    });
    const { log, options } = recorder();
    const seen: number[] = [];
    const stream = createEventStream<{ tick: { n: number } }>(`${server.url}/events`, {
      ...options,
      retry: { initialDelay: 5, jitter: 'none' },
    });
    stream.on('tick', (tick) => seen.push(tick.n));
    await waitFor(() => seen.length >= 9);
    stream.close();
    expect(seen.slice(0, 9)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(server.requests[1]?.headers['last-event-id']).toBe('3');
    expect(log.states.slice(0, 4)).toEqual(['connecting', 'open', 'retrying', 'connecting']);
    expect(stream.state).toBe('closed');
  });
});
