// @vitest-environment jsdom
// The ticker widget against a scripted server: the app code runs unchanged, the test swaps the
// global fetch for the mock's (jsdom has no EventSource, so sse-kit uses fetch here).
import { type MockServer, mockServer } from 'sse-kit/testing';
import { afterEach, expect, it, vi } from 'vitest';
import { mountTicker, type TickerEvents, type TickerOptions } from '../src/ticker.js';

let unmount = () => {};
afterEach(() => {
  unmount();
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** Mounts the widget on the mock server and returns what the user sees. */
function render(server: MockServer<TickerEvents>, options: Partial<TickerOptions> = {}) {
  vi.stubGlobal('fetch', server.fetch);
  const root = document.createElement('div');
  unmount = mountTicker(root, { url: '/prices', ...options });
  const text = (selector: string) => root.querySelector(selector)?.textContent;
  return {
    status: () => text('[role="status"]'),
    price: () => text('.price'),
    history: () => [...root.querySelectorAll('li')].map((li) => Number(li.textContent)),
  };
}

const acme = (price: number) => ({ symbol: 'ACME', price });

it('shows "reconnecting…" while the server is away, and "live" again once it is back', async () => {
  vi.useFakeTimers();
  vi.spyOn(Math, 'random').mockReturnValue(0.5); // pins the backoff jitter: 500 ms, then 1 s
  const server = mockServer<TickerEvents>((s, { attempt }) => {
    if (attempt === 1) s.event('price', acme(10), { id: 1 }).wait(5_000).drop();
    else if (attempt === 2) s.status(503).end();
    else s.event('price', acme(11), { id: 2 });
  });
  const ui = render(server);
  await vi.advanceTimersByTimeAsync(0);
  expect([ui.status(), ui.price()]).toEqual(['live', 'ACME 10.00']);

  await vi.advanceTimersByTimeAsync(5_001); // the connection drops (in a page, sse-kit decides a task later)
  expect(ui.status()).toBe('reconnecting…');
  await vi.advanceTimersByTimeAsync(501); // the server answers 503: still reconnecting
  expect([ui.status(), server.connections.length]).toEqual(['reconnecting…', 2]);

  await vi.advanceTimersByTimeAsync(1_000);
  expect([ui.status(), ui.price()]).toEqual(['live', 'ACME 11.00']);
});

it('resumes after every drop without a gap or a repeat', async () => {
  const server = mockServer<TickerEvents>((s, { lastEventId }) => {
    const from = Number(lastEventId ?? 0);
    s.event('price', acme(from + 1), { id: from + 1 }).event('price', acme(from + 2), { id: from + 2 });
    if (from < 4) s.drop();
  });
  vi.spyOn(Math, 'random').mockReturnValue(0); // no backoff wait
  const ui = render(server);
  await vi.waitFor(() => expect(ui.history()).toHaveLength(6));
  expect(ui.history()).toEqual([1, 2, 3, 4, 5, 6]);
  expect(server.connections.map((c) => c.lastEventId)).toEqual([undefined, '2', '4']);
});

it('refreshes the token on 401 and reconnects with the new one', async () => {
  let token = 'expired';
  const server = mockServer<TickerEvents>((s, { headers }) => {
    if (headers.authorization === 'Bearer fresh') s.event('price', acme(12));
    else s.status(401).raw('token expired').end();
  });
  const ui = render(server, { token: () => token, refresh: async () => void (token = 'fresh') });
  await vi.waitFor(() => expect(ui.price()).toBe('ACME 12.00'));
  expect(ui.status()).toBe('live');
  expect(server.connections.map((c) => c.headers.authorization)).toEqual(['Bearer expired', 'Bearer fresh']);
});

it('notices a stalled stream and reconnects from the last price', async () => {
  vi.useFakeTimers();
  vi.spyOn(Math, 'random').mockReturnValue(0.5); // pins the backoff jitter: 500 ms
  const server = mockServer<TickerEvents>((s, { attempt }) => {
    if (attempt === 1) s.event('price', acme(10), { id: 7 }).hang(); // a proxy that stops forwarding
    else s.event('price', acme(11), { id: 8 });
  });
  const ui = render(server);
  await vi.advanceTimersByTimeAsync(29_000);
  expect(ui.status()).toBe('live');
  await vi.advanceTimersByTimeAsync(8_600); // 30 s without a byte, detected within 1.25× (37.5 s)
  expect(ui.status()).toBe('reconnecting…');
  await vi.advanceTimersByTimeAsync(500);
  expect([ui.status(), ui.history()]).toEqual(['live', [10, 11]]);
  expect(server.connections.map((c) => [c.outcome, c.lastEventId])).toEqual([
    ['abort', undefined],
    [undefined, '7'],
  ]);
});
