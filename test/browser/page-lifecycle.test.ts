// Issue 11, page lifecycle in real Chromium: a frozen tab, the back/forward cache and a reload, for sse-kit's two
// transports (native via `auto`, and fetch) beside the browser's own EventSource. Chromium is
// started by us and attached over CDP (chromium-cdp.ts): Playwright's launch() keeps pages from
// ever freezing. The server publishes an event every 50 ms and resumes from the Last-Event-ID header.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { type CdpChromium, launchChromiumOverCdp } from '../helpers/chromium-cdp.js';
import { type LiveFeed, liveFeed, type ParityServer, startParityServer } from '../helpers/parity-server.js';
import { type ClientLog, type ClientSpec, type PersistedEntry, persistPageEvents, readPersisted, startClients } from './parity-clients.js';
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

/** A persisted entry in short: `kind`, `=state`, `(code: cause)`. */
const show = (e: PersistedEntry) =>
  `${e.kind}${e.state ? `=${e.state}` : ''}${e.code ? `(${e.code}${e.cause ? `: ${e.cause}` : ''})` : ''}`;

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
  const before = server.wire.length;
  const run = await startClients(page, { path: '/live', clients: CLIENTS, count: 0, timeoutMs: 7000 });
  await sleep(1000);
  await chromium.setLifecycle(page, 'frozen');
  const frozen = Date.now();
  await sleep(5000);
  const head = live.head();
  const active = Date.now();
  await chromium.setLifecycle(page, 'active');
  const logs = await run.byName();
  // The page really froze: it was told (freeze, resume) and no client got an event meanwhile.
  expect((await readPersisted(page)).map((e) => e.kind)).toEqual(['visibilitychange', 'freeze', 'resume']);
  const seen = CLIENTS.map(({ name }) => {
    const log = logs[name]!;
    const { lost, duplicated } = gapsAndDuplicates(log);
    // Caught up: the client has the last event published while the page was frozen.
    const recovery = (log.events.find((e) => e.n >= head)?.t ?? Number.NaN) - active;
    record('frozen', '5 s', name, {
      recovery,
      lost: lost.length,
      duplicated: duplicated.length,
      requests: server.wire.slice(before).filter((w) => w.client === name).length,
      retries: log.retries.length,
      errors: log.errors.map((e) => e.code).join(' '),
      states: log.states.map((s) => `${s.state}@${s.t - active}`).join(' '),
    });
    return { name, log, lost, duplicated, recovery };
  });
  for (const { name, log, lost, duplicated, recovery } of seen) {
    expect(log.events.filter((e) => e.t > frozen + 100 && e.t < active).map((e) => e.n), name).toEqual([]);
    expect(log.events.length, name).toBeGreaterThan(10);
    expect({ lost, duplicated }, name).toEqual({ lost: [], duplicated: [] });
    expect(recovery, `${name} caught up ${recovery} ms after the page was resumed`).toBeLessThan(1000);
  }
});

test('back/forward cache: the restored page catches up within a second, nothing lost or duplicated', async () => {
  page = await chromium.openPage(`${server.url}/page`);
  await page.evaluate(() => {
    const w = window as unknown as { transitions: string[] };
    w.transitions = [];
    for (const type of ['pagehide', 'pageshow']) addEventListener(type, (e) => w.transitions.push(`${type} persisted=${(e as PageTransitionEvent).persisted}`));
  });
  const before = server.wire.length;
  const run = await startClients(page, { path: '/live', clients: CLIENTS, count: 0, timeoutMs: 4000 });
  await sleep(1000);
  await page.goto(`${server.url}/page?elsewhere`);
  await sleep(1000);
  const head = live.head();
  const back = Date.now();
  // A page restored from the cache fires no load event: wait for the commit only.
  await page.goBack({ waitUntil: 'commit' });
  const logs = await run.byName();
  expect(await page.evaluate(() => (window as unknown as { transitions: string[] }).transitions)).toEqual(['pagehide persisted=true', 'pageshow persisted=true']);
  const seen = CLIENTS.map(({ name }) => {
    const log = logs[name]!;
    const { lost, duplicated } = gapsAndDuplicates(log);
    const recovery = (log.events.find((e) => e.n >= head)?.t ?? Number.NaN) - back;
    const requests = server.wire.slice(before).filter((w) => w.client === name);
    record('bfcache', '1 s away', name, { recovery, lost: lost.length, duplicated: duplicated.length, resumedWith: requests.map((r) => r.lastEventId ?? '-').join(' ') });
    return { name, lost, duplicated, recovery };
  });
  for (const { name, lost, duplicated, recovery } of seen) {
    expect({ lost, duplicated }, name).toEqual({ lost: [], duplicated: [] });
    expect(recovery, `${name} caught up ${recovery} ms after the page came back`).toBeLessThan(1000);
  }
});

test('reload: no onError, no onRetry, no state change but the pause before the page goes away', async () => {
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
  const pagehide = log.find((e) => e.kind === 'pagehide')?.t ?? Number.NaN;
  const lifecycle = log.filter((e) => e.kind !== 'event');
  // The exact order, in ms relative to pagehide, and the requests that reached the server, for the report.
  record('reload', 'order', 'all', {
    order: lifecycle.map((e) => `${e.client}:${show(e)}@${e.t - pagehide}`).join(' '),
    requests: server.wire.slice(before).map((w) => `${w.client}@${w.t - pagehide}`).join(' '),
  });
  // Spurious: an error, a retry, or any state change after `open` but the pause on pagehide.
  const spurious = (name: string) => {
    const mine = lifecycle.filter((e) => e.client === name);
    const opened = mine.findIndex((e) => e.kind === 'state' && e.state === 'open');
    return mine.filter((e, i) => e.kind === 'error' || e.kind === 'retry' || (e.kind === 'state' && i > opened && e.state !== 'paused'));
  };
  for (const name of ['auto', 'fetch']) record('reload', 'spurious', name, { spurious: spurious(name).map(show).join(' ') });
  for (const name of ['auto', 'fetch']) expect(spurious(name), `${name}: ${JSON.stringify(lifecycle)}`).toEqual([]);
});
