import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTick } from 'node:timers/promises';
import { type TestServer, sseHead, startServer } from './http-server.js';
import { type Rng, seededRng } from './rng.js';

/** What the chaos server does with one connection, after resuming from its Last-Event-ID. */
export type Fault =
  /** Serve some events, then destroy the socket at a random byte (mid-line, mid-UTF-8 character). */
  | 'cut'
  /** Serve some events (maybe half of the next one), then stop writing and keep the socket open. */
  | 'stall'
  /** Serve some events, then end the response cleanly (a GET client reconnects). */
  | 'end'
  /** 503 with `Retry-After: 0` or none. */
  | 'status503'
  | 'status500'
  /** Accept the request and never answer: the client's connectTimeout must fire. */
  | 'hang'
  /** Drop the connection in the middle of the response head. */
  | 'cutHead';

export interface ChaosOptions {
  seed: number;
  /** Events 1..events are served; a client resuming past the last one gets 204. */
  events: number;
  /** Most events one connection writes before its fault strikes. @defaultValue 400 */
  maxBatch?: number;
  /** Relative weight of each fault. */
  faults?: Partial<Record<Fault, number>>;
  /** Probability that a connection writes in random 1–64 byte fragments, a macrotask apart. @defaultValue 0.35 */
  fragment?: number;
}

/** What the server did, for the report and for assertions. */
export interface ChaosStats {
  connections: number;
  bytes: number;
  cuts: number;
  /** Cuts that split a UTF-8 character. */
  midCharCuts: number;
  /** Cuts that left a line without its terminator. */
  midLineCuts: number;
  stalls: number;
  ends: number;
  status503: number;
  status500: number;
  hangs: number;
  headCuts: number;
  noContent: number;
  /** Connections written in 1–64 byte fragments. */
  fragmented: number;
}

/** One connection as the server saw it; times from `performance.now()`. */
export interface ChaosConnection {
  fault: Fault | 'no-content';
  /** The event number the client resumed after (0: no Last-Event-ID). */
  from: number;
  /** The Last-Event-ID header decoded from its UTF-8 bytes, if any. */
  lastEventId: string | undefined;
  arrived: number;
  closed?: number;
}

export interface ChaosServer extends TestServer {
  stats: ChaosStats;
  connections: ChaosConnection[];
}

const FAULTS: Record<Fault, number> = { cut: 40, stall: 5, end: 20, status503: 12, status500: 8, hang: 5, cutHead: 3 };
const EOLS = ['\n', '\n', '\n', '\r\n', '\r'] as const;
const TEXTS = ['', 'é€😀', 'plain', 'x'.repeat(300), 'a€b😀c'.repeat(20), '"quoted" \\ back'];

/** The id of event `n`: mostly digits, every 7th with non-ASCII characters after the number. */
export function chaosId(n: number): string {
  return n % 14 === 0 ? `${n}😀` : n % 7 === 0 ? `${n}é€` : String(n);
}

/** The type of event `n` (`message` has no `event:` line on the wire). */
export function chaosType(n: number): 'tick' | 'message' {
  return n % 3 === 0 ? 'message' : 'tick';
}

/** The JSON value event `n` carries. */
export function chaosData(n: number): { n: number; s: string } {
  return { n, s: TEXTS[n % TEXTS.length]! };
}

/** Event `n` on the wire with line ending `eol`; every 5th event's data spans two `data:` lines. */
export function chaosEvent(n: number, eol: string): string {
  const json = JSON.stringify(chaosData(n));
  const lines = n % 5 === 0 ? [json.slice(0, json.indexOf(',') + 1), json.slice(json.indexOf(',') + 1)] : [json];
  const comment = n % 11 === 0 ? `: keepalive ${n}${eol}` : '';
  const type = chaosType(n) === 'tick' ? `event: tick${eol}` : '';
  return `${comment}id: ${chaosId(n)}${eol}${type}${lines.map((line) => `data: ${line}${eol}`).join('')}${eol}`;
}

/**
 * The Last-Event-ID request header as the client meant it: Node exposes header bytes as Latin-1
 * characters, and the client sends the id's UTF-8 bytes, so decode them back.
 */
export function lastEventIdOf(req: IncomingMessage): string | undefined {
  const raw = rawHeader(req, 'last-event-id');
  return raw === undefined ? undefined : Buffer.from(raw, 'latin1').toString('utf8');
}

/** A request header exactly as its bytes arrived (one Latin-1 character per byte). */
export function rawHeader(req: IncomingMessage, name: string): string | undefined {
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === name) return req.rawHeaders[i + 1];
  }
  return undefined;
}

/**
 * A seeded fault-injecting SSE server. Events are numbered 1..`events`; each connection resumes after
 * the number in its Last-Event-ID, and suffers one fault chosen by the seeded generator. Line
 * endings (LF, CRLF, CR), a leading BOM and 1–64 byte fragmentation vary per connection.
 * @example
 * const chaos = await startChaosServer({ seed: 1, events: 10_000 })
 */
export async function startChaosServer(options: ChaosOptions): Promise<ChaosServer> {
  const rng = seededRng(options.seed);
  const faults = { ...FAULTS, ...options.faults };
  const maxBatch = options.maxBatch ?? 400;
  const fragment = options.fragment ?? 0.35;
  const stats: ChaosStats = {
    connections: 0,
    bytes: 0,
    cuts: 0,
    midCharCuts: 0,
    midLineCuts: 0,
    stalls: 0,
    ends: 0,
    status503: 0,
    status500: 0,
    hangs: 0,
    headCuts: 0,
    noContent: 0,
    fragmented: 0,
  };
  const connections: ChaosConnection[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    stats.connections++;
    const lastEventId = lastEventIdOf(req);
    const from = Number.parseInt(lastEventId ?? '0', 10) || 0;
    // Every choice is drawn here, synchronously in request order, so a seed replays the same run.
    const done = from >= options.events;
    const fault = done ? 'no-content' : rng.weighted(faults);
    const record: ChaosConnection = { fault, from, lastEventId, arrived: performance.now() };
    connections.push(record);
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    void closed.then(() => (record.closed = performance.now()));

    if (fault === 'no-content') {
      // After the last event: 204 tells the client to stop for good.
      stats.noContent++;
      res.writeHead(204).end();
      return;
    }
    if (fault === 'hang') {
      stats.hangs++;
      return;
    }
    if (fault === 'cutHead') {
      stats.headCuts++;
      const head = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n';
      res.socket?.write(head.slice(0, rng.int(1, head.length - 1)), () => res.socket?.destroy());
      return;
    }
    if (fault === 'status503' || fault === 'status500') {
      stats[fault]++;
      const headers: Record<string, string> = rng.chance(0.5) ? { 'retry-after': '0' } : {};
      res.writeHead(fault === 'status503' ? 503 : 500, headers).end('chaos says no');
      return;
    }

    const eol = rng.pick(EOLS);
    const last = Math.min(options.events, from + rng.int(1, maxBatch));
    let text = rng.chance(0.1) ? '\uFEFF' : '';
    for (let n = from + 1; n <= last; n++) text += chaosEvent(n, eol);
    let bytes = Buffer.from(text, 'utf8');
    if (fault === 'cut') bytes = bytes.subarray(0, cutOffset(bytes, rng, stats));
    if (fault === 'stall' && rng.chance(0.5)) {
      // Half of the next event too: the stalled stream holds a partial event.
      const next = Buffer.from(chaosEvent(last + 1, eol), 'utf8');
      bytes = Buffer.concat([bytes, next.subarray(0, rng.int(1, next.length - 1))]);
    }
    const fragmented = rng.chance(fragment);
    if (fragmented) stats.fragmented++;
    const pieces = rng.int(0, 2 ** 31 - 1); // the seed of this connection's piece sizes
    sseHead(res);
    const written = await send(res, bytes, closed, fragmented, seededRng(pieces));
    stats.bytes += written;
    if (fault === 'cut') {
      stats.cuts++;
      res.socket?.destroy();
    } else if (fault === 'stall') {
      stats.stalls++; // keep the socket open and silent until the client gives up
    } else {
      stats.ends++;
      res.end();
    }
  };

  const server = await startServer((req, res) => handle(req, res));
  return Object.assign(server, { stats, connections });
}

/** Where to cut: anywhere, or deliberately inside a multi-byte character or inside a line. */
function cutOffset(bytes: Buffer, rng: Rng, stats: ChaosStats): number {
  const style = rng.weighted({ anywhere: 2, midChar: 1, midLine: 1 });
  let offset = rng.int(0, bytes.length - 1);
  if (style !== 'anywhere') {
    // Walk forward (wrapping) to the first byte that makes the cut of the wanted kind.
    for (let i = 0; i < bytes.length; i++) {
      const at = (offset + i) % bytes.length;
      if (style === 'midChar' ? isContinuation(bytes[at]!) : at > 0 && !isEol(bytes[at - 1]!) && !isEol(bytes[at]!)) {
        offset = at;
        break;
      }
    }
  }
  if (isContinuation(bytes[offset]!)) stats.midCharCuts++;
  if (offset > 0 && !isEol(bytes[offset - 1]!)) stats.midLineCuts++;
  return offset;
}

const isContinuation = (byte: number) => (byte & 0xc0) === 0x80;
const isEol = (byte: number) => byte === 0x0a || byte === 0x0d;

/**
 * Writes `bytes` in pieces (1–64 bytes a macrotask apart when fragmented, else up to 16 KiB), each
 * flushed to the socket before the next. Stops when the client goes away. Returns the bytes written.
 */
async function send(res: ServerResponse, bytes: Buffer, closed: Promise<void>, fragmented: boolean, rng: Rng) {
  let gone = false;
  void closed.then(() => (gone = true));
  let at = 0;
  while (at < bytes.length && !gone) {
    const piece = bytes.subarray(at, at + (fragmented ? rng.int(1, 64) : rng.int(1, 16_384)));
    at += piece.length;
    // A write after the socket is destroyed never calls back: race it with the close.
    await Promise.race([new Promise((resolve) => res.write(piece, resolve)), closed]);
    if (fragmented) await nextTick();
  }
  return at;
}

/** A {@link TestServer} that also records, per request, when it arrived and when its response closed. */
export interface TimedServer extends TestServer {
  /** `performance.now()` at each request's arrival, by request index. */
  arrived: number[];
  /** `performance.now()` when each response closed (ended, or the socket went away). */
  closed: (number | undefined)[];
}

/** {@link startServer} with arrival and close times, for asserting backoff from the server's side. */
export async function startTimedServer(
  handler: (req: IncomingMessage, res: ServerResponse, index: number) => void | Promise<void>,
): Promise<TimedServer> {
  const arrived: number[] = [];
  const closed: (number | undefined)[] = [];
  const server = await startServer((req, res, index) => {
    arrived[index] = performance.now();
    res.once('close', () => (closed[index] = performance.now()));
    return handler(req, res, index);
  });
  return Object.assign(server, { arrived, closed });
}

/** A URL on 127.0.0.1 where nothing listens: connecting is refused at once. */
export async function refusedUrl(): Promise<string> {
  const server = await startServer(() => {});
  await server.close();
  return server.url;
}
