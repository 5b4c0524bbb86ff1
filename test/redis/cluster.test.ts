import { createConnection } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHub, type Hub, redisStore } from 'sse-kit/server';
import { compareIds } from '../../src/server/event-id.js';
import { type RedisServer, startRedis } from '../helpers/backends.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { type CuttingProxy, deliveryReport, type Numbered, numberedClient, slowClientScenario, startCuttingProxy } from '../helpers/hub-wire.js';
import { waitFor } from '../helpers/recorder.js';

// Two hub instances on one private redis-server, behind a proxy that alternates between them and
// cuts every stream after a few events: what a client sees behind a load balancer.

const EVENTS = 10_000;
let redis: RedisServer;
const clients: Redis[] = [];
const instances: { hub: Hub<Numbered>; server: TestServer }[] = [];
let proxy: CuttingProxy;

function connect(): Redis {
  // Retry fast: a restarted Redis is back within a few hundred ms.
  const client = new Redis({ port: redis.port, host: '127.0.0.1', retryStrategy: () => 50, maxRetriesPerRequest: null });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

async function startInstance(maxBufferedBytes?: number) {
  const hub = createHub<Numbered>({
    store: redisStore({ client: connect(), maxHistory: 100_000, blockMs: 1000 }),
    retry: 5,
    maxBufferedBytes,
  });
  const server = await startServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    return hub.serve(req, res, { topics: query.getAll('topic'), backlog: Number.POSITIVE_INFINITY });
  });
  instances.push({ hub, server });
  return { hub, server };
}

beforeAll(async () => {
  redis = await startRedis();
  const [a, b] = [await startInstance(), await startInstance()];
  proxy = await startCuttingProxy([a.server.url, b.server.url], 150);
});

afterAll(async () => {
  await proxy?.close();
  for (const { hub, server } of instances) {
    await server.close();
    await hub.close();
  }
  for (const client of clients) client.disconnect();
  await redis?.stop();
});

/**
 * Sends SHUTDOWN SAVE on a connection of its own and waits until Redis closes it. (Through a
 * client, a retried SHUTDOWN would also stop the restarted server.)
 */
function shutdownSave(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = createConnection(port, '127.0.0.1', () => socket.write('SHUTDOWN SAVE\r\n'));
    socket.on('data', () => {});
    socket.on('close', () => resolve());
    socket.on('error', () => {});
  });
}

/**
 * Publishes 1..count on both instances (odd n on the first, even on the second), `window` at a
 * time; `at(n)` runs between windows.
 */
async function publishAll(topic: string, count: number, at?: (n: number) => Promise<void>) {
  const window = 50;
  for (let n = 1; n <= count; n += window) {
    await at?.(n);
    const batch = [];
    for (let k = n; k < n + window && k <= count; k++) batch.push(instances[k % 2]!.hub.publish(topic, 'tick', { n: k }));
    await Promise.all(batch);
  }
}

async function soak(topic: string, at?: (n: number) => Promise<void>) {
  const cutsBefore = proxy.cuts;
  const client = numberedClient(`${proxy.url}/?topic=${topic}`);
  const progress = setInterval(() => console.log('progress', client.got.length, client.stream.state, instances.map((i) => i.hub.stats)), 5000);
  try {
    await waitFor(() => client.stream.state === 'open', 5000, 'the client to connect');
    const started = performance.now();
    await publishAll(topic, EVENTS, at);
    const published = performance.now();
    await waitFor(() => client.got.length >= EVENTS && client.got.some((tick) => tick.n === EVENTS), 30_000, `all ${EVENTS} events`).catch(
      (error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(deliveryReport(client.got, EVENTS, compareIds))}`);
      },
    );
    // Anything late (a duplicate) would arrive now.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const report = deliveryReport(client.got, EVENTS, compareIds);
    const timing = { publishMs: Math.round(published - started), deliveredMs: Math.round(performance.now() - started - 100) };
    console.log(JSON.stringify({ topic, ...report, cuts: proxy.cuts - cutsBefore, served: proxy.served, evicted: instances.map((i) => i.hub.stats.evicted), ...timing }));
    return { report, cuts: proxy.cuts - cutsBefore, resets: client.resets.length };
  } finally {
    clearInterval(progress);
    client.stream.close();
  }
}

describe('two hub instances on one Redis, behind a cutting round-robin proxy', () => {
  test(`a client gets ${EVENTS} events published on both instances: none lost, none twice, in order`, async () => {
    const servedBefore = [...proxy.served];
    const { report, cuts, resets } = await soak('soak');
    expect(report).toEqual({ received: EVENTS, lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(resets).toBe(0);
    expect(cuts).toBeGreaterThanOrEqual(EVENTS / 150 - 1);
    // It reconnected to both instances, many times each.
    expect(proxy.served[0]! - servedBefore[0]!).toBeGreaterThan(10);
    expect(proxy.served[1]! - servedBefore[1]!).toBeGreaterThan(10);
  });

  test('the same holds when Redis restarts in the middle of the run', async () => {
    let restarted = false;
    const { report, resets } = await soak('restart', async (n) => {
      if (n < EVENTS / 3 || restarted) return;
      restarted = true;
      // SHUTDOWN SAVE: a Redis with persistence going down; publishes meanwhile wait in the client's queue.
      await shutdownSave(redis.port);
      void redis.restart();
    });
    expect(restarted).toBe(true);
    expect(report).toEqual({ received: EVENTS, lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(resets).toBe(0);
  });

  test('a client that stops reading is cut at the bound and resumes on another instance with nothing lost', async () => {
    const slow = await startInstance(64 * 1024);
    let n = 0;
    const result = await slowClientScenario({
      url: `${slow.server.url}/?topic=slow`,
      evicted: () => slow.hub.stats.evicted,
      publish: (k, pad) => instances[(n = k) % 2]!.hub.publish('slow', 'tick', { n: k, pad }),
      compare: compareIds,
    });
    console.log(JSON.stringify({ slow: result }));
    expect(n).toBe(result.published);
    expect(result.report).toEqual({ received: result.published, lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(result.resets).toBe(0);
    expect(slow.hub.stats.evicted).toBe(1);
  });

  test('a client resuming from before the trimmed history gets reset; one inside it gets the replay', async () => {
    const hub = createHub<Numbered>({ store: redisStore({ client: connect(), maxHistory: 100 }), retry: 5 });
    const server = await startServer((req, res) => hub.serve(req, res, { topics: ['trimmed'] }));
    instances.push({ hub, server });
    const ids: string[] = [];
    for (let n = 1; n <= 1000; n++) ids.push(await hub.publish('trimmed', 'tick', { n }));
    // Redis trims MAXLEN ~ by whole nodes (100 entries): about the last 100-200 are kept.
    const old = numberedClient(server.url, ids[10]);
    const recent = numberedClient(server.url, ids[994]);
    const future = numberedClient(server.url, '99999999999999-0');
    try {
      await waitFor(() => old.resets.length === 1 && recent.got.length === 5 && future.resets.length === 1, 5000, 'reset, replay, reset').catch((error) => {
        throw new Error(`${error}: ${JSON.stringify({ old: old.resets, recent: recent.got, future: future.resets, fs: future.stream.state })}`);
      });
      expect(old.resets).toEqual([ids[999]]);
      expect(old.got).toEqual([]);
      expect(recent.got.map((tick) => tick.n)).toEqual([996, 997, 998, 999, 1000]);
      expect(recent.resets).toEqual([]);
      await hub.publish('trimmed', 'tick', { n: 1001 });
      await waitFor(() => old.got.length === 1 && future.got.length === 1, 5000, 'the next live event');
      expect(old.got[0]?.n).toBe(1001);
    } finally {
      for (const client of [old, recent, future]) client.stream.close();
    }
  });

  test('hub.close() sends its clients to the other instance, which resumes them with nothing lost', async () => {
    const [first, second] = [await startInstance(), await startInstance()];
    const balancer = await startCuttingProxy([first.server.url, second.server.url], Number.POSITIVE_INFINITY);
    const client = numberedClient(`${balancer.url}/?topic=handoff`);
    try {
      await waitFor(() => first.hub.stats.connections === 1, 5000, 'the client on the first instance');
      for (let n = 1; n <= 100; n++) await second.hub.publish('handoff', 'tick', { n });
      await waitFor(() => client.got.length === 100, 5000, '100 events');
      await first.hub.close();
      // Published while the client waits its retry: (500 ms) before coming back.
      for (let n = 101; n <= 200; n++) await second.hub.publish('handoff', 'tick', { n });
      await waitFor(() => client.got.length === 200, 5000, '200 events');
      expect(deliveryReport(client.got, 200, compareIds)).toEqual({ received: 200, lost: 0, duplicated: 0, outOfOrder: 0 });
      expect(second.hub.stats.connections).toBe(1);
      expect(balancer.served).toEqual([1, 1]);
    } finally {
      client.stream.close();
      await balancer.close();
    }
  });

  // Last: it empties Redis.
  test('after a Redis restart that lost the data, a resuming client gets reset, then live events', async () => {
    const [instance] = instances;
    const url = `${instance!.server.url}/?topic=lost`;
    for (let n = 1; n <= 10; n++) await instance!.hub.publish('lost', 'tick', { n });
    const before = numberedClient(url, '0-1');
    await waitFor(() => before.got.length === 10, 5000, '10 events');
    before.stream.close();
    await redis.restart(); // SIGTERM with --save '': nothing is kept
    const after = numberedClient(url, before.got.at(-1)!.id);
    try {
      await waitFor(() => after.resets.length === 1, 10_000, 'the reset');
      await instance!.hub.publish('lost', 'tick', { n: 11 });
      await waitFor(() => after.got.length === 1, 5000, 'the next event');
      expect(after.got[0]?.n).toBe(11);
      expect(after.resets).toHaveLength(1);
    } finally {
      after.stream.close();
    }
  });
});
