import { createServer, get, type IncomingMessage, request } from 'node:http';
import { createEventStream, type EventStream } from 'sse-kit';
import { waitFor } from './recorder.js';

/**
 * Wire-level helpers for the sse-kit/server suites: a raw SSE reader that can stop reading (a
 * slow client), a parser for what it got, and a sse-kit client that records numbered events.
 */

/** One parsed SSE block. */
export interface WireEvent {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
}

/** Complete blocks of `text` (an unfinished last block is left out); comments are counted. */
export function parseSse(text: string): { blocks: WireEvent[]; comments: number } {
  const blocks: WireEvent[] = [];
  let comments = 0;
  const complete = text.slice(0, text.lastIndexOf('\n\n') + 2);
  for (const raw of complete.split('\n\n')) {
    if (!raw) continue;
    const block: WireEvent = {};
    for (const line of raw.split('\n')) {
      if (line.startsWith(':')) comments++;
      const at = line.indexOf(': ');
      if (at > 0) block[line.slice(0, at) as keyof WireEvent] = line.slice(at + 2);
    }
    if (Object.keys(block).length > 0) blocks.push(block);
  }
  return { blocks, comments };
}

/** A raw GET that records the body; `pause()` stops reading from the socket (a client that stalls). */
export interface RawStream {
  response: IncomingMessage;
  text(): string;
  /** Resolves when the response is over (ended or cut). */
  closed: Promise<void>;
  pause(): void;
  resume(): void;
  destroy(): void;
}

export function openRaw(url: string, headers: Record<string, string> = {}): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      const closed = new Promise<void>((done) => {
        response.on('close', done);
        response.on('error', () => done());
      });
      resolve({
        response,
        text: () => text,
        closed,
        pause: () => response.pause(),
        resume: () => response.resume(),
        destroy: () => request.destroy(),
      });
    });
    request.on('error', reject);
  });
}

/** Waits until the raw stream's text satisfies `predicate`. */
export function until(stream: RawStream, predicate: (text: string) => boolean, what: string, timeout = 5000) {
  return waitFor(() => predicate(stream.text()), timeout, `${what}; got ${JSON.stringify(stream.text().slice(-300))}`);
}

export type Numbered = { tick: { n: number; pad?: string }; reset: { topic: string } };

/** A sse-kit client (fetch transport, fast reconnects) that records every tick's n and id. */
export function numberedClient(url: string, lastEventId?: string) {
  const got: { n: number; id: string }[] = [];
  const resets: string[] = [];
  const stream: EventStream<Numbered> = createEventStream<Numbered>(url, {
    transport: 'fetch',
    retry: { initialDelay: 5, maxDelay: 50, jitter: 'none' },
    heartbeatTimeout: 0,
    connectTimeout: 10_000,
    lastEventIdParam: false,
    ...(lastEventId ? { lastEventId } : {}),
  });
  stream.on('tick', (tick, event) => void got.push({ n: tick.n, id: event.id }));
  stream.on('reset', (_data, event) => void resets.push(event.id));
  return { stream, got, resets };
}

/**
 * What a lossless, duplicate-free, ordered delivery of 1..count looks like, checked on the
 * numbers (each exactly once) and the ids (strictly increasing by `compare`).
 */
export function deliveryReport(got: { n: number; id: string }[], count: number, compare: (a: string, b: string) => number) {
  const seen = new Set<number>();
  let duplicated = 0;
  let outOfOrder = 0;
  for (let i = 0; i < got.length; i++) {
    const entry = got[i] as { n: number; id: string };
    if (seen.has(entry.n)) duplicated++;
    seen.add(entry.n);
    if (i > 0 && compare((got[i - 1] as { id: string }).id, entry.id) >= 0) outOfOrder++;
  }
  let lost = 0;
  for (let n = 1; n <= count; n++) if (!seen.has(n)) lost++;
  return { received: got.length, lost, duplicated, outOfOrder };
}

/**
 * A client that stops reading while events keep coming: the hub must cut it once its buffer
 * passes the bound, and the client, resuming from the last complete event it got, must end up
 * with every event once and in order.
 */
export async function slowClientScenario(options: {
  url: string;
  evicted: () => number;
  publish: (n: number, pad: string) => Promise<unknown>;
  compare: (a: string, b: string) => number;
}) {
  const { url, evicted, publish, compare } = options;
  const raw = await openRaw(url);
  await until(raw, (text) => text.includes('retry:'), 'the stream start');
  raw.pause();
  const pad = 'x'.repeat(2048);
  let n = 0;
  // Kernel socket buffers take a few MB on loopback before the hub's own buffer grows.
  while (evicted() === 0) {
    if (n > 50_000) throw new Error(`no eviction after ${n} events of 2 KiB`);
    await Promise.all(Array.from({ length: 100 }, () => publish(++n, pad)));
    // Let the sockets and the hub's buffer check run between batches, as between requests.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const evictedAt = n;
  for (let i = 0; i < 20; i++) await publish(++n, pad);
  raw.resume();
  await raw.closed;
  const before = parseSse(raw.text())
    .blocks.filter((block) => block.event === 'tick')
    .map((block) => ({ n: (JSON.parse(block.data ?? '{}') as { n: number }).n, id: block.id ?? '' }));
  const client = numberedClient(url, before.at(-1)?.id);
  try {
    await waitFor(() => client.got.some((tick) => tick.n === n), 20_000, `event ${n} after the resume`);
  } finally {
    client.stream.close();
  }
  return {
    published: n,
    evictedAt,
    receivedBeforeEviction: before.length,
    resets: client.resets.length,
    report: deliveryReport([...before, ...client.got], n, compare),
  };
}

/** A round-robin HTTP proxy in front of hub instances that cuts each stream after a few events. */
export interface CuttingProxy {
  url: string;
  /** Requests forwarded to each target. */
  served: number[];
  /** Streams cut so far. */
  cuts: number;
  close(): Promise<void>;
}

/**
 * Starts the proxy on 127.0.0.1: request i goes to `targets[i % targets.length]`; a response is
 * cut inside an event (the client gets a half event, then a network error) once `cutEvery`
 * events passed.
 */
export async function startCuttingProxy(targets: string[], cutEvery: number): Promise<CuttingProxy> {
  const sockets = new Set<import('node:net').Socket>();
  let next = 0;
  const proxy: CuttingProxy = { url: '', served: targets.map(() => 0), cuts: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const index = next++ % targets.length;
    proxy.served[index] = (proxy.served[index] ?? 0) + 1;
    const upstream = request(`${targets[index]}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      let events = 0;
      let cut = false;
      answer.on('data', (chunk: Buffer) => {
        if (cut) return;
        events += chunk.toString('latin1').match(/(?:^|\n)id: /g)?.length ?? 0;
        if (events < cutEvery) {
          res.write(chunk);
          return;
        }
        // Cut inside the last event (its blank line never arrives), once the rest reached the client.
        cut = true;
        proxy.cuts++;
        answer.destroy();
        res.write(chunk.subarray(0, chunk.length - 3), () => res.destroy());
      });
      answer.on('end', () => res.end());
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
