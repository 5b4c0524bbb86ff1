// Issue 11, page lifecycle in real Chromium: a frozen tab and a reload, for sse-kit's two
// transports (native via `auto`, and fetch) beside the browser's own EventSource. Chromium is
// started by us and attached over CDP (chromium-cdp.ts): Playwright's launch() keeps pages from
// ever freezing. The server publishes an event every 50 ms and resumes from the Last-Event-ID header.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { type CdpChromium, launchChromiumOverCdp } from '../helpers/chromium-cdp.js';
import { type LiveFeed, liveFeed, type ParityServer, startParityServer } from '../helpers/parity-server.js';
import { type ClientLog, type ClientSpec, persistPageEvents, readPersisted, startClients } from './parity-clients.js';
import { record } from './parity-report.js';

const CLIENTS: ClientSpec[] = [
  { name: 'eventsource', kind: 'eventsource' },
  { name: 'auto', kind: 'sse-kit', options: { transport: 'auto' } },
  { name: 'fetch', kind: 'sse-kit', options: { transport: 'fetch' } },
];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let chromium: CdpChromium;
let live: LiveFeed;
let server: ParityServer;
let page: Page | undefined;

beforeAll(async () => {
  chromium = await launchChromiumOverCdp();
  live = liveFeed(50);
  server = await startParityServer(() => ({ '/live': live.route }));
});
afterAll(async () => {
  live?.stop();
  await chromium?.close();
  await server?.close();
});
afterEach(async () => {
  await page?.close();
  page = undefined;
});

/** Event numbers that are missing between the first and last received, and those received twice. */
function gapsAndDuplicates(log: ClientLog): { lost: number[]; duplicated: number[] } {
  const ns = log.events.map((e) => e.n);
  const seen = new Set<number>();
  const duplicated = ns.filter((n) => seen.has(n) || !seen.add(n));
  const lost: number[] = [];
  for (let n = Math.min(...ns); n <= Math.max(...ns); n++) if (!seen.has(n)) lost.push(n);
  return { lost, duplicated };
}

test('frozen for 5 s: every transport catches up within a second, nothing lost or duplicated', async () => {
  page = await chromium.openPage(`${server.url}/page`);
  await readPersisted(page);
  await persistPageEvents(page);
  const run = await startClients(page, { path: '/live', clients: CLIENTS, count: 0, timeoutMs: 8000 });
  await sleep(1000);
  const frozen = Date.now();
  await chromium.setLifecycle(page, 'frozen');
  await sleep(5000);
  const head = live.head();
  const active = Date.now();
  await chromium.setLifecycle(page, 'active');
  const logs = await run.byName();
  // The page really froze: it was told (freeze, resume) and no client got an event meanwhile.
  expect((await readPersisted(page)).map((e) => e.kind)).toEqual(['visibilitychange', 'freeze', 'resume']);
  for (const spec of CLIENTS) {
    const log = logs[spec.name]!;
    const { lost, duplicated } = gapsAndDuplicates(log);
    // Caught up: the client has the last event published while the page was frozen.
    const recovery = (log.events.find((e) => e.n >= head)?.t ?? Number.NaN) - active;
    record('frozen', '5 s', spec.name, {
      recovery,
      lost: lost.length,
      duplicated: duplicated.length,
      requests: server.requests('/live', spec.name).length,
      retries: log.retries.length,
      errors: log.errors.map((e) => e.code).join(' '),
      states: log.states.map((s) => `${s.state}@${s.t - active}`).join(' '),
    });
    expect(log.events.filter((e) => e.t > frozen + 100 && e.t < active).map((e) => e.n), spec.name).toEqual([]);
    expect(log.events.length, spec.name).toBeGreaterThan(10);
    expect({ lost, duplicated }, spec.name).toEqual({ lost: [], duplicated: [] });
    expect(recovery, `${spec.name} caught up ${recovery} ms after the page was resumed`).toBeLessThan(1000);
  }
});

test('reload: no onError, no onRetry, no retrying state, no new attempt before the page goes away', async () => {
  page = await chromium.openPage(`${server.url}/page`);
  await readPersisted(page);
  await persistPageEvents(page);
  await startClients(page, { path: '/live', clients: CLIENTS, count: 0, timeoutMs: 60_000, persist: true });
  await page.waitForFunction(() => (JSON.parse(sessionStorage.getItem('parity-log') ?? '[]') as { kind: string }[]).filter((e) => e.kind === 'event').length >= 9);
  const before = server.wire.length;
  await page.reload();
  const log = await readPersisted(page);
  // What reached the server from the unloading page (the reloaded page starts no stream).
  await sleep(300);
  record('reload', 'requests', 'all', { during: server.wire.slice(before).map((w) => `${w.client}@${w.t}`).join(' ') });
  const pagehide = log.find((e) => e.kind === 'pagehide')?.t ?? Number.NaN;
  const lifecycle = log.filter((e) => e.kind !== 'event');
  // The exact order, relative to pagehide, for the report.
  record('reload', 'order', 'all', { order: lifecycle.map((e) => `${e.client}:${e.kind}${e.state ? `=${e.state}` : ''}${e.code ? `(${e.code}${e.cause ? `: ${e.cause}` : ''})` : ''}@${e.t - pagehide}`).join(' ') });
  for (const name of ['auto', 'fetch']) {
    const mine = lifecycle.filter((e) => e.client === name);
    const spurious = mine.filter((e) => e.kind === 'error' || e.kind === 'retry' || (e.kind === 'state' && e.state === 'retrying'));
    record('reload', 'spurious', name, { spurious: spurious.map((e) => `${e.kind}${e.state ? `=${e.state}` : ''}${e.code ? `(${e.code})` : ''}`).join(' ') });
    expect(spurious, `${name}: ${JSON.stringify(lifecycle)}`).toEqual([]);
    // Once open, the only change before the page goes away is the pause on pagehide: no new attempt.
    const states = mine.filter((e) => e.kind === 'state').map((e) => e.state);
    expect(states.slice(states.indexOf('open') + 1), name).toEqual(['paused']);
  }
});
