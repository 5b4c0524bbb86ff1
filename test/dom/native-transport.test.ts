import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEventStream, type EventSourceLike } from '../../src/index.js';
import { FakeEventSource } from '../helpers/fake-event-source.js';
import { recorder, waitFor } from '../helpers/recorder.js';

const ES = FakeEventSource as unknown as EventSourceLike;
const fetch = vi.fn(async () => new Response(null, { status: 204 }));

beforeEach(() => FakeEventSource.reset());
afterEach(() => vi.useRealTimers());

describe('transport selection (auto)', () => {
  it('uses the native EventSource for a plain GET and resolves relative URLs against the page', () => {
    const stream = createEventStream('/events', { EventSource: ES, fetch });
    expect(stream.transport).toBe('native');
    expect(FakeEventSource.last.url).toBe(new URL('/events', document.baseURI).href);
    stream.close();
  });

  it.each([
    ['custom headers', { headers: { Authorization: 'Bearer x' } }],
    ['POST', { method: 'POST', body: '{}' }],
    ['no EventSource in the runtime', { EventSource: undefined }],
    ['resume without a query parameter', { lastEventId: '4', lastEventIdParam: false as const }],
  ])('falls back to fetch for %s', (_, options) => {
    const stream = createEventStream('/events', { EventSource: ES, fetch, ...options });
    expect(stream.transport).toBe('fetch');
    stream.close();
  });

  it('refuses transport "native" with headers, saying why', () => {
    expect(() => createEventStream('/events', { transport: 'native', EventSource: ES, headers: { a: 'b' } })).toThrow(
      /transport "native" is unavailable \(custom headers\)/,
    );
  });

  it('honours transport "fetch" even when native would do', () => {
    const stream = createEventStream('/events', { transport: 'fetch', EventSource: ES, fetch });
    expect(stream.transport).toBe('fetch');
    stream.close();
  });
});

describe('native transport', () => {
  it('maps open, message, named events with listeners, ids and decode', async () => {
    const { log, options } = recorder();
    const stream = createEventStream<{ tick: { n: number }; message: string }>('/events', { ...options, EventSource: ES });
    const ticks: [number, string][] = [];
    const messages: string[] = [];
    stream.on('tick', (tick, raw) => ticks.push([tick.n, raw.id]));
    const es = FakeEventSource.last;
    expect(es.listened.has('tick')).toBe(true);
    expect(es.listened.has('message')).toBe(true);
    stream.on('message', (m) => messages.push(m));
    es.open();
    expect(stream.state).toBe('open');
    es.emit('tick', '{"n":1}', '1');
    es.emit('message', '"hello"');
    es.emit('untracked', '{}', '3');
    expect(ticks).toEqual([[1, '1']]);
    expect(messages).toEqual(['hello']);
    // The browser only reports types we listen to: an untracked event cannot move the id, which
    // is harmless for resume (only untracked events are replayed).
    expect(stream.lastEventId).toBe('1');
    expect(log.opens).toBe(1);
    stream.close();
  });

  it('subscribes to a type whose listener is added after connecting', () => {
    const stream = createEventStream('/events', { EventSource: ES });
    const got = vi.fn();
    stream.on('late', got);
    FakeEventSource.last.open();
    FakeEventSource.last.emit('late', '1');
    expect(got).toHaveBeenCalledWith(1, { type: 'late', id: '', data: '1' });
    stream.close();
  });

  it('lets the browser reconnect by itself after a drop (it sends Last-Event-ID), reporting retrying', async () => {
    const { log, options } = recorder();
    const stream = createEventStream('http://x.test/e', { ...options, EventSource: ES });
    const got = vi.fn();
    stream.on('message', got);
    const es = FakeEventSource.last;
    es.open();
    es.emit('message', '1', '7');
    es.fail(0);
    expect(es.readyState).toBe(0); // not closed by us: the browser's reconnection goes on
    expect(stream.state).toBe('retrying');
    expect(log.retries).toEqual([{ attempt: 1, delay: undefined, code: undefined }]);
    es.open();
    es.emit('message', '2', '8');
    expect(stream.state).toBe('open');
    expect(got.mock.calls.map((c) => c[0])).toEqual([1, 2]);
    expect(stream.lastEventId).toBe('8');
    expect(FakeEventSource.instances).toHaveLength(1);
    stream.close();
  });

  it('takes over with its backoff and the id in the query when the browser reconnection keeps failing', async () => {
    vi.useFakeTimers();
    const { log, options } = recorder();
    const stream = createEventStream('http://x.test/events?topic=a', {
      ...options,
      EventSource: ES,
      retry: { initialDelay: 1000, jitter: 'none' },
    });
    const first = FakeEventSource.last;
    first.open();
    first.emit('message', '1', 'é 7');
    for (let i = 0; i < 4; i++) first.fail(0); // the drop, then three browser reconnections that fail
    await vi.advanceTimersByTimeAsync(0);
    expect(first.readyState).toBe(2);
    expect(log.retries).toEqual([
      { attempt: 1, delay: undefined, code: undefined },
      { attempt: 2, delay: undefined, code: undefined },
      { attempt: 3, delay: undefined, code: undefined },
      { attempt: 4, delay: 8000, code: 'NETWORK' },
    ]);
    await vi.advanceTimersByTimeAsync(7999);
    expect(FakeEventSource.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeEventSource.instances).toHaveLength(2);
    expect(FakeEventSource.last.url).toBe('http://x.test/events?topic=a&lastEventId=%C3%A9+7');
    stream.close();
  });

  it('keeps the resume id when the first event after a reconnect has no id', async () => {
    vi.useFakeTimers();
    const stream = createEventStream('http://x.test/e', { EventSource: ES, retry: { initialDelay: 1, jitter: 'none' } });
    FakeEventSource.last.open();
    FakeEventSource.last.emit('message', '1', '1');
    for (let i = 0; i < 4; i++) FakeEventSource.last.fail(0);
    await vi.advanceTimersByTimeAsync(10);
    const second = FakeEventSource.last;
    expect(second.url).toBe('http://x.test/e?lastEventId=1');
    second.open();
    second.emit('message', '"welcome"');
    expect(stream.lastEventId).toBe('1');
    second.emit('message', '2', '2');
    second.emit('message', '3', '');
    expect(stream.lastEventId).toBe('');
    stream.close();
  });

  it('treats a network error before open as a retryable NetworkError, backing off', async () => {
    vi.useFakeTimers();
    const { log, options } = recorder();
    const stream = createEventStream('http://x.test/e', {
      ...options,
      EventSource: ES,
      retry: { initialDelay: 100, jitter: 'none', maxAttempts: 2 },
    });
    FakeEventSource.last.fail(0);
    await vi.advanceTimersByTimeAsync(100);
    FakeEventSource.last.fail(0);
    await vi.advanceTimersByTimeAsync(200);
    FakeEventSource.last.fail(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(log.retries.map((r) => [r.delay, r.code])).toEqual([
      [100, 'NETWORK'],
      [200, 'NETWORK'],
    ]);
    expect(log.closes).toEqual([{ reason: 'error', code: 'RETRY_EXHAUSTED' }]);
    expect(stream.state).toBe('closed');
  });

  describe('a connection the browser fails (readyState CLOSED: status or type hidden)', () => {
    const refusedWith = async (response: () => Response, retry = {}) => {
      const { log, options } = recorder();
      const requests: [string, Headers][] = [];
      const fetch = vi.fn(async (url: string, init: RequestInit) => {
        requests.push([url, new Headers(init.headers)]);
        return response();
      });
      const stream = createEventStream('http://x.test/e', { ...options, EventSource: ES, fetch, retry: { jitter: 'none', ...retry } });
      FakeEventSource.last.open();
      FakeEventSource.last.emit('message', '1', '5');
      FakeEventSource.last.fail(2);
      await vi.advanceTimersByTimeAsync(1); // in a page the decision waits a task (see connection.ts #settle)
      expect(requests).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      return { stream, log, requests };
    };

    it.each([
      ['404', () => new Response('gone', { status: 404 }), 'HTTP_STATUS'],
      ['410', () => new Response('', { status: 410 }), 'HTTP_STATUS'],
      ['text/html', () => new Response('<html>', { headers: { 'content-type': 'text/html' } }), 'CONTENT_TYPE'],
    ])('learns it with one fetch and stops on a fatal answer (%s)', async (_, response, code) => {
      vi.useFakeTimers();
      const { stream, log, requests } = await refusedWith(response);
      expect(requests[0]![1].get('last-event-id')).toBe('5');
      expect(log.closes).toEqual([{ reason: 'error', code }]);
      expect(log.errors.map((e) => e.code)).toEqual([code]);
      expect(stream.state).toBe('closed');
      await vi.advanceTimersByTimeAsync(60_000);
      expect(FakeEventSource.instances).toHaveLength(1);
      expect(requests).toHaveLength(1);
    });

    it('retries a 503 after its Retry-After, back on the native transport', async () => {
      vi.useFakeTimers();
      const { stream, log } = await refusedWith(() => new Response('', { status: 503, headers: { 'retry-after': '3' } }));
      expect(log.retries).toEqual([{ attempt: 1, delay: 3000, code: 'HTTP_STATUS' }]);
      await vi.advanceTimersByTimeAsync(2990);
      expect(FakeEventSource.instances).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(20);
      expect(FakeEventSource.instances).toHaveLength(2);
      expect(stream.transport).toBe('native');
      stream.close();
    });
  });

  it('runs onError for a fatal error with the state already closed, and onClose once even if onError closes', async () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    const onClose = vi.fn();
    const fetch = vi.fn(async () => new Response('', { status: 404 }));
    const stream = createEventStream('http://x.test/e', {
      EventSource: ES,
      fetch,
      onError: () => {
        seen.push(stream.state);
        stream.close();
      },
      onClose,
    });
    FakeEventSource.last.fail(2);
    await vi.waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(seen).toEqual(['closed']);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('resumes a same-origin stream through fetch, with the Last-Event-ID header (free there: no preflight)', async () => {
    const fetch = vi.fn(async () => new Response(null, { status: 204 }));
    const stream = createEventStream('/e', { EventSource: ES, fetch, lastEventId: '42' });
    await vi.waitFor(() => expect(fetch).toHaveBeenCalled());
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(new URL('/e', document.baseURI).href);
    expect(new Headers(init.headers).get('last-event-id')).toBe('42');
    expect(FakeEventSource.instances).toHaveLength(0);
    stream.close();
  });

  it('sets withCredentials for credentials: include', () => {
    const stream = createEventStream('/e', { EventSource: ES, credentials: 'include' });
    expect(FakeEventSource.last.withCredentials).toBe(true);
    stream.close();
  });

  it('close() closes the EventSource and nothing is delivered after it', () => {
    const stream = createEventStream('/e', { EventSource: ES });
    const got = vi.fn();
    stream.on('message', got);
    const es = FakeEventSource.last;
    es.open();
    stream.close();
    expect(es.readyState).toBe(2);
    es.readyState = 1; // a browser event already queued
    es.emit('message', '1');
    expect(got).not.toHaveBeenCalled();
  });

  it('times out a connection that never opens (connectTimeout)', async () => {
    vi.useFakeTimers();
    const { log, options } = recorder();
    const stream = createEventStream('/e', { ...options, EventSource: ES, connectTimeout: 500, retry: { initialDelay: 10, jitter: 'none' } });
    await vi.advanceTimersByTimeAsync(501); // the decision waits a task in a page
    expect(FakeEventSource.instances[0]?.readyState).toBe(2);
    expect(log.errors[0]).toMatchObject({ code: 'TIMEOUT', phase: 'connect', timeout: 500 });
    await vi.advanceTimersByTimeAsync(10);
    expect(FakeEventSource.instances).toHaveLength(2);
    stream.close();
    await waitFor(() => stream.state === 'closed');
  });
});
