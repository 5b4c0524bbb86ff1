// createEventStream in real Chromium, loaded from dist/sse-kit.min.js by a <script> tag, against
// the Express and Go example servers (examples/servers/CONTRACT.md). One browser for the file, one
// server per backend; pages are same-origin with the server (its /health document, the bundle from
// a second local origin as from a CDN), except in the cross-origin tests, where the page comes from
// that second origin.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Backend, type BackendName, startBackend } from '../helpers/backends.js';
import { type ChromiumSession, launchChromium } from '../helpers/chromium.js';
import { openPageAt, type PageOrigin, startPageOrigin } from '../helpers/page-origin.js';
import { EXPECTED_CONSOLE, idParam, run, startRun, watchRequests } from './stream-harness.js';

const SERVERS: BackendName[] = ['express', 'go'];
const TOKEN = 'browser-token';
/** Every reconnect waits the server's `retry:`; 250 ms (sse-kit's floor for it) keeps the resume tests short. */
const RETRY_MS = 250;
const tick = (n: number) => ({ type: 'tick', data: { n }, id: String(n) });
const ticks = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => tick(from + i));
/**
 * The ids each connection resumed from: none on the first, then increasing ids below `count`.
 * Usually 3, 6, ...; but when Express cuts the chunked body, Chromium sometimes (about 1 in 10, raw
 * fetch and EventSource alike) errors the body before handing over the last event's bytes: that
 * event is never dispatched, the resume id is the one before it and the server sends the event
 * again. The gap-free, duplicate-free events prove each id was the right one.
 */
function expectResumedWithIds(wire: (string | undefined)[], count: number) {
  expect(wire[0]).toBeUndefined();
  const ids = wire.slice(1).map(Number);
  expect(ids.length).toBeGreaterThan(0);
  ids.forEach((id, i) => {
    expect(Number.isInteger(id) && id > (ids[i - 1] ?? 0) && id < count, `resume ids ${wire.join(', ')}`).toBe(true);
  });
}

/** Our own close() after the run reached its count. */
const closedByUs = [{ reason: 'close' }];

let chromium: ChromiumSession;
/** Serves the test page and the bundle; the origin the servers allow by CORS. */
let allowed: PageOrigin;
/** A second page origin the servers do not allow. */
let stranger: PageOrigin;

beforeAll(async () => {
  [allowed, stranger] = await Promise.all([startPageOrigin(), startPageOrigin()]);
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await Promise.all([allowed?.close(), stranger?.close()]);
});

describe.each(SERVERS)('createEventStream in Chromium against the %s example server', (name) => {
  let backend: Backend;
  let url: string;
  /** Same-origin page: the server's own /health document with the test page written into it. */
  let page: Page;

  beforeAll(async () => {
    backend = await startBackend(name, { CORS_ORIGIN: allowed.url, RETRY_MS: String(RETRY_MS), AUTH_TOKEN: TOKEN });
    url = backend.url;
    page = await openPageAt(chromium, url, allowed.bundleUrl);
  });

  afterAll(async () => {
    await page?.context().close();
    await backend?.stop();
  });

  describe.each(['native', 'fetch'] as const)('%s transport', (transport) => {
    // 'auto' on a plain GET must pick native by itself; fetch has to be asked for.
    const options = { transport: transport === 'native' ? 'auto' : 'fetch' };

    test('delivers typed tick events from /counter in order', async () => {
      const result = await run(page, { url: '/counter?interval=20', options, count: 5 });
      expect(result.transport).toBe(transport);
      expect(result.events).toEqual(ticks(1, 5));
      // onStateChange reports the initial state too.
      expect(result.states).toEqual(['connecting', 'open', 'closed']);
      expect([result.errors, result.closes]).toEqual([[], closedByUs]);
    });

    test('resumes after forced drops with no gap and no duplicate', async () => {
      const requests = watchRequests(page, '/counter');
      // The server drops the connection after every 3 events; 9 events take 3 connections.
      const retry = { initialDelay: 20, jitter: 'none' };
      const result = await run(page, { url: '/counter?limit=3&interval=20', options: { ...options, retry }, count: 9 });
      expect(result.transport).toBe(transport);
      expect(result.events).toEqual(ticks(1, 9));
      // One retry per drop, each the first of its run: the attempt count resets on each event.
      expect(result.retries.map((r) => r.attempt)).toEqual(requests.slice(1).map(() => 1));
      // fetch waits the server's `retry:`; on native the browser reconnects by itself (its delay is invisible).
      expect(result.retries.map((r) => r.delay)).toEqual(result.retries.map(() => (transport === 'fetch' ? RETRY_MS : undefined)));
      expect(result.closes).toEqual(closedByUs);
      // A drop that cuts the chunked body is a NetworkError on fetch (reported, retried); native cannot tell.
      expect(result.errors.filter((e) => e.code !== 'NETWORK')).toEqual([]);
      // The wire: both send the Last-Event-ID header (on native, the browser's own reconnection), no query id.
      expectResumedWithIds(await Promise.all(requests.map((r) => r.lastEventId)), 9);
      expect(requests.map((r) => idParam(r.url))).toEqual(requests.map(() => undefined));
    });
  });

  test('custom headers make auto pick fetch, and the bearer token opens /private', async () => {
    const requests = watchRequests(page, '/private');
    const result = await run(page, { url: '/private?interval=20', bearer: TOKEN, count: 3 });
    expect(result.transport).toBe('fetch');
    expect(result.events).toEqual(ticks(1, 3));
    expect([result.errors, result.closes]).toEqual([[], closedByUs]);
    expect(requests).toHaveLength(1);
  });

  test('without the token /private is a fatal 401 HttpStatusError, not retried', async () => {
    const requests = watchRequests(page, '/private');
    const result = await run(page, { url: '/private?interval=20', options: { transport: 'fetch' }, count: 1 });
    expect(result.events).toEqual([]);
    expect(result.retries).toEqual([]);
    expect(result.closes).toEqual([
      { reason: 'error', error: { name: 'HttpStatusError', code: 'HTTP_STATUS', status: 401, body: expect.stringContaining('unauthorized') } },
    ]);
    expect(result.states.at(-1)).toBe('closed');
    expect(requests).toHaveLength(1);
  });

  test("SSEKit.EventSource sends the bearer header that the browser's EventSource cannot", async () => {
    const seen = await page.evaluate(async (token) => {
      /** Three tick ids, or the readyState of the first error. */
      const watch = (source: EventTarget & { readyState: number; close(): void }) =>
        new Promise<{ ids: string[]; errorState?: number }>((resolve) => {
          const ids: string[] = [];
          source.addEventListener('tick', (event) => {
            ids.push((event as MessageEvent).lastEventId);
            if (ids.length === 3) resolve({ ids });
          });
          source.addEventListener('error', () => resolve({ ids, errorState: source.readyState }));
        }).finally(() => source.close());
      const ours = new window.SSEKit.EventSource('/private?interval=20', { headers: { Authorization: `Bearer ${token}` } });
      return { ours: await watch(ours), native: await watch(new EventSource('/private?interval=20')) };
    }, TOKEN);
    expect(seen.ours).toEqual({ ids: ['1', '2', '3'] });
    // Without the header the 401 fails the connection: error with readyState CLOSED.
    expect(seen.native).toEqual({ ids: [], errorState: 2 });
  });

  test('streams a POST /chat reply with for await, once, and ends without re-POSTing', async () => {
    const requests = watchRequests(page, '/chat');
    const result = await run(page, {
      url: '/chat',
      options: {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ prompt: 'the quick brown fox' }),
      },
      iterate: true,
    });
    expect(result.transport).toBe('fetch');
    const tokens = ['fox', 'brown', 'quick', 'the'];
    expect(result.events).toEqual([
      ...tokens.map((token, i) => ({ type: 'token', data: { token }, id: String(i + 1) })),
      // `done` has no id field: the last event id stays that of the last token.
      { type: 'done', data: { count: 4 }, id: '4' },
    ]);
    expect(result.thrown).toBeUndefined();
    expect(result.closes).toEqual([{ reason: 'end' }]);
    expect(requests.map((r) => r.method)).toEqual(['POST']);
  });

  test('a POST /messages reaches two pages subscribed to /events', async () => {
    const other = await openPageAt(chromium, url, allowed.bundleUrl);
    try {
      const text = `hello from page A ${Date.now()}`;
      const plan = { url: '/events', types: ['message'], untilText: text };
      const [a, b] = [await startRun(page, plan), await startRun(other, plan)];
      await Promise.all([a.opened(), b.opened()]);
      const posted = await page.evaluate(async (body) => {
        const response = await fetch('/messages', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
        return { status: response.status, body: (await response.json()) as { id: number } };
      }, JSON.stringify({ text }));
      expect(posted.status).toBe(201);
      const expected = { type: 'message', data: { id: posted.body.id, text }, id: String(posted.body.id) };
      for (const result of [await a.result(), await b.result()]) {
        expect(result.transport).toBe('native');
        expect(result.timedOut).toBe(false);
        expect(result.events.at(-1)).toEqual(expected);
      }
    } finally {
      await other.context().close();
    }
  });

  describe('cross-origin, page on another origin', () => {
    let crossPage: Page;
    let strangerPage: Page;

    beforeAll(async () => {
      [crossPage, strangerPage] = await Promise.all([chromium.openPage(`${allowed.url}/`), chromium.openPage(`${stranger.url}/`)]);
      // A cookie for the server's host: sent only when the request includes credentials.
      await crossPage.context().addCookies([{ name: 'session', value: 'abc', url }]);
    });

    afterAll(async () => {
      await crossPage?.context().close();
      await strangerPage?.context().close();
    });

    test.each(['native', 'fetch'] as const)(
      '%s: credentials include sends the cookie, streams and resumes with the last id',
      async (transport) => {
        const requests = watchRequests(crossPage, '/counter');
        const result = await run(crossPage, {
          url: `${url}/counter?limit=3&interval=20`,
          options: { transport: transport === 'native' ? 'auto' : 'fetch', credentials: 'include', retry: { initialDelay: 20 } },
          count: 5,
        });
        expect(result.transport).toBe(transport);
        expect(result.events).toEqual(ticks(1, 5));
        expect(result.closes).toEqual(closedByUs);
        expect(result.errors.filter((e) => e.code !== 'NETWORK')).toEqual([]);
        expect(await Promise.all(requests.map((r) => r.cookie))).toEqual(requests.map(() => 'session=abc'));
        // Last-Event-ID is not CORS-safelisted: the fetch transport's resume went through a preflight
        // (Playwright does not list preflights; the header on the wire and the events show it passed).
        // On native the browser's own reconnection sends the header, with no preflight.
        expectResumedWithIds(await Promise.all(requests.map((r) => r.lastEventId)), 5);
      },
    );

    test.each(['native', 'fetch'] as const)('%s: without credentials the cookie stays home', async (transport) => {
      const requests = watchRequests(crossPage, '/counter');
      const result = await run(crossPage, {
        url: `${url}/counter?interval=20`,
        options: { transport: transport === 'native' ? 'auto' : 'fetch' },
        count: 2,
      });
      expect(result.events).toEqual(ticks(1, 2));
      expect(await Promise.all(requests.map((r) => r.cookie))).toEqual([undefined]);
    });

    test.each(['native', 'fetch'] as const)('%s: a page from an origin the server does not allow gets nothing', async (transport) => {
      const result = await run(strangerPage, {
        url: `${url}/counter?interval=20`,
        options: { transport: transport === 'native' ? 'auto' : 'fetch', credentials: 'include', retry: { maxAttempts: 0 } },
        count: 1,
      });
      expect(result.transport).toBe(transport);
      expect(result.events).toEqual([]);
      // The browser hides why (CORS): a network error (the cause), retried until the budget (none here) runs out.
      expect(result.errors.map((e) => e.code)).toEqual(['RETRY_EXHAUSTED']);
      expect(result.closes).toEqual([{ reason: 'error', error: { name: 'RetryExhaustedError', code: 'RETRY_EXHAUSTED' } }]);
    });
  });
});

test('the pages logged no errors but the network failures the tests provoke', () => {
  expect(chromium.errors.filter((e) => !EXPECTED_CONSOLE.test(e))).toEqual([]);
});
