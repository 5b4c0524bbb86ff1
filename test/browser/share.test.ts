// sse-kit/share in real Chromium: tabs of one browser context open the same stream against a
// node:http server that counts upstream connections and logs each Last-Event-ID. One tab holds
// the connection; closing, freezing, hanging or crashing it hands it to another with no gap and
// no duplicate in any tab. The page is test/browser/share-page.ts, bundled by esbuild from dist.
import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { type ChromiumSession, launchChromium, startExpressServer } from '../helpers/chromium.js';
import { startServer, sseHead, type TestServer } from '../helpers/http-server.js';

const dist = (file: string) => fileURLToPath(new URL(`../../dist/${file}`, import.meta.url));

interface Upstream {
  /** The stream's URL without the id parameter. */
  stream: string;
  lastEventId: string;
  openedAt: number;
  closedAt?: number;
}

let chromium: ChromiumSession;
let server: TestServer;
let bundle: string;
let hooksBundle: string;
const upstreams: Upstream[] = [];
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  for (const file of ['index.js', 'share.js', 'react.js']) {
    if (!existsSync(dist(file))) throw new Error(`dist/${file} is missing: run \`npm run build\``);
  }
  const bundleOf = async (page: string) => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL(page, import.meta.url))],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      // The published files, not src/: what an app bundler would pick from the package.
      alias: { 'sse-kit/share': dist('share.js'), 'sse-kit/react': dist('react.js'), 'sse-kit': dist('index.js') },
      tsconfigRaw: '{}',
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
    });
    return result.outputFiles[0]!.text;
  };
  [bundle, hooksBundle] = await Promise.all([bundleOf('./share-page.ts'), bundleOf('./share-hooks-page.ts')]);
  server = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const page = (script: string, body = '') =>
      `<!doctype html><html><body>${body}<script src="${script}"></script></body></html>`;
    const files: Record<string, [type: string, body: string]> = {
      '/': ['text/html', page('/share-page.js')],
      '/share-page.js': ['text/javascript', bundle],
      '/hooks': ['text/html', page('/share-hooks-page.js', '<div id="root"></div>')],
      '/share-hooks-page.js': ['text/javascript', hooksBundle],
    };
    const file = files[url.pathname];
    if (file) {
      res.writeHead(200, { 'content-type': `${file[0]}; charset=utf-8` });
      return void res.end(file[1]);
    }
    if (url.pathname === '/events') return ticks(res, url, req.headers['last-event-id']);
    res.writeHead(204).end();
  });
  chromium = await launchChromium();
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

/** A tick every 20 ms, numbered on from the Last-Event-ID (header or query), so a resume continues the sequence. */
function ticks(res: ServerResponse, url: URL, header: string | string[] | undefined): void {
  const lastEventId = (typeof header === 'string' ? header : '') || (url.searchParams.get('lastEventId') ?? '');
  url.searchParams.delete('lastEventId');
  const upstream: Upstream = { stream: url.pathname + url.search, lastEventId, openedAt: Date.now() };
  upstreams.push(upstream);
  sseHead(res);
  res.write('retry: 50\n\n');
  let n = Number(lastEventId) || 0;
  const timer = setInterval(() => res.write(`id: ${++n}\nevent: tick\ndata: ${n}\n\n`), 20);
  res.on('close', () => {
    clearInterval(timer);
    upstream.closedAt = Date.now();
  });
}

const live = (stream: string) => upstreams.filter((u) => u.stream === stream && u.closedAt === undefined).length;
const opened = (stream: string) => upstreams.filter((u) => u.stream === stream);

type Log = { ids: number[]; roles: { role: string; at: number }[]; errors: string[] };
interface ShareWindow {
  shareTest: {
    log: Log;
    start(url: string, options?: object, transport?: string): void;
    role(): string | undefined;
    state(): string | undefined;
    close(): void;
    block(ms: number): void;
  };
}

async function newContext(initScript?: string): Promise<BrowserContext> {
  const context = await chromium.browser.newContext();
  if (initScript) await context.addInitScript(initScript);
  contexts.push(context);
  return context;
}

/** A new tab in `context` that opens `stream` shared. */
async function openTab(context: BrowserContext, stream: string, options: object = {}, transport = 'auto'): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => chromium.errors.push(`uncaught ${error.stack ?? error.message}`));
  await page.goto(`${server.url}/`);
  await page.evaluate(([url, o, t]) => (window as unknown as ShareWindow).shareTest.start(url, o, t), [`${server.url}${stream}`, options, transport] as const);
  return page;
}

const logOf = (page: Page) => page.evaluate(() => (window as unknown as ShareWindow).shareTest.log);
const roleOf = (page: Page) => page.evaluate(() => (window as unknown as ShareWindow).shareTest.role());
const rolesOf = (pages: Page[]) => Promise.all(pages.map(roleOf));

/** Waits until every tab has received at least `count` more ticks than it had. */
async function moreTicks(pages: Page[], count: number): Promise<void> {
  const before = await Promise.all(pages.map(async (page) => (await logOf(page)).ids.length));
  await Promise.all(
    pages.map((page, i) =>
      page.waitForFunction((n) => (window as unknown as ShareWindow).shareTest.log.ids.length >= n, before[i]! + count, { timeout: 10_000 }),
    ),
  );
}

/** Gaps and duplicates in a tab's ids: each must be the previous one plus one (what is around each goes to the log). */
function flaws(ids: number[]): { gaps: number; duplicates: number } {
  let gaps = 0;
  let duplicates = 0;
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] === ids[i - 1]! + 1) continue;
    if (ids[i]! <= ids[i - 1]!) duplicates++;
    else gaps++;
    console.info(`[share] flaw at ${i}: ${ids.slice(Math.max(0, i - 3), i + 3).join(' ')}`);
  }
  return { gaps, duplicates };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeout = 10_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const leaderOf = async (pages: Page[]) => pages[(await rolesOf(pages)).indexOf('leader')]!;

test('3 and then 10 tabs hold one upstream connection; every tab gets every tick in order', async () => {
  const stream = '/events?case=fan-out';
  const context = await newContext();
  const pages = [await openTab(context, stream)];
  await moreTicks(pages, 5);
  expect(await rolesOf(pages)).toEqual(['leader']);
  const counts = [opened(stream).length];
  for (let i = 0; i < 2; i++) pages.push(await openTab(context, stream));
  await moreTicks(pages, 10);
  counts.push(opened(stream).length);
  expect(live(stream)).toBe(1);
  expect((await rolesOf(pages)).sort()).toEqual(['follower', 'follower', 'leader']);
  for (let i = 0; i < 7; i++) pages.push(await openTab(context, stream));
  await moreTicks(pages, 10);
  counts.push(opened(stream).length);
  console.info(`[share] upstream connections for 1, 3 and 10 tabs: ${counts.join(', ')}`);
  expect(counts).toEqual([1, 1, 1]);
  for (const page of pages) expect(flaws((await logOf(page)).ids)).toEqual({ gaps: 0, duplicates: 0 });
  // Closing a follower's stream closes nothing else: the leader keeps its one connection.
  const follower = pages[(await rolesOf(pages)).indexOf('follower')]!;
  await follower.evaluate(() => (window as unknown as ShareWindow).shareTest.close());
  const rest = pages.filter((page) => page !== follower);
  await moreTicks(rest, 5);
  expect(await follower.evaluate(() => (window as unknown as ShareWindow).shareTest.state())).toBe('closed');
  expect([live(stream), opened(stream).length]).toEqual([1, 1]);
});

for (const transport of ['auto', 'fetch'] as const) {
test(`20 forced handovers (the leader tab closes), transport ${transport}: a new leader resumes at once, no gap and no duplicate in any tab`, async () => {
  const stream = `/events?case=handover-${transport}`;
  const context = await newContext();
  const pages = [await openTab(context, stream, {}, transport), await openTab(context, stream, {}, transport), await openTab(context, stream, {}, transport)];
  await moreTicks(pages, 5);
  const logs: Log[] = [];
  const handovers: number[] = [];
  for (let round = 0; round < 20; round++) {
    const leader = await leaderOf(pages);
    pages.splice(pages.indexOf(leader), 1);
    logs.push(await logOf(leader));
    const before = opened(stream).length;
    const closedAt = Date.now();
    await leader.close();
    await waitFor(() => opened(stream).length > before);
    handovers.push(opened(stream).at(-1)!.openedAt - closedAt);
    pages.push(await openTab(context, stream, {}, transport));
    await moreTicks(pages, 3);
  }
  for (const page of pages) logs.push(await logOf(page));
  const total = logs.map((log) => flaws(log.ids)).reduce((a, b) => ({ gaps: a.gaps + b.gaps, duplicates: a.duplicates + b.duplicates }));
  handovers.sort((a, b) => a - b);
  console.info(
    `[share] ${transport}: 20 handovers: median ${handovers[10]} ms, max ${handovers.at(-1)} ms; gaps ${total.gaps}, duplicates ${total.duplicates}; ` +
      `upstream connections ${opened(stream).length}, resumed with ${opened(stream)
        .slice(1)
        .every((u) => Number(u.lastEventId) > 0)}`,
  );
  expect(total).toEqual({ gaps: 0, duplicates: 0 });
  expect(opened(stream)).toHaveLength(21);
  // Each new leader resumed from the newest id: the server never restarted the sequence.
  expect(opened(stream).slice(1).every((u) => Number(u.lastEventId) > 0)).toBe(true);
  expect(handovers.at(-1)).toBeLessThan(2000);
  await waitFor(() => live(stream) === 1);
});
}

/** Three tabs of one context on `stream`, ticking; and which of them leads. */
async function threeTabs(stream: string, options: object = {}): Promise<{ context: BrowserContext; pages: Page[]; leader: Page; others: Page[] }> {
  const context = await newContext();
  const pages = [await openTab(context, stream, options), await openTab(context, stream, options), await openTab(context, stream, options)];
  await moreTicks(pages, 5);
  const leader = await leaderOf(pages);
  return { context, pages, leader, others: pages.filter((page) => page !== leader) };
}

async function expectNoFlaws(pages: Page[]): Promise<void> {
  for (const page of pages) expect(flaws((await logOf(page)).ids)).toEqual({ gaps: 0, duplicates: 0 });
}

// CDP Page.setWebLifecycleState('frozen') does not freeze a visible page in headless Chromium 156
// (timers and message handlers keep running, no freeze event), and headless pages are never
// hidden. So a freeze is played in two parts: the Page Lifecycle events a freezing page gets
// (here), and a main thread that runs nothing at all (the next test, the harder case).
test('a leader whose page freezes hands over at once; resumed, it follows with no duplicate', async () => {
  const stream = '/events?case=freeze';
  const { pages, leader, others } = await threeTabs(stream);
  const before = opened(stream).length;
  const frozenAt = Date.now();
  await leader.evaluate(() => document.dispatchEvent(new Event('freeze')));
  await waitFor(() => opened(stream).length > before);
  console.info(`[share] freezing leader replaced after ${opened(stream).at(-1)!.openedAt - frozenAt} ms`);
  expect(await roleOf(leader)).toBe('follower');
  await moreTicks(others, 10);
  expect((await rolesOf(others)).sort()).toEqual(['follower', 'leader']);
  await leader.evaluate(() => document.dispatchEvent(new Event('resume')));
  await moreTicks(pages, 10);
  expect(await roleOf(leader)).toBe('follower');
  await expectNoFlaws(pages);
  await waitFor(() => live(stream) === 1);
});

test('a leader whose main thread hangs is replaced when it stops answering pings; woken, it steps down with no duplicate', async () => {
  const stream = '/events?case=hang';
  const { pages, leader, others } = await threeTabs(stream, { pingInterval: 200, takeoverAfter: 1000 });
  const before = opened(stream).length;
  const hungAt = Date.now();
  // Nothing runs in the hung tab: no message handler (no pong), no lock callback, no freeze event.
  const hung = leader.evaluate(() => (window as unknown as ShareWindow).shareTest.block(3000));
  await waitFor(() => opened(stream).length > before);
  const takeover = opened(stream).at(-1)!.openedAt - hungAt;
  console.info(`[share] hung leader replaced after ${takeover} ms (takeoverAfter 1000, ping 200)`);
  expect(takeover).toBeGreaterThanOrEqual(1000);
  expect(takeover).toBeLessThan(3000);
  await hung;
  await moreTicks(pages, 10);
  expect(await roleOf(leader)).toBe('follower');
  expect((await rolesOf(others)).sort()).toEqual(['follower', 'leader']);
  await expectNoFlaws(pages);
  await waitFor(() => live(stream) === 1);
});

test('a crashed leader tab is replaced, no gap and no duplicate in the others', async () => {
  const stream = '/events?case=crash';
  const { context, leader, others } = await threeTabs(stream);
  const before = opened(stream).length;
  const cdp = await context.newCDPSession(leader);
  const crashedAt = Date.now();
  cdp.send('Page.crash').catch(() => {}); // never answers: the renderer is gone
  await waitFor(() => opened(stream).length > before);
  console.info(`[share] crashed leader replaced after ${opened(stream).at(-1)!.openedAt - crashedAt} ms`);
  await moreTicks(others, 10);
  expect((await rolesOf(others)).sort()).toEqual(['follower', 'leader']);
  await expectNoFlaws(others);
  await waitFor(() => live(stream) === 1);
});

for (const [missing, script] of [
  ['Web Locks', 'delete Navigator.prototype.locks'],
  ['BroadcastChannel', 'delete globalThis.BroadcastChannel'],
] as const) {
  test(`without ${missing} every tab connects by itself (solo) and still gets every tick`, async () => {
    const stream = `/events?case=solo-${missing.replace(' ', '')}`;
    const context = await newContext(script);
    const pages = [await openTab(context, stream), await openTab(context, stream)];
    await moreTicks(pages, 10);
    expect(await rolesOf(pages)).toEqual(['solo', 'solo']);
    expect(live(stream)).toBe(2);
    await expectNoFlaws(pages);
  });
}

test('two browser contexts never share, nor do two keys in one context', async () => {
  const stream = '/events?case=apart';
  const [a, b] = [await newContext(), await newContext()];
  const pages = [await openTab(a, stream), await openTab(b, stream), await openTab(a, stream, { key: 'one' }), await openTab(a, stream, { key: 'two' })];
  await moreTicks(pages, 5);
  expect(await rolesOf(pages)).toEqual(['leader', 'leader', 'leader', 'leader']);
  expect(live(stream)).toBe(4);
});

test('useEventStream with share: two React tabs, one upstream connection, every tick in both', async () => {
  const stream = '/events?case=react';
  const context = await newContext();
  const pages: Page[] = [];
  for (let i = 0; i < 2; i++) {
    const page = await context.newPage();
    await page.goto(`${server.url}/hooks?stream=${encodeURIComponent(stream)}`);
    pages.push(page);
  }
  const ticks = async (page: Page) => ((await page.textContent('#ticks')) ?? '').split(' ').filter(Boolean).map(Number);
  for (const page of pages) {
    await page.waitForFunction(() => (document.getElementById('ticks')?.textContent ?? '').split(' ').length >= 20, undefined, { timeout: 10_000 });
  }
  expect(opened(stream)).toHaveLength(1);
  for (const page of pages) expect(flaws(await ticks(page))).toEqual({ gaps: 0, duplicates: 0 });
});

test('the dashboard (npm start): more tabs add no connection on the server; one tab leads, closing it hands over', async () => {
  const express = await startExpressServer({ METRICS_MS: '100' });
  try {
    const context = await newContext();
    type Dashboard = { dashboard: { metrics: { received: number; missing: number; duplicates: number }; connection: { role: string } } };
    const dashboard = (page: Page) => page.evaluate(() => (window as unknown as Dashboard).dashboard);
    const users = async (page: Page) => Number(await page.textContent('#users'));
    const open = async () => {
      const page = await context.newPage();
      await page.goto(`${express.url}/`);
      await page.waitForFunction(() => (window as unknown as Dashboard).dashboard?.metrics.received >= 3, undefined, { timeout: 10_000 });
      return page;
    };
    const pages = [await open()];
    // Wait for a sample taken after both streams of the first tab (/metrics and /events) opened.
    await waitFor(async () => (await users(pages[0]!)) === 2);
    pages.push(await open(), await open());
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await Promise.all(pages.map(users))).toEqual([2, 2, 2]);
    const roles = await Promise.all(pages.map(async (page) => (await dashboard(page)).connection.role));
    expect(roles.sort()).toEqual(['follower', 'follower', 'leader']);
    const leader = pages[roles.indexOf('leader')]!;
    pages.splice(pages.indexOf(leader), 1);
    await leader.close();
    await waitFor(async () => (await Promise.all(pages.map(async (page) => (await dashboard(page)).connection.role))).includes('leader'));
    const before = await Promise.all(pages.map(async (page) => (await dashboard(page)).metrics.received));
    await waitFor(async () => (await Promise.all(pages.map(dashboard))).every((d, i) => d.metrics.received >= before[i]! + 5));
    for (const page of pages) expect(await dashboard(page)).toMatchObject({ metrics: { missing: 0, duplicates: 0 } });
  } finally {
    await express.stop();
  }
});
