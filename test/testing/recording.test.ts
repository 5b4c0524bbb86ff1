// What the mock server records and how a test waits for it: connections as plain data that
// `toMatchObject` reads naturally, the n-th connection as a promise, timing on the (fake) clock.
import { createEventStream } from 'sse-kit';
import { mockServer } from 'sse-kit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

const url = 'http://sse.test/events';
afterEach(() => vi.useRealTimers());

describe('recording', () => {
  it('records method, path, query, lowercased headers, body and attempt of every connection', async () => {
    const server = mockServer((s) => s.event('message', 'ok').end());
    const stream = createEventStream(`${url}?room=7`, {
      fetch: server.fetch,
      method: 'POST',
      headers: { Authorization: 'Bearer t0ken', 'Content-Type': 'application/json' },
      body: '{"prompt":"hi"}',
    });
    const connection = await server.connection(1);
    await connection.ended;
    stream.close();
    expect(server.connections).toMatchObject([
      {
        attempt: 1,
        method: 'POST',
        url: `${url}?room=7`,
        path: '/events',
        query: { room: '7' },
        headers: { authorization: 'Bearer t0ken', 'content-type': 'application/json', accept: 'text/event-stream' },
        body: '{"prompt":"hi"}',
        lastEventId: undefined,
        outcome: 'end',
      },
    ]);
  });

  it('gives the resume id from the Last-Event-ID header, UTF-8 decoded, or from the lastEventId query', async () => {
    const server = mockServer((s) => s.status(200).hang());
    const controller = new AbortController();
    await server.fetch(url, { headers: { 'last-event-id': 'ascii-1' }, signal: controller.signal });
    // What sse-kit and browsers put on the wire for the id "é€": its UTF-8 bytes, one char per byte.
    const bytes = String.fromCharCode(...new TextEncoder().encode('é€'));
    await server.fetch(url, { headers: { 'last-event-id': bytes }, signal: controller.signal });
    await server.fetch(`${url}?lastEventId=q-3`, { signal: controller.signal });
    controller.abort();
    expect(server.connections.map((c) => c.lastEventId)).toEqual(['ascii-1', 'é€', 'q-3']);
  });

  it('connection(n) resolves when the n-th connection arrives, in any order of asking', async () => {
    const server = mockServer((s) => s.end());
    const third = server.connection(3);
    const first = server.connection(1);
    for (let i = 0; i < 3; i++) await server.fetch(url);
    expect((await third).attempt).toBe(3);
    expect((await first).attempt).toBe(1);
    expect((await server.connection(2)).attempt).toBe(2);
  });

  it('times connections on the clock: the reconnect delay is at minus the previous endedAt', async () => {
    vi.useFakeTimers();
    const server = mockServer((s, { attempt }) => (attempt < 3 ? s.status(503).end() : s.hang()));
    const stream = createEventStream(url, { fetch: server.fetch, retry: { initialDelay: 100, jitter: 'none' } });
    await vi.advanceTimersByTimeAsync(500);
    stream.close();
    const [a, b, c] = server.connections;
    expect([b!.at - a!.endedAt!, c!.at - b!.endedAt!]).toEqual([100, 200]);
  });

  it('lets a test push into an open connection through its script', async () => {
    const server = mockServer<{ tick: { n: number } }>();
    const stream = createEventStream<{ tick: { n: number } }>(url, { fetch: server.fetch });
    const ticks: number[] = [];
    stream.on('tick', ({ n }) => ticks.push(n));
    const connection = await server.connection(1);
    await vi.waitFor(() => expect(stream.state).toBe('open'));
    connection.script.event('tick', { n: 1 });
    await vi.waitFor(() => expect(ticks).toEqual([1]));
    connection.script.event('tick', { n: 2 }).drop();
    await vi.waitFor(() => expect(ticks).toEqual([1, 2]));
    expect(await connection.ended).toBe('drop');
    stream.close();
  });
});

describe('encoding event data', () => {
  it("writes JSON by default, strings as-is with encode: 'text', or through a function", async () => {
    const read = async (server: ReturnType<typeof mockServer>) => (await server.fetch(url)).text();
    const script = (s: Parameters<Parameters<typeof mockServer>[0] & object>[0]) => s.event('message', 'a\nb').event('x', { n: 1 }).end();
    expect(await read(mockServer(script))).toBe('data: "a\\nb"\n\nevent: x\ndata: {"n":1}\n\n');
    expect(await read(mockServer(script, { encode: 'text' }))).toBe('data: a\ndata: b\n\nevent: x\ndata: {"n":1}\n\n');
    expect(await read(mockServer(script, { encode: (data, type) => `${type}=${JSON.stringify(data)}` }))).toBe(
      'data: message="a\\nb"\n\nevent: x\ndata: x={"n":1}\n\n',
    );
  });
});
