import { afterEach, describe, expect, expectTypeOf, test } from 'vitest';
import { createHub, type Hub, memoryStore, type ServeOptions, type Store } from 'sse-kit/server';
import { compareIds } from '../../src/server/event-id.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { numberedClient, type Numbered, openRaw, parseSse, slowClientScenario, until } from '../helpers/hub-wire.js';
import { waitFor } from '../helpers/recorder.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A hub behind a real node:http server: `?topic=a&topic=b&backlog=n` picks the stream. */
async function serveHub(hubOptions: Parameters<typeof createHub>[0] = {}, extra: Partial<ServeOptions> = {}) {
  const hub = createHub<Numbered>({ retry: 10, ...hubOptions });
  const server: TestServer = await startServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    return hub.serve(req, res, { topics: query.getAll('topic'), backlog: Number(query.get('backlog') ?? 0), ...extra });
  });
  cleanups.push(() => server.close(), () => hub.close());
  return { hub, server, url: (query: string) => `${server.url}/?${query}` };
}

const tick = (n: number) => ({ n });
async function publishN(hub: Hub<Numbered>, topic: string, from: number, to: number) {
  for (let n = from; n <= to; n++) await hub.publish(topic, 'tick', tick(n));
}
const ticksOf = (text: string) => parseSse(text).blocks.filter((block) => block.event === 'tick');

describe('createHub over node:http', () => {
  test('answers with the SSE headers, a retry: field first, and an id on every event', async () => {
    const { hub, url } = await serveHub();
    const raw = await openRaw(url('topic=a'));
    cleanups.push(() => raw.destroy());
    expect(raw.response.statusCode).toBe(200);
    expect(raw.response.headers).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    await until(raw, (text) => text.startsWith('retry: 10\n\n'), 'the retry field');
    await waitFor(() => hub.stats.connections === 1);
    await publishN(hub, 'a', 1, 3);
    await until(raw, (text) => ticksOf(text).length === 3, 'three events');
    expect(ticksOf(raw.text())).toEqual([1, 2, 3].map((n) => ({ id: String(n), event: 'tick', data: JSON.stringify({ n }) })));
  });

  test('replays what came after the Last-Event-ID header, then goes live', async () => {
    const { hub, url } = await serveHub();
    await publishN(hub, 'a', 1, 5);
    const raw = await openRaw(url('topic=a'), { 'last-event-id': '2' });
    cleanups.push(() => raw.destroy());
    await until(raw, (text) => ticksOf(text).length === 3, 'the replay');
    await hub.publish('a', 'tick', tick(6));
    await until(raw, (text) => ticksOf(text).length === 4, 'the live event');
    expect(ticksOf(raw.text()).map((block) => block.id)).toEqual(['3', '4', '5', '6']);
  });

  test('reads the position from the lastEventId query parameter when there is no header', async () => {
    const { hub, url } = await serveHub();
    await publishN(hub, 'a', 1, 4);
    const raw = await openRaw(url('topic=a&lastEventId=3'));
    cleanups.push(() => raw.destroy());
    await until(raw, (text) => ticksOf(text).length === 1, 'the replay');
    expect(ticksOf(raw.text())[0]?.id).toBe('4');
  });

  test('sends the last `backlog` events to a client without an id, none by default', async () => {
    const { hub, url } = await serveHub();
    await publishN(hub, 'a', 1, 5);
    const withBacklog = await openRaw(url('topic=a&backlog=2'));
    const without = await openRaw(url('topic=a'));
    cleanups.push(() => withBacklog.destroy(), () => without.destroy());
    await waitFor(() => hub.stats.connections === 2);
    await hub.publish('a', 'tick', tick(6));
    await until(withBacklog, (text) => ticksOf(text).length === 3, 'backlog + live');
    await until(without, (text) => ticksOf(text).length === 1, 'live only');
    expect(ticksOf(withBacklog.text()).map((block) => block.id)).toEqual(['4', '5', '6']);
    expect(ticksOf(without.text()).map((block) => block.id)).toEqual(['6']);
  });

  test('gives several topics one id that resumes each of them', async () => {
    const { hub, url } = await serveHub();
    const client = numberedClient(url('topic=a&topic=b&backlog=100'));
    cleanups.push(() => client.stream.close());
    await hub.publish('a', 'tick', tick(1));
    await hub.publish('b', 'tick', tick(2));
    await waitFor(() => client.got.length === 2, 5000, 'two events');
    expect(client.got.map((entry) => entry.id)).toEqual(['a=1', 'a=1,b=1']);
    client.stream.close();
    await hub.publish('a', 'tick', tick(3));
    await hub.publish('b', 'tick', tick(4));
    const resumed = numberedClient(url('topic=a&topic=b&backlog=100'), 'a=1,b=1');
    cleanups.push(() => resumed.stream.close());
    await waitFor(() => resumed.got.length === 2, 5000, 'the two missed events');
    expect(resumed.got).toEqual([
      { n: 3, id: 'a=2,b=1' },
      { n: 4, id: 'a=2,b=2' },
    ]);
  });

  test('sends a reset event, then live events, when the id is older than the kept history', async () => {
    const { hub, url } = await serveHub({ store: memoryStore({ maxHistory: 3 }) });
    await publishN(hub, 'a', 1, 10);
    const client = numberedClient(url('topic=a'), '2');
    cleanups.push(() => client.stream.close());
    await waitFor(() => client.resets.length === 1, 5000, 'the reset');
    expect(client.resets).toEqual(['10']);
    await hub.publish('a', 'tick', tick(11));
    await waitFor(() => client.got.length === 1, 5000, 'the next event');
    expect(client.got).toEqual([{ n: 11, id: '11' }]);
    expect(client.stream.lastEventId).toBe('11');
  });

  test('writes comment heartbeats on idle streams', async () => {
    const { url } = await serveHub({ heartbeatInterval: 20 });
    const raw = await openRaw(url('topic=a'));
    cleanups.push(() => raw.destroy());
    await until(raw, (text) => parseSse(text).comments >= 2, 'two heartbeats');
    expect(raw.text()).toContain(': ping\n\n');
  });

  test('ends every stream with a short retry: on close, and refuses new ones', async () => {
    const { hub, url } = await serveHub({ shutdownRetry: 123 });
    const raw = await openRaw(url('topic=a'));
    await waitFor(() => hub.stats.connections === 1);
    await hub.close();
    await raw.closed;
    expect(raw.response.complete).toBe(true);
    expect(raw.text().endsWith('retry: 123\n\n')).toBe(true);
    const late = await fetch(url('topic=a'));
    expect(late.status).toBe(503);
    await expect(hub.publish('a', 'tick', tick(1))).rejects.toThrow(/closed/);
  });

  test('cuts a client that stops reading at the bound; it resumes with nothing lost', async () => {
    const { hub, url } = await serveHub({ maxBufferedBytes: 64 * 1024, store: memoryStore({ maxHistory: 100_000 }) });
    const result = await slowClientScenario({
      url: url('topic=a'),
      evicted: () => hub.stats.evicted,
      publish: (n, pad) => hub.publish('a', 'tick', { n, pad }),
      compare: compareIds,
    });
    expect(result.report).toEqual({ received: result.published, lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(result.receivedBeforeEviction).toBeLessThan(result.evictedAt);
    expect(hub.stats.evicted).toBe(1);
  });

  test('publish only takes the data type of the event name', () => {
    const hub = createHub<{ tick: { n: number }; note: string }>();
    cleanups.push(() => hub.close());
    expectTypeOf(hub.publish<'tick'>).parameter(2).toEqualTypeOf<{ n: number }>();
    // @ts-expect-error: a string is not { n: number }
    void hub.publish('t', 'tick', 'one').catch(() => {});
    // @ts-expect-error: no such event name
    void hub.publish('t', 'nope', 1).catch(() => {});
  });
});

describe('subscribe, then replay', () => {
  /** A memory store whose read() lets the test publish before and after its snapshot. */
  function interleavingStore() {
    const inner = memoryStore();
    const gate = () => {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      return { open, opened };
    };
    const reading = gate();
    const beforeSnapshot = gate();
    const afterSnapshot = gate();
    const store: Store = {
      ...inner,
      async read(topic, after, limit) {
        reading.open();
        await beforeSnapshot.opened;
        const history = await inner.read(topic, after, limit);
        await afterSnapshot.opened;
        return history;
      },
    };
    return { store, reading, beforeSnapshot, afterSnapshot };
  }

  test('an event published while history is read reaches the client once, in order', async () => {
    const { store, reading, beforeSnapshot, afterSnapshot } = interleavingStore();
    const { hub, url } = await serveHub({ store });
    await publishN(hub, 'a', 1, 3);
    const client = numberedClient(url('topic=a'), '1');
    cleanups.push(() => client.stream.close());
    await reading.opened;
    // Live (the hub is subscribed) and in the snapshot about to be taken: seen twice, sent once.
    await publishN(hub, 'a', 4, 6);
    beforeSnapshot.open();
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Live only: after the snapshot, before the replay is written.
    await publishN(hub, 'a', 7, 9);
    afterSnapshot.open();
    await waitFor(() => client.got.some((entry) => entry.n === 9), 5000, 'event 9');
    await hub.publish('a', 'tick', tick(10));
    await waitFor(() => client.got.some((entry) => entry.n === 10), 5000, 'event 10');
    expect(client.got.map((entry) => entry.n)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test('a client sees the stream open only once the hub is subscribed, so it misses nothing published after', async () => {
    const inner = memoryStore();
    let arm!: () => void;
    const armed = new Promise<void>((resolve) => (arm = resolve));
    // A store slow to subscribe (a Redis round trip, stretched).
    const store: Store = {
      ...inner,
      async subscribe(topic, listener) {
        await armed;
        return inner.subscribe(topic, listener);
      },
    };
    const { hub, url } = await serveHub({ store });
    const client = numberedClient(url('topic=a'));
    cleanups.push(() => client.stream.close());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.stream.state).toBe('connecting');
    arm();
    await waitFor(() => client.stream.state === 'open', 5000, 'the stream to open');
    await publishN(hub, 'a', 1, 3);
    await waitFor(() => client.got.length === 3, 5000, 'three events');
    expect(client.got.map((entry) => entry.n)).toEqual([1, 2, 3]);
  });
});

describe('hub.response (fetch-style servers)', () => {
  test('returns an SSE Response that replays and streams', async () => {
    const hub = createHub<Numbered>({ retry: 10 });
    cleanups.push(() => hub.close());
    await publishN(hub, 'a', 1, 3);
    const response = hub.response(new Request('http://x/events?lastEventId=1'), { topics: ['a'] });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (ticksOf(text).length < 2) text += (await reader.read()).value ?? '';
    await hub.publish('a', 'tick', tick(4));
    while (ticksOf(text).length < 3) text += (await reader.read()).value ?? '';
    expect(ticksOf(text).map((block) => block.id)).toEqual(['2', '3', '4']);
    await reader.cancel();
    await waitFor(() => hub.stats.connections === 0, 2000, 'the stream to be released');
  });
});
