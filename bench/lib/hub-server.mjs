// The hub under test, in its own process (bench/hub.mjs drives it over IPC): GET /events serves
// the topic "bench" from dist/server.js; commands publish, report memory, stop.
import { createServer } from 'node:http';
import { createHub, memoryStore, redisStore } from '../../dist/server.js';

const redisPort = Number(process.env.REDIS_PORT ?? 0);
let redis;
if (redisPort) {
  const { Redis } = await import('ioredis');
  redis = new Redis({ port: redisPort, host: '127.0.0.1' });
}
const hub = createHub({
  store: redis ? redisStore({ client: redis, maxHistory: 100_000 }) : memoryStore({ maxHistory: 100_000 }),
  heartbeatInterval: 15_000,
});
const server = createServer((req, res) => hub.serve(req, res, { topics: ['bench'] }));
// The default of 5 s would close idle keep-alive sockets that are not streams; streams are never idle-closed.
server.maxConnections = 100_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const now = () => performance.timeOrigin + performance.now();
const pad = (size) => 'x'.repeat(Math.max(0, size));

const commands = {
  /** `count` events at `rate` per second (0 = as fast as the store takes them), `size` bytes of padding. */
  async publish({ count, rate = 0, size = 0 }) {
    const padding = pad(size);
    const started = now();
    let slowestMs = 0;
    const batch = rate ? 1 : 500;
    for (let n = 0; n < count; n += batch) {
      if (rate) {
        const due = started + (n * 1000) / rate;
        if (due > now()) await new Promise((resolve) => setTimeout(resolve, due - now()));
      }
      const sends = [];
      const before = now();
      for (let k = n; k < Math.min(count, n + batch); k++) sends.push(hub.publish('bench', 'tick', { n: k, t: now(), p: padding }));
      // With the memory store, publish fans out synchronously: this is the hub's cost of one batch.
      slowestMs = Math.max(slowestMs, now() - before);
      await Promise.all(sends);
      // Let sockets drain between batches, as between requests in a real server.
      if (!rate) await new Promise((resolve) => setImmediate(resolve));
    }
    return { ms: now() - started, slowestMs };
  },
  memory() {
    globalThis.gc?.();
    globalThis.gc?.();
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    return { rss, heapUsed, external, arrayBuffers, ...hub.stats };
  },
  async stop() {
    await hub.close();
    server.closeAllConnections();
    server.close();
    redis?.disconnect();
    setImmediate(() => process.exit(0));
    return {};
  },
};

process.on('message', async ({ id, command, args }) => {
  try {
    process.send({ id, ok: true, result: await commands[command](args ?? {}) });
  } catch (error) {
    process.send({ id, ok: false, error: String(error?.stack ?? error) });
  }
});
process.send({ ready: true, port: server.address().port });
