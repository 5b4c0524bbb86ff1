import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventStream, type FetchLike, type RawEvent } from '../../src/index.js';
import { type TestServer, sseHead, startServer } from '../helpers/http-server.js';
import { waitFor } from '../helpers/recorder.js';

// Every line ending the spec allows, a BOM, a comment, retry:, multi-line data and multi-byte UTF-8.
const REFERENCE = Buffer.from(
  [
    '\uFEFF',
    'id: 1\r\nevent: tick\r\ndata: {"n":1,"s":"é€😀"}\r\n\r\n',
    ': a comment with é\n',
    'id: 2\rdata: first line\rdata: second é€\r\r',
    'retry: 1000\n',
    'id: é€\ndata: 😀 emoji\n\n',
    'event: tick\r\ndata: {"n":3}\n\r\n',
    'data:no space\r\n\n',
    'data: ends with CR only\r\r',
  ].join(''),
  'utf8',
);
const EXPECTED: RawEvent[] = [
  { type: 'tick', id: '1', data: '{"n":1,"s":"é€😀"}' },
  { type: 'message', id: '2', data: 'first line\nsecond é€' },
  { type: 'message', id: 'é€', data: '😀 emoji' },
  { type: 'tick', id: 'é€', data: '{"n":3}' },
  { type: 'message', id: 'é€', data: 'no space' },
  { type: 'message', id: 'é€', data: 'ends with CR only' },
];

/** A promise the test opens when it has looked (Node 20 has no Promise.withResolvers). */
function gate(): { passed: Promise<void>; open: () => void } {
  let open!: () => void;
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}

let server: TestServer | undefined;
afterEach(() => server?.close());

/** Writes `bytes` cut at `cuts`, each piece flushed to the socket and a few ms apart, then ends. */
async function writePieces(res: ServerResponse, bytes: Buffer, cuts: number[]): Promise<void> {
  const bounds = [0, ...cuts, bytes.length];
  for (let i = 1; i < bounds.length; i++) {
    await new Promise((resolve) => res.write(bytes.subarray(bounds[i - 1], bounds[i]), resolve));
    if (i < bounds.length - 1) await sleep(3);
  }
  res.end();
}

/** Serves REFERENCE split where `?cuts=a,b` says. */
const splitServer = () =>
  startServer(async (req, res) => {
    const cuts = new URL(req.url!, 'http://x').searchParams.get('cuts');
    sseHead(res);
    await writePieces(res, REFERENCE, cuts ? cuts.split(',').map(Number) : []);
  });

/** Reads one whole stream (no reconnect) and returns its events and how many chunks the client read. */
async function readAll(url: string): Promise<{ events: RawEvent[]; chunks: number }> {
  let chunks = 0;
  const countingFetch: FetchLike = async (input, init) => {
    const response = await fetch(input, init);
    const counted = response.body!.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, controller) => {
          chunks++;
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: response.status, headers: response.headers });
  };
  const events: RawEvent[] = [];
  const stream = createEventStream(url, { decode: 'text', reconnectOnEnd: false, fetch: countingFetch });
  const record = (_data: unknown, event: RawEvent) => void events.push({ ...event });
  stream.on('tick', record);
  stream.on('message', record);
  await waitFor(() => stream.state === 'closed', 3000, `the end of ${url}`);
  return { events, chunks };
}

/** Runs `urls` a few at a time; returns the ones whose events differ from EXPECTED, and the chunk counts. */
async function readEach(urls: string[]) {
  const wrong: { url: string; events: RawEvent[] }[] = [];
  const chunkCounts: number[] = [];
  for (let i = 0; i < urls.length; i += 4) {
    await Promise.all(
      urls.slice(i, i + 4).map(async (url) => {
        const { events, chunks } = await readAll(url);
        chunkCounts.push(chunks);
        if (JSON.stringify(events) !== JSON.stringify(EXPECTED)) wrong.push({ url, events });
      }),
    );
  }
  return { wrong, chunkCounts };
}

const offsets = Array.from({ length: REFERENCE.length - 1 }, (_, i) => i + 1);

describe('events do not depend on how the bytes are split (real socket)', () => {
  it('the unsplit reference stream gives the expected events', async () => {
    server = await splitServer();
    expect((await readAll(`${server.url}/`)).events).toEqual(EXPECTED);
  });

  it('a split at every byte offset (CRLF, CR, BOM, UTF-8 halves) gives the same events', async () => {
    server = await splitServer();
    const { wrong, chunkCounts } = await readEach(offsets.map((at) => `${server!.url}/?cuts=${at}`));
    expect(wrong).toEqual([]);
    // The test proves something only if the client really read the pieces separately.
    expect(chunkCounts.filter((n) => n >= 2).length).toBeGreaterThanOrEqual(chunkCounts.length * 0.8);
  }, 30_000);

  it('every single byte alone in its own chunk gives the same events', async () => {
    server = await splitServer();
    const urls = offsets.slice(0, -1).map((at) => `${server!.url}/?cuts=${at},${at + 1}`);
    const { wrong, chunkCounts } = await readEach(urls);
    expect(wrong).toEqual([]);
    expect(chunkCounts.filter((n) => n >= 3).length).toBeGreaterThanOrEqual(chunkCounts.length * 0.8);
  }, 30_000);

  it('the whole stream in 1-byte chunks gives the same events', async () => {
    server = await splitServer();
    const { wrong, chunkCounts } = await readEach([`${server.url}/?cuts=${offsets.join(',')}`]);
    expect(wrong).toEqual([]);
    expect(chunkCounts[0]).toBeGreaterThan(REFERENCE.length * 0.9);
  });
});

describe('CR-only line endings dispatch at once', () => {
  it('an event ending in "\\r\\r" at the end of a chunk is delivered before the server sends anything else', async () => {
    const seen: unknown[] = [];
    const looked = gate();
    server = await startServer(async (_req, res) => {
      sseHead(res);
      res.write('id: 1\rdata: {"n":1}\r\r');
      await looked.passed; // nothing more until the test has looked
      res.write('data: {"n":2}\r\r');
    });
    const stream = createEventStream(server.url, {});
    stream.on('message', (data) => seen.push(data));
    try {
      await waitFor(() => seen.length === 1, 2000, 'the CR-terminated event while the server is silent');
      expect(stream.lastEventId).toBe('1');
    } finally {
      looked.open();
    }
    await waitFor(() => seen.length === 2, 2000, 'the second event');
    stream.close();
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('"data: x\\r" then "\\r" in a later chunk: not dispatched after the first, dispatched at once after the second', async () => {
    const seen: unknown[] = [];
    const [first, second] = [gate(), gate()];
    server = await startServer(async (_req, res) => {
      sseHead(res);
      res.write('data: {"n":1}\r');
      await first.passed;
      res.write('\r');
      await second.passed; // nothing more until the test has looked
      res.write('data: {"n":2}\r\n\r\n');
    });
    const stream = createEventStream(server.url, {});
    stream.on('message', (data) => seen.push(data));
    try {
      await sleep(100);
      expect(seen).toEqual([]); // one line ended, but no blank line yet
      first.open();
      await waitFor(() => seen.length === 1, 2000, 'the event once its blank line (a lone CR) arrived');
    } finally {
      first.open();
      second.open();
    }
    await waitFor(() => seen.length === 2, 2000, 'the second event');
    stream.close();
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
