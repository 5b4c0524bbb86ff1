import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createEventStream, type EventStream } from '../../src/index.js';
import { hostileHarness, send } from '../helpers/hostile.js';
import { sseHead } from '../helpers/http-server.js';
import { waitFor } from '../helpers/recorder.js';

// An app that opens and closes streams as the user navigates must not accumulate sockets,
// timers or rejected promises.
const { serve } = hostileHarness();

/** Active Node timers right now (Timeout handles). */
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('opening and closing many streams', () => {
  it('leaves no open connection, no timer and no unhandled rejection after 1,000 streams are opened and closed', async () => {
    let connections = 0;
    const server = await serve(async (req, res) => {
      connections++;
      req.socket.once('close', () => connections--);
      sseHead(res);
      await send(res, 'retry: 5000\ndata: 1\n\n');
    });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const before = timers();
    try {
      for (let batch = 0; batch < 4; batch++) {
        const streams: EventStream[] = [];
        for (let i = 0; i < 250; i++) streams.push(createEventStream(`${server.url}/e?n=${batch * 250 + i}`));
        await waitFor(() => streams.every((stream) => stream.state === 'open'), 4000, 'a batch of 250 to open');
        for (const stream of streams) stream.close();
        expect(streams.every((stream) => stream.state === 'closed')).toBe(true);
      }
      await waitFor(() => connections === 0, 4000, 'the server to see every connection closed');
      await sleep(50); // let late rejections surface
      expect(server.requests.length).toBe(1000);
      expect(connections).toBe(0);
      expect(rejections).toEqual([]);
      expect(timers() - before).toBeLessThanOrEqual(2);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('leaves no pending retry timer when streams are closed while waiting to reconnect', async () => {
    const server = await serve((_req, res) => void res.writeHead(503, { 'retry-after': '30' }).end());
    const before = timers();
    const streams = Array.from({ length: 50 }, () =>
      createEventStream(server.url, { onRetry: () => {} }),
    );
    await waitFor(() => streams.every((stream) => stream.state === 'retrying'), 4000, 'every stream to wait to retry');
    expect(timers() - before).toBeGreaterThanOrEqual(40); // the retry timers exist…
    for (const stream of streams) stream.close();
    expect(timers() - before).toBeLessThanOrEqual(2); // …and close() cleared them
    expect(server.requests.length).toBe(50);
  });
});
