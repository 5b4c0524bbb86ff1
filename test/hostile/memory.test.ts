import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { hostileHarness } from '../helpers/hostile.js';
import { sseHead } from '../helpers/http-server.js';
import { waitFor } from '../helpers/recorder.js';

// A server decides how much it sends; the client's memory must not be the server's to decide.
const { serve, open } = hostileHarness();

/** Writes `piece` until the client stops reading or `stop()` is true, counting in `count.written`. */
async function flood(res: ServerResponse, piece: string, count: { written: number }, stop: () => boolean): Promise<void> {
  while (!stop() && !res.destroyed) {
    count.written++;
    if (!res.write(piece)) {
      const drained = await Promise.race([
        new Promise<boolean>((resolve) => res.once('drain', () => resolve(true))),
        sleep(300).then(() => false),
      ]);
      if (!drained) break; // the client stopped reading: that is the point
    }
  }
}

describe('memory bounds', () => {
  it('ends an endless data line with EventTooLargeError before buffering much past maxEventSize', async () => {
    const count = { written: 0 };
    let done = false;
    const server = await serve(async (_req, res) => {
      sseHead(res);
      res.write('data: ');
      await flood(res, 'x'.repeat(64 * 1024), count, () => done || count.written > 4096);
    });
    const { log } = open(server.url, { maxEventSize: 1 << 20 });
    await waitFor(() => log.closes.length > 0, 4000, 'the stream to close');
    done = true;
    expect(count.written).toBeLessThan(4096); // closed well before the server gave up (256 MB)
    expect(log.closes[0]!.error?.code).toBe('EVENT_TOO_LARGE');
    expect(server.requests.length).toBe(1);
  });

  it('stops reading from a fast server while an async iterator is not consumed', async () => {
    const count = { written: 0 };
    let done = false;
    const event = `data: "${'x'.repeat(10_000)}"\n\n`;
    const server = await serve(async (_req, res) => {
      sseHead(res);
      await flood(res, event, count, () => done);
    });
    const { stream } = open<{ message: string }>(server.url);
    const iterator = stream[Symbol.asyncIterator](); // subscribed, never advanced
    await waitFor(() => stream.state === 'open', 2000, 'the stream to open');
    await sleep(1500); // unbounded reading would take in well over 100 MB here
    done = true;
    // 1,024 queued events (the iterator's high-water mark) plus what socket buffers hold.
    const held = count.written;
    expect(held).toBeGreaterThan(1024);
    expect(held * event.length).toBeLessThan(60 * 2 ** 20);
    const first = await iterator.next();
    expect(first.value).toMatchObject({ type: 'message', id: '' });
  });
});
