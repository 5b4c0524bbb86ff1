// Express 5 example server for sse-kit: the tutorial's broadcast (GET /events streams,
// POST /messages publishes) on the sse-kit/server hub, plus everything in ../CONTRACT.md, and the
// demo-only extras the dashboard uses (GET /metrics, POST /control/drop, POST /control/restart,
// static files). The broadcast streams keep history and resume through the hub; for several
// instances on one Redis, see ../cluster/.
//
//   PORT=3000 node examples/servers/express/server.js      (PORT=0 picks a free port)
//
// Plain ESM JavaScript, no build step. `start()` is exported for programmatic use.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';

// The hub comes from the built package (dist/server.js, through package.json "exports").
const { createHub, memoryStore } = await import('sse-kit/server').catch((error) => {
  throw new Error('sse-kit/server is not built: run `npm run build` (or `npm start`)', { cause: error });
});

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');

/** Reads the contract's environment variables (and the demo's own) into one config object. */
export function configFrom(env = process.env) {
  const int = (name, fallback) => {
    const value = Number.parseInt(env[name] ?? '', 10);
    return Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  return {
    port: int('PORT', undefined),
    authToken: env.AUTH_TOKEN ?? 'secret',
    corsOrigin: env.CORS_ORIGIN ?? '',
    heartbeatMs: int('HEARTBEAT_MS', 15_000),
    retryMs: int('RETRY_MS', 2000),
    // Demo only: metric period, how long /control/restart refuses connections, metric history size.
    metricsMs: int('METRICS_MS', 500),
    restartMs: int('RESTART_MS', 2000),
    metricsHistory: int('METRICS_HISTORY', 2000),
  };
}

/** Builds the Express app and the state behind it. `shutdown()` stops timers and open streams. */
export function createApp(config = configFrom()) {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  /** Open SSE responses, so /control/drop and shutdown can end them. */
  const streams = new Set();
  // The hubs keep the history and the subscriber lists. Their memory store numbers events
  // 1, 2, 3, ... per topic, the ids of the contract. Two hubs: two history bounds.
  const hubOptions = { retry: config.retryMs, heartbeatInterval: config.heartbeatMs };
  const hub = createHub({ ...hubOptions, store: memoryStore({ maxHistory: 10_000 }) });
  const metricsHub = createHub({ ...hubOptions, store: memoryStore({ maxHistory: config.metricsHistory }) });
  /** Messages posted so far: the id the store gives the next one is this + 1 (appends are synchronous). */
  let messageCount = 0;
  let metricId = 0;
  let refuseUntil = 0;

  // --- CORS: the one allowed origin, on every answer, and preflights. ---------------------------
  app.use((req, res, next) => {
    if (config.corsOrigin) {
      res.set({
        'Access-Control-Allow-Origin': config.corsOrigin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Last-Event-ID',
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        Vary: 'Origin',
      });
    }
    if (req.method === 'OPTIONS') return res.status(204).end();
    next();
  });

  // --- Simulated restart: refuse everything but the page and the controls. ----------------------
  app.use((req, res, next) => {
    const isStatic = req.method === 'GET' && (req.path === '/' || /\.\w+$/.test(req.path));
    if (Date.now() < refuseUntil && !isStatic && !req.path.startsWith('/control/')) {
      return res.status(503).set('Retry-After', '1').type('text/plain').send('restarting');
    }
    next();
  });

  app.get('/health', (_req, res) => res.type('text/plain').send('ok'));

  // --- GET /counter and GET /private: a per-connection counter. ----------------------------------
  const counter = (req, res) => {
    const stream = openStream(res);
    const interval = positiveInt(req.query.interval, 1000);
    const limit = positiveInt(req.query.limit, 0);
    const end = positiveInt(req.query.end, 0);
    let n = lastIdOf(req);
    let sent = 0;
    if (end && n >= end) return stream.end();
    const timer = setInterval(() => {
      n += 1;
      sent += 1;
      stream.send({ id: n, event: 'tick', data: { n } });
      if (end && n >= end) stream.end();
      else if (limit && sent >= limit) stream.drop();
    }, interval);
    stream.onClose(() => clearInterval(timer));
  };
  app.get('/counter', counter);
  app.get('/private', (req, res) => {
    if (req.get('authorization') !== `Bearer ${config.authToken}`) {
      return res.status(401).json({ error: 'unauthorized' });
    }
    counter(req, res);
  });

  // --- GET /events + POST /messages: the tutorial's broadcast, on the hub. -----------------------
  // A new subscriber gets the whole log (backlog: Infinity), a returning one what came after its
  // Last-Event-ID (header or ?lastEventId=); the hub subscribes before it replays, so nothing
  // published meanwhile is lost or sent twice.
  app.get('/events', (req, res) => {
    track(res);
    hub.serve(req, res, { topics: ['messages'], backlog: Number.POSITIVE_INFINITY });
  });

  app.post('/messages', express.text({ type: () => true, limit: '64kb' }), async (req, res) => {
    const body = parseJson(req.body);
    if (typeof body?.text !== 'string') return res.status(400).json({ error: 'expected {"text": string}' });
    const message = { id: ++messageCount, text: body.text };
    const id = await hub.publish('messages', 'message', message);
    res.status(201).json({ id: Number(id) });
  });

  // --- POST /chat: an LLM-style reply that ends the response. -----------------------------------
  app.post('/chat', express.text({ type: () => true, limit: '64kb' }), (req, res) => {
    const body = parseJson(req.body);
    if (typeof body?.prompt !== 'string') return res.status(400).json({ error: 'expected {"prompt": string}' });
    const tokens = body.prompt.split(/\s+/).filter(Boolean).reverse();
    const stream = openStream(res);
    let i = lastIdOf(req); // a resumed POST skips the tokens it already has
    const timer = setInterval(() => {
      if (i < tokens.length) {
        i += 1;
        stream.send({ id: i, event: 'token', data: { token: tokens[i - 1] } });
        return;
      }
      stream.send({ event: 'done', data: { count: tokens.length } });
      stream.end();
    }, 10);
    stream.onClose(() => clearInterval(timer));
  });

  // --- Demo only: GET /metrics, a global metric stream with sequential ids, on its own hub. ------
  const metricsTimer = setInterval(() => {
    void metricsHub.publish('metrics', 'metric', sample(++metricId, streams.size));
  }, config.metricsMs);

  app.get('/metrics', (req, res) => {
    track(res);
    // Resume: everything after the client's id. First visit: the last 60 points fill the chart.
    metricsHub.serve(req, res, { topics: ['metrics'], backlog: 60 });
  });

  // --- Demo only: failure injection. -------------------------------------------------------------
  const dropAll = () => {
    const count = streams.size;
    for (const stream of [...streams]) stream.drop();
    return count;
  };
  app.post('/control/drop', (_req, res) => res.json({ dropped: dropAll() }));
  app.post('/control/restart', (_req, res) => {
    const dropped = dropAll();
    refuseUntil = Date.now() + config.restartMs;
    res.json({ dropped, refusingFor: config.restartMs });
  });

  // --- The dashboard and the bundle, served as a CDN would serve them. ---------------------------
  const staticOptions = { etag: true, setHeaders: (res) => res.set('Cache-Control', 'no-cache') };
  app.use('/dist', express.static(join(root, 'dist'), staticOptions));
  app.use(express.static(join(root, 'examples/dashboard'), staticOptions));

  /** Starts an SSE response: headers, `retry:`, heartbeat, cleanup on disconnect. */
  function openStream(res) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    // No Nagle delay: each event leaves at once (Node does not buffer res.write otherwise).
    res.socket?.setNoDelay(true);
    res.write(`retry: ${config.retryMs}\n\n`);
    const closers = [];
    const stream = {
      send(event) {
        if (!res.writableEnded && !res.destroyed) res.write(format(event));
      },
      end() {
        if (!res.writableEnded) res.end();
      },
      /** A forced drop: the socket closes after what was written, without the final chunk. */
      drop() {
        res.socket?.destroySoon();
      },
      onClose(fn) {
        closers.push(fn);
      },
    };
    const heartbeat = setInterval(() => res.writableEnded || res.write(': ping\n\n'), config.heartbeatMs);
    streams.add(stream);
    res.on('close', () => {
      clearInterval(heartbeat);
      streams.delete(stream);
      for (const fn of closers.splice(0)) fn();
    });
    return stream;
  }

  /** Lists a hub stream with the others, so /control/drop can cut it and /metrics counts it. */
  function track(res) {
    const stream = { drop: () => res.socket?.destroySoon() };
    streams.add(stream);
    res.on('close', () => streams.delete(stream));
  }

  return {
    app,
    shutdown() {
      clearInterval(metricsTimer);
      // The hubs end their streams with a short retry: (clients come back); the rest are cut.
      void hub.close();
      void metricsHub.close();
      dropAll();
    },
  };
}

/** Starts the server on 127.0.0.1; resolves once it listens. `close()` ends open streams too. */
export async function start(config = configFrom()) {
  const { app, shutdown } = createApp(config);
  const server = await new Promise((resolvePromise, reject) => {
    const s = app.listen(config.port ?? 0, '127.0.0.1', (error) => (error ? reject(error) : resolvePromise(s)));
    s.once('error', reject);
  }).catch((error) => {
    shutdown();
    throw error;
  });
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise((done) => {
        shutdown();
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

// --- Helpers ---------------------------------------------------------------------------------

/** One SSE event: `id:`, `event:`, then `data:` (JSON, one line). */
function format({ id, event, data }) {
  let out = '';
  if (id !== undefined) out += `id: ${id}\n`;
  if (event) out += `event: ${event}\n`;
  return `${out}data: ${JSON.stringify(data)}\n\n`;
}

/** The client's last id: the Last-Event-ID header, else the lastEventId query parameter, else 0. */
function lastIdOf(req) {
  const header = req.get('last-event-id');
  const query = req.query.lastEventId;
  const raw = header !== undefined && header !== '' ? header : Array.isArray(query) ? query[0] : query;
  const n = Number.parseInt(raw ?? '', 10);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function positiveInt(value, fallback) {
  const n = Number.parseInt(Array.isArray(value) ? value[0] : (value ?? ''), 10);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

function parseJson(text) {
  try {
    return typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** A plausible-looking service: waves plus noise, deterministic in the id. */
function sample(id, connections) {
  const t = id / 20;
  const noise = (k) => Math.sin(id * 12.9898 + k * 78.233) * 0.5;
  return {
    t: Date.now(),
    rps: Math.round(420 + 160 * Math.sin(t) + 60 * Math.sin(t * 3.1) + 40 * noise(1)),
    latency: Math.round((38 + 12 * Math.sin(t * 0.7 + 1) + 8 * noise(2)) * 10) / 10,
    users: connections,
  };
}

// --- CLI ---------------------------------------------------------------------------------------

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const config = configFrom();
  if (config.port === undefined) {
    console.error('PORT is required, e.g. PORT=3000 node examples/servers/express/server.js');
    process.exit(2);
  }
  if (!existsSync(join(root, 'dist/sse-kit.min.js'))) {
    console.warn('note: dist/ is missing, the dashboard needs it: run `npm run build` (or use `npm start`)');
  }
  const running = await start(config);
  console.log(`listening on ${running.url}`);
  const stop = () => running.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
