// One instance of the cluster example: an sse-kit/server hub on Redis behind plain node:http.
// Run two (or more) of these on one Redis: a client that reconnects to another instance resumes
// from its Last-Event-ID there, because history and ids live in Redis Streams.
//
//   REDIS_PORT=6379 PORT=3001 INSTANCE=a node examples/servers/cluster/instance.js
//
// GET /events (SSE, topic "messages", the whole kept history to a new client), POST /messages
// {"text": "..."} → 201 {"id": "<stream id>", "instance": "a"}, GET /health.
import { createServer } from 'node:http';
import { Redis } from 'ioredis';

const { createHub, redisStore } = await import('sse-kit/server').catch((error) => {
  throw new Error('sse-kit/server is not built: run `npm run build`', { cause: error });
});

/** Starts an instance; resolves once it listens. `close()` ends its streams (clients move on) and its Redis connections. */
export async function startInstance({ port = 0, redisPort = 6379, redisHost = '127.0.0.1', name = 'a' } = {}) {
  const redis = new Redis({ port: redisPort, host: redisHost });
  const hub = createHub({ store: redisStore({ client: redis, maxHistory: 10_000 }), retry: 1000 });

  const server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && pathname === '/health') return res.end('ok');
    if (req.method === 'GET' && pathname === '/events') {
      res.setHeader('X-Instance', name);
      return hub.serve(req, res, { topics: ['messages'], backlog: Number.POSITIVE_INFINITY });
    }
    if (req.method === 'POST' && pathname === '/messages') {
      let body = '';
      for await (const chunk of req) body += chunk;
      let text;
      try {
        text = JSON.parse(body).text;
      } catch {}
      if (typeof text !== 'string') return res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"expected {\\"text\\": string}"}');
      const id = await hub.publish('messages', 'message', { text, from: name });
      return res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id, instance: name }));
    }
    res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    async close() {
      // Streams end with a short retry: (clients reconnect through the proxy to another instance).
      await hub.close();
      await new Promise((resolve) => server.close(resolve));
      redis.disconnect();
    },
  };
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const instance = await startInstance({
    port: Number(process.env.PORT ?? 0),
    redisPort: Number(process.env.REDIS_PORT ?? 6379),
    redisHost: process.env.REDIS_HOST ?? '127.0.0.1',
    name: process.env.INSTANCE ?? 'a',
  });
  console.log(`instance ${process.env.INSTANCE ?? 'a'} listening on ${instance.url}`);
  const stop = () => instance.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
