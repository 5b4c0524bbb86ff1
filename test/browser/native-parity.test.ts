// Issue 11: in the browser, createEventStream under `auto` (the native transport) must never be
// worse than a bare EventSource. Both run side by side in one real Chromium page against a
// node:http server that resumes from the Last-Event-ID header only, and the server's record of the
// wire is the judge: which ids were sent back, when each reconnection came, how many requests a
// fatal answer cost.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type ChromiumSession, launchChromium } from '../helpers/chromium.js';
import { answer, type FeedPlan, feed, type ParityServer, startParityServer, type WireRequest } from '../helpers/parity-server.js';
import { type ClientLog, runClients } from './parity-clients.js';
import { record } from './parity-report.js';

let chromium: ChromiumSession;
const servers: ParityServer[] = [];
let page: Page | undefined;

beforeAll(async () => {
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
});
afterEach(async () => {
  await page?.context().close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  page = undefined;
});

/**
 * Starts the server with `routes` and opens a page: its own (same origin as the streams), or with
 * `cross`, one from a second server (the streams allow it by CORS).
 */
async function serve(routes: Parameters<typeof startParityServer>[0], cross = false): Promise<{ server: ParityServer; page: Page }> {
  const server = await startParityServer(routes, { cors: cross });
  servers.push(server);
  const origin = cross ? await startParityServer(() => ({})) : server;
  if (cross) servers.push(origin);
  page = await chromium.openPage(`${origin.url}/page`);
  return { server, page };
}

const SIDE_BY_SIDE = [
  { name: 'eventsource', kind: 'eventsource' as const },
  { name: 'auto', kind: 'sse-kit' as const, options: { transport: 'auto' } },
];

/** `n` as the feed writes it: `prefix + n`. */
const ids = (prefix: string, ...ns: number[]) => ns.map((n) => `${prefix}${n}`);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

interface ResumeCase {
  name: string;
  plan: FeedPlan;
  /** Ids every client must receive, in order. */
  expected: string[];
  /** Last-Event-ID header of each request, as the server read it. */
  wire: (string | undefined)[];
  /** Minimum milliseconds between the drop and the reconnection. */
  minGap?: number;
}

// `retry: 250` keeps the browser's reconnection short (Chromium's default is 3 s).
const RESUME: ResumeCase[] = [
  {
    name: 'drops after ids',
    plan: { batch: 3, cuts: 2, retry: 250 },
    expected: ids('', ...range(1, 9)),
    wire: [undefined, '3', '6'],
  },
  {
    name: 'an id-only block (id: 9, no data) before the drop',
    plan: { batch: 3, cut: 'id-only', idOnly: 9, retry: 250 },
    expected: ids('', 1, 2, 3, 10, 11, 12),
    wire: [undefined, '9'],
  },
  {
    name: 'a non-ASCII id (é€7)',
    plan: { batch: 7, prefix: 'é€', retry: 250 },
    expected: ids('é€', ...range(1, 10)),
    wire: [undefined, 'é€7'],
  },
  {
    name: 'half an event at the cut',
    plan: { batch: 3, cut: 'half', retry: 250 },
    expected: ids('', ...range(1, 6)),
    wire: [undefined, '3'],
  },
  {
    name: 'retry: 1500',
    plan: { batch: 3, retry: 1500 },
    expected: ids('', ...range(1, 6)),
    wire: [undefined, '3'],
    minGap: 1400,
  },
];

/** For the report: expected ids a client did not get, ids it got twice, and what each request sent back (`?id`: in the query). */
function tally(expected: string[], log: ClientLog, wire: WireRequest[]) {
  return {
    ids: log.events.map((e) => e.id).join(' '),
    wire: wire.map((w) => w.lastEventId ?? (w.idParam ? `?${w.idParam}` : '-')).join(' '),
    lost: expected.filter((id) => !log.events.some((e) => e.id === id)).length,
    duplicated: log.events.length - new Set(log.events.map((e) => e.id)).size,
  };
}

/** Milliseconds from each drop of this client's connection to its next request. */
function reconnectGaps(server: ParityServer, path: string, client: string): number[] {
  const requests = server.requests(path, client);
  return server.drops
    .filter((d) => d.client === client && d.path === path)
    .map((d) => (requests.find((r) => r.t >= d.t)?.t ?? Number.NaN) - d.t);
}

describe('resume after a drop, side by side with the browser’s EventSource', () => {
  test.each(RESUME)('$name: no gap, no duplicate, the same Last-Event-ID on the wire', async (c) => {
    const { server, page } = await serve((drop) => ({ '/feed': feed(c.plan, drop) }));
    const logs = await runClients(page, { path: '/feed', clients: SIDE_BY_SIDE, count: c.expected.length, timeoutMs: 8000 });
    // Everything is recorded first (bench/parity.mjs reads it, for builds that fail the checks too).
    const seen = SIDE_BY_SIDE.map(({ name }) => {
      const log = logs[name]!;
      const gaps = reconnectGaps(server, '/feed', name);
      const wire = server.requests('/feed', name);
      record('resume', c.name, name, { ...tally(c.expected, log, wire), gaps: gaps.join(' ') });
      return { name, log, gaps, wire };
    });
    for (const { name, log, gaps, wire } of seen) {
      expect(log.events.map((e) => e.id), name).toEqual(c.expected);
      expect(wire.map((w) => w.lastEventId), name).toEqual(c.wire);
      // The server ignores it, but a reconnection the browser made never carries it.
      expect(wire.map((w) => w.idParam), name).toEqual(c.wire.map(() => undefined));
      if (c.minGap) for (const gap of gaps) expect(gap, `${name} reconnected ${gap} ms after the drop`).toBeGreaterThanOrEqual(c.minGap);
    }
    const auto = logs.auto!;
    expect(auto.transport).toBe('native');
    // A drop the browser recovers from is no error; the stream reports it as a retry only.
    expect(auto.errors).toEqual([]);
    expect(auto.retries.map((r) => [r.attempt, r.delay])).toEqual(c.wire.slice(1).map(() => [1, undefined]));
  });
});

// The browser's own reconnection after the drop is reset (a server restarting); the next one works.
// The browser keeps reconnecting with the header; sse-kit takes over after that first failure.
const FAILED_RECONNECT = [
  { name: 'same origin, ids on events', cross: false, plan: { batch: 3, resets: 1, retry: 250 }, expected: ids('', ...range(1, 6)), wire: [undefined, '3', '3'] },
  {
    name: 'same origin, an id-only block (id: 9)',
    cross: false,
    plan: { batch: 3, cut: 'id-only' as const, idOnly: 9, resets: 1, retry: 250 },
    expected: ids('', 1, 2, 3, 10, 11, 12),
    wire: [undefined, '9', '9'],
  },
  { name: 'cross-origin, ids on events', cross: true, plan: { batch: 3, resets: 1, retry: 250 }, expected: ids('', ...range(1, 6)), wire: [undefined, '3', '3'] },
];

describe('resume when the first reconnection fails too', () => {
  test.each(FAILED_RECONNECT)('$name: the same events and Last-Event-ID as the browser’s EventSource', async (c) => {
    const { server, page } = await serve((drop) => ({ '/feed': feed(c.plan, drop) }), c.cross);
    const path = c.cross ? `${server.url}/feed` : '/feed';
    const logs = await runClients(page, { path, clients: SIDE_BY_SIDE, count: c.expected.length, timeoutMs: 5000 });
    for (const { name } of SIDE_BY_SIDE) {
      record('failed-reconnect', c.name, name, tally(c.expected, logs[name]!, server.requests('/feed', name)));
    }
    for (const { name } of SIDE_BY_SIDE) {
      expect(logs[name]!.events.map((e) => e.id), name).toEqual(c.expected);
      expect(server.requests('/feed', name).map((w) => w.lastEventId), name).toEqual(c.wire);
    }
  });
});

test('an outage after a drop: no more requests than EventSource, and the same events once the server is back', async () => {
  // The server resets every request for 2.5 s after the drop. EventSource retries at the server's
  // `retry:` (250 ms); sse-kit must not hit the server more often, and must resume as well.
  const plan = { batch: 3, downFor: 2500, retry: 250 };
  const { server, page } = await serve((drop) => ({ '/feed': feed(plan, drop) }));
  const expected = ids('', ...range(1, 6));
  // A fixed backoff (500 ms, then 1 s, 2 s: back by 4 s at the latest) keeps the test short and its timing known.
  const clients = [SIDE_BY_SIDE[0]!, { ...SIDE_BY_SIDE[1]!, options: { transport: 'auto', retry: { initialDelay: 500, jitter: 'none' } } }];
  const logs = await runClients(page, { path: '/feed', clients, count: expected.length, timeoutMs: 6000 });
  const outage = (name: string) => {
    const drop = server.drops.find((d) => d.client === name)?.t ?? Number.NaN;
    return server.requests('/feed', name).filter((r) => r.t > drop && r.t < drop + 2500).length;
  };
  for (const { name } of SIDE_BY_SIDE) {
    record('outage', '2.5 s', name, { ...tally(expected, logs[name]!, server.requests('/feed', name)), during: outage(name) });
  }
  for (const { name } of SIDE_BY_SIDE) expect(logs[name]!.events.map((e) => e.id), name).toEqual(expected);
  expect(outage('auto')).toBeLessThanOrEqual(outage('eventsource'));
});

const FATAL = [
  { path: '/404', status: 404, type: 'text/plain', error: { name: 'HttpStatusError', code: 'HTTP_STATUS', status: 404 } },
  { path: '/410', status: 410, type: 'text/plain', error: { name: 'HttpStatusError', code: 'HTTP_STATUS', status: 410 } },
  { path: '/html', status: 200, type: 'text/html; charset=utf-8', error: { name: 'ContentTypeError', code: 'CONTENT_TYPE' } },
];

const THREE = [...SIDE_BY_SIDE, { name: 'fetch', kind: 'sse-kit' as const, options: { transport: 'fetch' } }];

describe('answers that end the stream', () => {
  test('404, 410 and text/html: one typed error, state closed, no further request', async () => {
    const { server, page } = await serve(() =>
      Object.fromEntries(FATAL.map((f) => [f.path, answer(f.status, { 'content-type': f.type }, '<h1>no stream here</h1>')])),
    );
    // Long enough for two retries at the default 1 s backoff, had there been any.
    const runs = FATAL.map((f) => runClients(page, { path: f.path, clients: THREE, count: 1, timeoutMs: 2000 }));
    const all = await Promise.all(runs);
    FATAL.forEach((f, i) => {
      for (const { name } of THREE) {
        const log = all[i]![name]!;
        const requests = server.requests(f.path, name).length;
        // EventSource has no typed error: its error events (with the readyState after each) stand for it.
        const errors = name === 'eventsource' ? log.states.filter((s) => s.state !== 'open').map((s) => `error event (${s.state})`) : log.errors.map((e) => e.code);
        record('fatal', f.path, name, { requests, errors: errors.join(' '), state: log.states.at(-1)?.state });
      }
    });
    FATAL.forEach((f, i) => {
      const logs = all[i]!;
      for (const client of ['auto', 'fetch']) {
        const log = logs[client]!;
        expect(log.errors.map(({ t, ...e }) => e), `${client} ${f.path}`).toEqual([f.error]);
        expect(log.closes.map((c) => [c.reason, c.code]), `${client} ${f.path}`).toEqual([['error', f.error.code]]);
        expect(log.states.at(-1)?.state).toBe('closed');
        expect(log.retries).toEqual([]);
        // auto: the EventSource request the browser refused, then ONE fetch that reads the status
        // (Chromium sends the same headers for both: only the count tells them apart).
        expect(server.requests(f.path, client), `${client} ${f.path}`).toHaveLength(client === 'auto' ? 2 : 1);
      }
      // The browser's EventSource: one request, one error event with readyState CLOSED.
      expect(logs.eventsource!.states.map((s) => s.state)).toEqual(['closed']);
      expect(server.requests(f.path, 'eventsource')).toHaveLength(1);
    });
  });

  test('503 with Retry-After: 1 waits a second before the next request, then streams', async () => {
    // Each client gets two 503s, then the feed.
    const busy = (drop: Parameters<typeof feed>[1]) =>
      answer(503, { 'content-type': 'text/plain', 'retry-after': '1' }, 'busy', 2, feed({ batch: 3, cuts: 0 }, drop));
    const { server, page } = await serve((drop) => ({ '/busy': busy(drop) }));
    const logs = await runClients(page, { path: '/busy', clients: THREE, count: 3, timeoutMs: 3500 });
    const spacing = (client: string) => {
      const t = server.requests('/busy', client).map((r) => r.t);
      return t.slice(1).map((x, i) => x - t[i]!);
    };
    for (const client of ['eventsource', 'auto', 'fetch']) record('503', 'Retry-After: 1', client, { spacing: spacing(client).join(' '), events: logs[client]!.events.length });
    // auto: EventSource refused (503) → one fetch at once reads 503 + Retry-After → 1 s → streams.
    const auto = spacing('auto');
    expect(auto).toHaveLength(2);
    expect(auto[0]).toBeLessThan(500);
    expect(auto[1]).toBeGreaterThanOrEqual(990);
    // fetch: 503 → 1 s → 503 → at least 1 s → streams.
    const fetched = spacing('fetch');
    expect(fetched).toHaveLength(2);
    for (const gap of fetched) expect(gap).toBeGreaterThanOrEqual(990);
    for (const client of ['auto', 'fetch']) {
      expect(logs[client]!.events.map((e) => e.id), client).toEqual(['1', '2', '3']);
      expect(logs[client]!.errors.map((e) => [e.code, e.status]), client).toEqual(client === 'auto' ? [['HTTP_STATUS', 503]] : [['HTTP_STATUS', 503], ['HTTP_STATUS', 503]]);
    }
  });
});

/** A TCP server that reads each request's first bytes, notes the time and client, and resets the socket. */
async function startResetServer() {
  const seen: { t: number; client: string }[] = [];
  const sockets = new Set<Socket>();
  const tcp: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('data', (chunk) => {
      const client = /[?&]client=([\w-]+)/.exec(chunk.toString('latin1'))?.[1] ?? '';
      seen.push({ t: Date.now(), client });
      socket.resetAndDestroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      tcp.close(() => resolve());
    });
  return { url, seen, close };
}

const spacingOf = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

/** A URL on 127.0.0.1 where nothing listens: every connection is refused. */
async function refusedUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const RETRY = { initialDelay: 200, factor: 2, jitter: 'none', maxDelay: 10_000 };
const BACKOFF = [
  { name: 'eventsource', kind: 'eventsource' as const },
  { name: 'auto', kind: 'sse-kit' as const, options: { transport: 'auto', retry: RETRY } },
  { name: 'fetch', kind: 'sse-kit' as const, options: { transport: 'fetch', retry: RETRY } },
];

/**
 * Attempts at 0, 200, 600, 1400, 3000 ms: each `gap` (between attempts, as the server or the page
 * saw them) is the delay onRetry announced, not the browser's fixed 3 s.
 */
function expectBackoff(client: string, log: ClientLog, gaps: number[]) {
  expect(log.retries.map((r) => r.delay).slice(0, 4), client).toEqual([200, 400, 800, 1600]);
  expect(gaps, client).toHaveLength(4);
  gaps.forEach((gap, i) => {
    const delay = log.retries[i]!.delay!;
    expect(gap, `${client}: attempt ${i + 2} came ${gap} ms after the previous one, onRetry said ${delay}`).toBeGreaterThanOrEqual(delay - 20);
    expect(gap, `${client}: attempt ${i + 2}`).toBeLessThan(delay + 500);
  });
}

test('a dead server: attempts spaced by the backoff policy, whether it resets or refuses connections', async () => {
  const [reset, refused] = await Promise.all([startResetServer(), refusedUrl()]);
  try {
    const { page } = await serve(() => ({}));
    const deadRun = (url: string) => runClients(page, { path: `${url}/dead`, clients: BACKOFF, count: 1, timeoutMs: 3500 });
    const [resetLogs, refusedLogs] = await Promise.all([deadRun(reset.url), deadRun(refused)]);
    // Reset: the server counts the requests. Refused: nothing to count; the page's own view gives the
    // spacing (sse-kit: its `connecting` states; EventSource: its error events, readyState CONNECTING).
    const resetGaps = (client: string) => spacingOf(reset.seen.filter((s) => s.client === client).map((s) => s.t));
    const refusedGaps = (log: ClientLog) => spacingOf(log.states.filter((s) => s.state === 'connecting').map((s) => s.t));
    for (const { name } of BACKOFF) {
      record('dead', 'reset', name, { attempts: resetGaps(name).length + 1, spacing: resetGaps(name).join(' ') });
      record('dead', 'refused', name, { attempts: refusedGaps(refusedLogs[name]!).length + 1, spacing: refusedGaps(refusedLogs[name]!).join(' ') });
    }
    for (const client of ['auto', 'fetch']) {
      expectBackoff(`${client}, reset`, resetLogs[client]!, resetGaps(client));
      expectBackoff(`${client}, refused`, refusedLogs[client]!, refusedGaps(refusedLogs[client]!));
    }
  } finally {
    await reset.close();
  }
});
