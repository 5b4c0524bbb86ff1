import { EventSource } from 'eventsource';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createEventStream, type EventStream, type HttpStatusError, type StreamOptions } from '../../src/index.js';
import { BACKENDS, type Backend, type BackendName, startBackend } from '../helpers/backends.js';
import { recorder, waitFor } from '../helpers/recorder.js';

// The same contract (examples/servers/CONTRACT.md) through sse-kit in Node against every example
// server. One server per backend for the whole describe block; every stream is closed after each test.

type Counter = { tick: { n: number } };
type Broadcast = { message: { id: number; text: string } };
type Chat = { token: { token: string }; done: { count: number } };

const ORIGIN = 'http://app.example.test';
const TOKEN = 'interop-token';
/** The server's `retry:`; 250 ms is sse-kit's floor for it. */
const RETRY_MS = 250;
const HEARTBEAT_MS = 100;

/** Fast, exact reconnects: no jitter, a small first delay (a server `retry:` replaces it). */
const FAST: StreamOptions = {
  transport: 'fetch',
  retry: { initialDelay: 10, maxDelay: 200, jitter: 'none' },
  heartbeatTimeout: 0,
  connectTimeout: 5000,
};

describe.each(BACKENDS)('%s example server', (name: BackendName) => {
  let backend: Backend;
  let url: string;
  const streams: EventStream<never>[] = [];
  /** Registers a stream so afterEach closes it whatever happened in the test. */
  const track = <E extends Record<string, unknown>>(stream: EventStream<E>) => {
    streams.push(stream as unknown as EventStream<never>);
    return stream;
  };

  beforeAll(async () => {
    backend = await startBackend(name, {
      RETRY_MS: String(RETRY_MS),
      HEARTBEAT_MS: String(HEARTBEAT_MS),
      CORS_ORIGIN: ORIGIN,
      AUTH_TOKEN: TOKEN,
      // PHP's built-in server may queue a connection behind a running stream in the same worker;
      // ending streams every 2 s bounds that wait (the client resumes). See examples/servers/php/README.md.
      ...(name === 'php' || name === 'php-redis' ? { MAX_STREAM_MS: '2000' } : {}),
    });
    url = backend.url;
  });
  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });
  afterAll(async () => {
    await backend?.stop();
  });

  /** Collects ticks (n and the event's id) from a stream until `count` arrived. */
  async function ticks(stream: EventStream<Counter>, count: number) {
    const got: { n: number; id: string }[] = [];
    stream.on('tick', (tick, event) => void got.push({ n: tick.n, id: event.id }));
    await waitFor(() => got.length >= count, 10_000, `${count} ticks`).catch((error: Error) => {
      throw new Error(`${error.message}; got ${JSON.stringify(got)}. Server output:\n${backend.output()}`);
    });
    return got.slice(0, count);
  }

  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  async function post(path: string, body: unknown) {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as { id: number } };
  }

  test('delivers typed tick events in order with their ids, then ends cleanly', async () => {
    const { log, options } = recorder();
    const stream = track(
      createEventStream<Counter>(`${url}/counter?interval=20&end=5`, { ...FAST, ...options, reconnectOnEnd: false }),
    );
    const got = await ticks(stream, 5);
    expect(got).toEqual(range(1, 5).map((n) => ({ n, id: String(n) })));
    await waitFor(() => stream.state === 'closed', 5000, 'the clean end');
    expect(log.closes).toEqual([{ reason: 'end', code: undefined }]);
    expect(log.errors).toEqual([]);
  });

  test('resumes with Last-Event-ID after forced drops, without gap or duplicate', async () => {
    const { log, options } = recorder();
    // lastEventIdParam: false, so only the header can carry the id: the numbers prove the server read it.
    const stream = track(
      createEventStream<Counter>(`${url}/counter?limit=3&interval=20`, { ...FAST, ...options, lastEventIdParam: false }),
    );
    const got = await ticks(stream, 12);
    expect(got).toEqual(range(1, 12).map((n) => ({ n, id: String(n) })));
    expect(log.opens).toBeGreaterThanOrEqual(4); // 3 per connection: at least 3 drops and resumes
    expect(log.retries.length).toBeGreaterThanOrEqual(3);
    expect(log.errors.filter((error) => error.code !== 'NETWORK')).toEqual([]);
  });

  test('resumes from the lastEventId option (Last-Event-ID header on the first request)', async () => {
    const stream = track(createEventStream<Counter>(`${url}/counter?interval=20`, { ...FAST, lastEventId: '5' }));
    expect((await ticks(stream, 2)).map((tick) => tick.n)).toEqual([6, 7]);
  });

  test('resumes from the lastEventId query parameter across drops (native transport over an EventSource polyfill)', async () => {
    // EventSource cannot send Last-Event-ID on a new connection: the id travels as ?lastEventId=.
    const stream = track(
      createEventStream<Counter>(`${url}/counter?interval=20&limit=3`, {
        ...FAST,
        transport: 'native',
        EventSource,
        lastEventId: '5',
      }),
    );
    expect(stream.transport).toBe('native');
    expect(await ticks(stream, 7)).toEqual(range(6, 12).map((n) => ({ n, id: String(n) })));
  });

  test('prefers the Last-Event-ID header over the lastEventId query parameter', async () => {
    const stream = track(createEventStream<Counter>(`${url}/counter?interval=20&lastEventId=5`, { ...FAST, lastEventId: '10' }));
    expect((await ticks(stream, 1))[0]!.n).toBe(11);
  });

  test('sends the Authorization header from a headers function on every attempt', async () => {
    let calls = 0;
    const stream = track(
      createEventStream<Counter>(`${url}/private?limit=2&interval=20`, {
        ...FAST,
        headers: () => {
          calls++;
          return { Authorization: `Bearer ${TOKEN}` };
        },
      }),
    );
    expect((await ticks(stream, 5)).map((tick) => tick.n)).toEqual(range(1, 5));
    expect(calls).toBeGreaterThanOrEqual(3); // one call per connection, each resumed
  });

  test('fails for good with HttpStatusError 401 without the token', async () => {
    const { log, options } = recorder();
    const stream = track(
      createEventStream<Counter>(`${url}/private`, { ...FAST, ...options }),
    );
    await waitFor(() => stream.state === 'closed', 5000, 'the stream to close');
    const error = log.errors.at(-1) as HttpStatusError;
    expect(error).toMatchObject({ name: 'HttpStatusError', code: 'HTTP_STATUS', status: 401, retryable: false });
    expect(JSON.parse(error.body)).toEqual({ error: 'unauthorized' });
    expect(log.closes).toEqual([{ reason: 'error', code: 'HTTP_STATUS' }]);
    expect(log.retries).toEqual([]);
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'HTTP_STATUS', status: 401 });

    const raw = await fetch(`${url}/private`);
    expect(raw.status).toBe(401);
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
    await raw.body?.cancel();
  });

  test('streams a POST /chat answer token by token and does not re-POST when it ends', async () => {
    const { log, options } = recorder();
    const stream = track(
      createEventStream<Chat>(`${url}/chat`, {
        ...FAST,
        ...options,
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ prompt: 'the quick brown fox' }),
      }),
    );
    const events: { type: string; data: unknown; id: string }[] = [];
    for await (const event of stream) events.push(event);
    expect(events.filter((event) => event.type === 'token')).toEqual([
      { type: 'token', data: { token: 'fox' }, id: '1' },
      { type: 'token', data: { token: 'brown' }, id: '2' },
      { type: 'token', data: { token: 'quick' }, id: '3' },
      { type: 'token', data: { token: 'the' }, id: '4' },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done', data: { count: 4 } });
    expect(events).toHaveLength(5);
    expect(stream.state).toBe('closed');
    expect(log.closes).toEqual([{ reason: 'end', code: undefined }]);
    expect(log.opens).toBe(1);
  });

  test('answers 400 to bodies that are not the expected JSON', async () => {
    expect((await post('/messages', 'not json')).status).toBe(400);
    expect((await post('/messages', { text: 5 })).status).toBe(400);
    expect((await post('/chat', { question: 'hi' })).status).toBe(400);
  });

  /** A /events subscriber that records every message and its id. */
  function subscribe(options: StreamOptions<Broadcast> = {}) {
    const got: { id: string; data: { id: number; text: string } }[] = [];
    const stream = track(createEventStream<Broadcast>(`${url}/events`, { ...FAST, ...options }));
    stream.on('message', (data, event) => void got.push({ id: event.id, data }));
    return { stream, got, ids: () => got.map((message) => message.data.id) };
  }

  test('broadcasts POST /messages to every /events subscriber, in order, with ids', async () => {
    const a = subscribe();
    const b = subscribe();
    await waitFor(() => a.stream.state === 'open' && b.stream.state === 'open', 5000, 'both subscribers');
    const first = await post('/messages', { text: 'hello' });
    const second = await post('/messages', { text: 'wörld "quoted" /' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id + 1);
    for (const sub of [a, b]) {
      await waitFor(() => sub.ids().includes(second.body.id), 5000, `message ${second.body.id}`);
      // Subscribed from the start, each gets the whole log: 1..last, once each, in order.
      expect(sub.ids()).toEqual(range(1, second.body.id));
      expect(sub.got.slice(-2)).toEqual([
        { id: String(first.body.id), data: { id: first.body.id, text: 'hello' } },
        { id: String(second.body.id), data: { id: second.body.id, text: 'wörld "quoted" /' } },
      ]);
    }
  });

  test('replays stored messages after the last event id to a new subscriber', async () => {
    const first = await post('/messages', { text: 'stored 1' });
    const second = await post('/messages', { text: 'stored 2' });
    const late = subscribe({ lastEventId: String(first.body.id) });
    await waitFor(() => late.ids().includes(second.body.id), 5000, 'the replay');
    expect(late.got[0]).toEqual({ id: String(second.body.id), data: { id: second.body.id, text: 'stored 2' } });
  });

  test('subscribers joining while messages are posted get each one exactly once, in order', async () => {
    const subscribers = [subscribe()];
    let last = 0;
    for (let round = 0; round < 3; round++) {
      // Sequential and concurrent senders: ids must stay dense and ordered on every stream.
      for (let i = 0; i < 5; i++) last = (await post('/messages', { text: `seq ${round}.${i}` })).body.id;
      const burst = await Promise.all(range(1, 5).map((i) => post('/messages', { text: `burst ${round}.${i}` })));
      last = Math.max(last, ...burst.map((result) => result.body.id));
      subscribers.push(subscribe());
    }
    for (const sub of subscribers) {
      await waitFor(() => sub.ids().includes(last), 10_000, `message ${last} on every subscriber`);
      expect(sub.ids()).toEqual(range(1, last));
    }
  });

  test('honours the server retry: field for the first reconnect delay', async () => {
    const { log, options } = recorder();
    const stream = track(
      createEventStream<Counter>(`${url}/counter?limit=2&interval=20`, {
        ...FAST,
        ...options,
        retry: { initialDelay: 1000, jitter: 'none' },
      }),
    );
    await waitFor(() => log.retries.length >= 1, 5000, 'a reconnect');
    expect(log.retries[0]).toMatchObject({ attempt: 1, delay: RETRY_MS });
    stream.close();
  });

  test('keeps a quiet stream alive with comment heartbeats', async () => {
    const { log, options } = recorder();
    // Events every 10 s; without the 100 ms heartbeat a 400 ms stall timeout would fire twice.
    const stream = track(
      createEventStream<Counter>(`${url}/counter?interval=10000`, { ...FAST, ...options, heartbeatTimeout: 400 }),
    );
    await waitFor(() => stream.state === 'open', 5000, 'the stream to open');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(log.errors.filter((error) => error.code === 'TIMEOUT')).toEqual([]);
    expect(log.opens).toBe(1);
    expect(stream.state).toBe('open');
  });

  test('sends the SSE headers, the retry field and a ": ping" comment on the wire', async () => {
    const controller = new AbortController();
    const response = await fetch(`${url}/counter?interval=10000`, { headers: { Origin: ORIGIN }, signal: controller.signal });
    try {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')?.replace(/\s/g, '').toLowerCase()).toBe('text/event-stream;charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('x-accel-buffering')).toBe('no');
      expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      const deadline = Date.now() + 3000;
      while (!text.includes(': ping') && Date.now() < deadline) text += (await reader.read()).value ?? '';
      expect(text).toMatch(new RegExp(`^retry: ?${RETRY_MS}\\r?\\n`));
      expect(text).toContain(': ping');
    } finally {
      controller.abort();
    }
  });

  test('answers CORS preflights and sets CORS headers on every answer for the configured origin', async () => {
    const preflight = await fetch(`${url}/events`, {
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'last-event-id, authorization',
      },
    });
    expect(preflight.status).toBe(204);
    const expected = {
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-credentials': 'true',
    };
    expect(Object.fromEntries(preflight.headers)).toMatchObject(expected);
    const allowHeaders = preflight.headers.get('access-control-allow-headers')?.toLowerCase() ?? '';
    for (const header of ['authorization', 'content-type', 'last-event-id']) expect(allowHeaders).toContain(header);
    const allowMethods = preflight.headers.get('access-control-allow-methods') ?? '';
    for (const method of ['GET', 'POST', 'OPTIONS']) expect(allowMethods).toContain(method);
    for (const response of [
      await fetch(`${url}/health`, { headers: { Origin: ORIGIN } }),
      await fetch(`${url}/private`, { headers: { Origin: ORIGIN } }),
    ]) {
      await response.arrayBuffer();
      expect(Object.fromEntries(response.headers)).toMatchObject(expected);
      expect(response.headers.get('vary')).toMatch(/origin/i);
    }
  });

  test('serves several streams at once', async () => {
    const many = range(1, 6).map(() => track(createEventStream<Counter>(`${url}/counter?interval=20`, FAST)));
    const all = await Promise.all(many.map((stream) => ticks(stream, 3)));
    for (const got of all) expect(got.map((tick) => tick.n)).toEqual([1, 2, 3]);
  });

  if (name === 'php-redis') {
    test('delivers a message sent by the CLI sender (send.php) through Redis Pub/Sub', async () => {
      const sub = subscribe();
      await waitFor(() => sub.stream.state === 'open', 5000, 'the subscriber');
      const id = Number((await backend.exec('php', ['send.php', 'from the command line'])).trim());
      await waitFor(() => sub.ids().includes(id), 5000, `message ${id}`);
      expect(sub.got.at(-1)).toEqual({ id: String(id), data: { id, text: 'from the command line' } });
      expect(sub.ids()).toEqual(range(1, id));
    });
  }
});

describe('php example server with a failing data source', () => {
  test('answers /events with 503 and Retry-After (retried by clients), not a 200 text/html error page', async () => {
    const broken = await startBackend('php', { DATA_FILE: '/proc/sse-kit-no-such-dir/messages.sqlite' });
    try {
      const response = await fetch(`${broken.url}/events`, { headers: { accept: 'text/event-stream' } });
      expect([response.status, response.headers.get('retry-after')]).toEqual([503, '1']);
    } finally {
      await broken.stop();
    }
  });
});
