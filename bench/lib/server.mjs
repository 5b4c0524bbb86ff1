// The benchmark's SSE server. Runs in its own process (forked by bench/run.mjs) so that serving
// bytes never competes with the client under test for one event loop.
//
//   GET /stream/<scenario>?n=&run=                      the first n events of a scenario, then end
//   GET /meta/<scenario>?n=                             what a client must receive for that prefix
//   GET /drop?run=&total=&mode=destroy|end              one event per connection, then drop (reconnect latency)
//   GET /idle                                           one event, then stays open (memory per idle stream)
//   GET /stats?run=                                     how many requests a run made
//   GET /  and  /bench.js                               the browser page and its bundle (esbuild, in memory)
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { buildStream, expectation, SIZES } from './streams.mjs';

const quick = process.argv.includes('--quick');
// A snapshot of dist/ to bundle for the page instead of dist/ itself (see bench/run.mjs).
const distDir = process.argv.find((a) => a.startsWith('--dist='))?.slice('--dist='.length);
const sizes = quick ? SIZES.quick : SIZES.full;
const now = () => performance.timeOrigin + performance.now();

const streams = {};
for (const scenario of Object.keys(sizes)) streams[scenario] = buildStream(scenario, sizes[scenario]);

const requests = new Map();
const dropRuns = new Map();
const idle = new Set();
let browserBundle;

async function bundleForBrowser() {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./browser-entry.mjs', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: false,
    write: false,
    logLevel: 'silent',
    plugins: distDir
      ? [
          {
            name: 'dist-snapshot',
            setup(b) {
              b.onResolve({ filter: /\/dist\/index\.js$/ }, () => ({ path: `${distDir}/index.js` }));
            },
          },
        ]
      : [],
  });
  return result.outputFiles[0].text;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>sse-kit bench</title>
<script type="module" src="/bench.js"></script><p>sse-kit bench</p>`;

function sseHead(res) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.flushHeaders();
}

async function serveStream(res, scenario, n) {
  const stream = streams[scenario];
  const end = stream.ends[n - 1];
  let closed = false;
  let wake;
  res.on('close', () => {
    closed = true;
    wake?.();
  });
  res.on('drain', () => wake?.());
  sseHead(res);
  // 16 KiB writes: the client, not the server, should be the bottleneck. (The size of the client's
  // reads does not follow the server's writes anyway: undici hands out what the socket has, ~16-64 KiB.)
  for (let start = 0; start < end && !closed; start += 16_384) {
    if (!res.write(stream.buffer.subarray(start, Math.min(end, start + 16_384))) && !closed) {
      await new Promise((resolve) => (wake = resolve));
      wake = undefined;
    }
  }
  if (!closed) res.end();
}

function serveDrop(req, res, url) {
  const run = url.searchParams.get('run');
  const total = Number(url.searchParams.get('total'));
  const mode = url.searchParams.get('mode');
  let state = dropRuns.get(run);
  if (!state) dropRuns.set(run, (state = { dropAt: 0, resumed: 0, restarted: 0 }));
  const last = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId');
  const next = last === undefined || last === null || last === '' ? 0 : Number(last) + 1;
  if (next > 0) state.resumed++;
  else if (state.dropAt) state.restarted++;
  sseHead(res);
  // The event after a reconnect carries the time the previous connection was dropped.
  res.write(`retry: 100\nid: ${next}\ndata: {"n":${next},"dropAt":${state.dropAt}}\n\n`);
  if (next >= total - 1) return; // last one: the client closes
  setTimeout(() => {
    if (res.destroyed) return;
    state.dropAt = now();
    if (mode === 'end') res.end();
    else res.socket.destroy();
  }, 30);
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://x');
  const run = url.searchParams.get('run');
  const [, route, scenario] = url.pathname.split('/');
  if (run && route !== 'stats') requests.set(run, (requests.get(run) ?? 0) + 1);
  if (route === 'stream' && streams[scenario]) {
    const n = Math.min(Number(url.searchParams.get('n')) || sizes[scenario], sizes[scenario]);
    return serveStream(res, scenario, n);
  }
  if (route === 'meta' && streams[scenario]) {
    const n = Math.min(Number(url.searchParams.get('n')) || sizes[scenario], sizes[scenario]);
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(expectation(streams[scenario], n)));
  }
  if (route === 'drop') return serveDrop(req, res, url);
  if (route === 'idle') {
    sseHead(res);
    res.write(': idle\n\nid: 0\ndata: {"n":0}\n\n');
    idle.add(res);
    res.on('close', () => idle.delete(res));
    return;
  }
  if (route === 'stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ requests: requests.get(run) ?? 0, drop: dropRuns.get(run) ?? null }));
  }
  if (route === '') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(PAGE);
  }
  if (route === 'bench.js') {
    browserBundle ??= bundleForBrowser();
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
    return res.end(await browserBundle);
  }
  if (route === 'favicon.ico') {
    res.writeHead(204);
    return res.end();
  }
  res.writeHead(404);
  res.end();
}

const server = createServer((req, res) => {
  handle(req, res).catch((error) => {
    console.error(error);
    res.destroy();
  });
});
server.requestTimeout = 0;
server.keepAliveTimeout = 1000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const message = { port, sizes };
  if (process.send) process.send(message);
  else console.log(JSON.stringify(message));
});
process.on('disconnect', () => process.exit(0));
