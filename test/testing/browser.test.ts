// sse-kit/testing in real Chromium: the built ESM files (dist/testing.js, dist/index.js) loaded
// by a page through an import map, as a bundler-less page or a browser test runner would, and the
// browser's own EventSource against a node:http mock server (cross-origin, CORS by the kit).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Listening, mockServer } from 'sse-kit/testing';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type ChromiumSession, launchChromium } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
// The page is an app's test page: plain ESM with bare specifiers resolved by the import map. Its
// scenarios are on `window` for page.evaluate (whose source vitest would rewrite if written here).
const PAGE = `<!doctype html><meta charset="utf-8"><title>sse-kit/testing</title>
<script type="importmap">{ "imports": { "sse-kit": "/dist/index.js", "sse-kit/testing": "/dist/testing.js" } }</script>
<script type="module">
import { createEventStream } from 'sse-kit';
import { mockServer } from 'sse-kit/testing';

// Ticks through on(): the native transport only subscribes to the types an app listens to.
const collect = (stream, count) =>
  new Promise((resolve) => {
    const seen = [];
    stream.on('tick', (tick, event) => {
      if (seen.push([tick.n, event.id]) < count) return;
      stream.close();
      resolve(seen);
    });
  });

// A script that drops mid-event, in the page. Chromium has EventSource, so a plain GET would take
// the native transport: hand the kit's EventSource class over along with its fetch.
window.dropAndResume = async (transport) => {
  const server = mockServer((s, { attempt }) => {
    if (attempt === 1) s.retry(10).event('tick', { n: 1 }, { id: 1 }).raw('id: 2\\ndata: {"n"').drop();
    else s.event('tick', { n: 2 }, { id: 2 }).hang();
  });
  const stream = createEventStream('/events', { transport, fetch: server.fetch, EventSource: server.EventSource, retry: { initialDelay: 1 } });
  const events = await collect(stream, 2);
  return { events, connections: server.connections.map((c) => [c.url, c.lastEventId ?? null]), transport: stream.transport };
};

// The browser's own EventSource (sse-kit's native transport) against a server outside the page.
window.nativeAgainst = async (url) => {
  const stream = createEventStream(url, { retry: { initialDelay: 20 } });
  return [stream.transport, ...(await collect(stream, 2))];
};
window.ready = true;
</script>`;

vi.setConfig({ testTimeout: 30_000 });
let chromium: ChromiumSession;
let origin: TestServer;

beforeAll(async () => {
  if (!existsSync(`${DIST}testing.js`)) throw new Error('dist/testing.js is missing: run `npm run build`');
  origin = await startServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = /^\/dist\/(index|testing)\.js$/.exec(path)?.[1];
    if (file) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      return void res.end(readFileSync(`${DIST}${file}.js`));
    }
    res.writeHead(path === '/' ? 200 : 204, { 'content-type': 'text/html; charset=utf-8' }).end(path === '/' ? PAGE : undefined);
  });
  chromium = await launchChromium();
});

declare global {
  interface Window {
    ready: boolean;
    dropAndResume(transport: string): Promise<{ events: unknown[]; connections: unknown[]; transport: string }>;
    nativeAgainst(url: string): Promise<unknown[]>;
  }
}

/** A page of the test origin, once its module has loaded. */
async function openTestPage() {
  const page = await chromium.openPage(`${origin.url}/`);
  await page.waitForFunction(() => window.ready === true, undefined, { timeout: 5000 }).catch(() => {
    throw new Error(`the test page did not load: ${chromium.errors.join('\n')}`);
  });
  return page;
}

afterAll(async () => {
  await chromium?.close();
  await origin?.close();
});

it.each(['fetch', 'native'])('runs in a page: a script drops mid-event and the %s transport resumes without a gap', async (transport) => {
  const page = await openTestPage();
  const result = await page.evaluate((name) => window.dropAndResume(name), transport);
  expect(result).toEqual({
    events: [
      [1, '1'],
      [2, '2'],
    ],
    // Relative URLs resolve against the page; both resume with the Last-Event-ID header (on
    // native, the EventSource's own reconnection sends it).
    connections: [
      [`${origin.url}/events`, null],
      [`${origin.url}/events`, '1'],
    ],
    transport,
  });
  expect(chromium.errors).toEqual([]);
});

it("serves the browser's own EventSource cross-origin from listen(), resuming with the id it sent", async () => {
  const server = mockServer<{ tick: { n: number } }>((s, { attempt }) => {
    if (attempt === 1) s.retry(20).event('tick', { n: 1 }, { id: 1 }).raw('data: {"n"').drop();
    else s.event('tick', { n: 2 }, { id: 2 }).hang();
  });
  let listening: Listening | undefined;
  try {
    listening = await server.listen();
    const page = await openTestPage();
    const events = await page.evaluate((url) => window.nativeAgainst(url), `${listening.url}/events`);
    expect(events).toEqual(['native', [1, '1'], [2, '2']]);
    await server.connections[1]?.ended; // the page closed the stream; the socket close follows
    expect(server.connections.map((c) => [c.outcome, c.lastEventId, c.headers.origin])).toEqual([
      ['drop', undefined, origin.url],
      ['abort', '1', origin.url],
    ]);
    // The drop, as Chromium logs it: the one console error this test expects.
    expect(chromium.errors.filter((e) => !e.includes('net::ERR_INCOMPLETE_CHUNKED_ENCODING'))).toEqual([]);
  } finally {
    await listening?.close();
  }
});
