// `npm run bench:hub`: load on one sse-kit/server hub (dist/server.js, memory store by default),
// in its own process, from raw-socket clients in this process. Measures:
//   - the concurrent clients one instance holds with p99 delivery latency under 1 s (steps of N),
//   - events/s through one instance (1 client, and fan-out to 100 clients),
//   - memory per idle client (server RSS and JS heap, after GC),
//   - with --redis: events/s through one instance on a private redis-server.
// Options: --quick (small N, a smoke check), --steps=1000,2000,... --rate=2 (events/s during a
// step) --redis (--redis-only) --out=FILE (markdown; default bench/hub-results.md, none with --quick).
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? true]));
const quick = Boolean(args.quick);
const steps = (args.steps ?? (quick ? '100,200' : '1000,2000,4000,6000,8000,12000,16000')).split(',').map(Number);
const rate = Number(args.rate ?? 2);
const stepSeconds = quick ? 2 : 5;
const out = args.out ?? (quick ? undefined : fileURLToPath(new URL('./hub-results.md', import.meta.url)));

if (!existsSync(new URL('../dist/server.js', import.meta.url))) {
  console.error('dist/server.js is missing: run `npm run build` first');
  process.exit(1);
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Forks the hub process; `call(command, args)` runs a command there. */
async function startHub(env = {}) {
  const child = fork(fileURLToPath(new URL('./lib/hub-server.mjs', import.meta.url)), [], {
    execArgv: ['--expose-gc', '--max-old-space-size=4096'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  process.on('exit', () => child.kill());
  const pending = new Map();
  let next = 0;
  const port = await new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.ready) return resolve(message.port);
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) waiter?.resolve(message.result);
      else waiter?.reject(new Error(message.error));
    });
    child.once('exit', (code) => reject(new Error(`hub process exited (${code})`)));
  });
  const call = (command, commandArgs) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      child.send({ id, command, args: commandArgs });
    });
  return { port, call };
}

/**
 * A raw SSE client: counts events and records each one's delivery latency (the `t` the hub put in
 * the data, against this process's clock; both read the same system clock). Like a real client,
 * when the hub cuts it (too slow) it reconnects with the last id it got; `stats.reconnects` counts that.
 */
const stats = { reconnects: 0 };
function openClient(port, sink, lastId = '') {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let tail = '';
    let open = false;
    socket.setEncoding('latin1');
    socket.on('connect', () => {
      const resume = lastId ? `Last-Event-ID: ${lastId}\r\n` : '';
      socket.write(`GET /events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n${resume}\r\n`);
    });
    socket.on('data', (chunk) => {
      const text = tail + chunk;
      const end = text.lastIndexOf('\n\n');
      if (end < 0) {
        tail = text;
        return;
      }
      tail = text.slice(end + 2);
      if (!open && text.includes('retry:')) {
        open = true;
        resolve(socket);
      }
      const at = now();
      const events = text.slice(0, end);
      for (const match of events.matchAll(/"t":([\d.]+)/g)) sink(at - Number(match[1]));
      const id = events.lastIndexOf('id: ');
      if (id >= 0) lastId = events.slice(id + 4, events.indexOf('\n', id));
    });
    socket.on('error', (error) => !open && reject(error));
    socket.on('close', () => {
      if (!open || socket.stopped) return;
      stats.reconnects++;
      void openClient(port, sink, lastId).then((next) => (socket.replacedBy = next));
    });
  });
}

/** Closes a client for good (and the connection that replaced it, if it was cut). */
function stopClient(socket) {
  for (let s = socket; s; s = s.replacedBy) {
    s.stopped = true;
    s.destroy();
  }
}

async function openClients(port, count, sink) {
  const sockets = [];
  for (let i = 0; i < count; i += 500) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(500, count - i) }, () => openClient(port, sink)))));
  }
  return sockets;
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : Number.NaN);
const ms = (value) => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(1) : Math.round(value)}` : 'n/a');
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);

/** Events/s through the hub: `clients` clients, `count` events of `size` padding bytes published as fast as the store takes them. */
async function throughput(hub, clients, count, size = 0) {
  let received = 0;
  const sockets = await openClients(hub.port, clients, () => received++);
  const started = now();
  const { ms: publishMs } = await hub.call('publish', { count, size });
  const deadline = now() + 60_000;
  while (received < count * clients && now() < deadline) await sleep(5);
  const elapsed = now() - started;
  for (const socket of sockets) stopClient(socket);
  await sleep(200);
  const reconnects = stats.reconnects;
  stats.reconnects = 0;
  return { clients, count, size, received, publishMs, elapsed, reconnects, eventsPerSecond: (count / elapsed) * 1000, deliveriesPerSecond: (received / elapsed) * 1000 };
}

async function startRedis() {
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'sse-kit-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  process.on('exit', () => child.kill());
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    await sleep(50);
  }
  const stop = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  return { port, stop };
}

const lines = [];
const log = (line = '') => {
  lines.push(line);
  console.log(line);
};

log(`# sse-kit/server hub benchmark`);
log();
log(`${new Date().toISOString().slice(0, 10)} · Node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · ${Math.round(totalmem() / 2 ** 30)} GB · hub and clients in two processes on the same machine${quick ? ' · --quick' : ''}`);
log();

// --- Events/s through one instance (memory store). ------------------------------------------------
if (!args['redis-only']) {
  const hub = await startHub();
  const n = quick ? 5000 : 100_000;
  const one = await throughput(hub, 1, n);
  const fan = await throughput(hub, 100, quick ? 500 : 10_000);
  const big = await throughput(hub, 1, quick ? 1000 : 20_000, 1024);
  log('## Throughput, one instance, memory store');
  log();
  log('| clients | events | event size | events/s published→received | deliveries/s | delivered / expected | cut for slowness, resumed |');
  log('|---|---|---|---|---|---|---|');
  for (const r of [one, fan, big]) log(`| ${r.clients} | ${r.count} | ${r.size ? '~1.1 KB' : '~60 B'} | ${Math.round(r.eventsPerSecond)} | ${Math.round(r.deliveriesPerSecond)} | ${r.received} / ${r.count * r.clients} | ${r.reconnects} |`);
  log();

  // --- Concurrent clients and delivery latency; memory per idle client. ------------------------
  log(`## Concurrent clients (memory store, ${rate} events/s for ${stepSeconds} s per step)`);
  log();
  log('| clients | p50 latency (ms) | p99 (ms) | max (ms) | delivered / expected | hub time per publish, max (ms) | server RSS (MiB) | JS heap (MiB) |');
  log('|---|---|---|---|---|---|---|---|');
  const base = await hub.call('memory');
  let samples = [];
  let failures = 0;
  const sink = (latency) => (Number.isNaN(latency) ? failures++ : samples.push(latency));
  const sockets = [];
  let held = 0;
  let perClient;
  for (const target of steps) {
    try {
      sockets.push(...(await openClients(hub.port, target - sockets.length, sink)));
    } catch (error) {
      log(`| ${target} | could not connect: ${error.code ?? error.message} | | | | | | |`);
      break;
    }
    await sleep(500);
    const idle = await hub.call('memory');
    perClient = { rss: (idle.rss - base.rss) / target, heap: (idle.heapUsed + idle.external - base.heapUsed - base.external) / target, clients: target };
    samples = [];
    const count = rate * stepSeconds;
    const { slowestMs } = await hub.call('publish', { count, rate });
    await sleep(1500);
    const sorted = Float64Array.from(samples).sort();
    const p99 = percentile(sorted, 99);
    log(`| ${target} | ${ms(percentile(sorted, 50))} | ${ms(p99)} | ${ms(sorted.at(-1))} | ${samples.length} / ${count * target} | ${ms(slowestMs)} | ${mib(idle.rss)} | ${mib(idle.heapUsed)} |`);
    if (p99 < 1000 && samples.length === count * target && failures === 0) held = target;
    else break;
  }
  log();
  log(`Held with p99 < 1 s: **${held}** concurrent clients (the highest step tried: ${steps.at(-1)}; the limit of this run is ${Math.min(...[20000])} open files per process).`);
  if (perClient) {
    log();
    log(`Memory per idle client (${perClient.clients} clients, after GC): **${(perClient.rss / 1024).toFixed(1)} KiB RSS**, ${(perClient.heap / 1024).toFixed(1)} KiB JS heap + external.`);
  }
  log();
  for (const socket of sockets) stopClient(socket);
  await hub.call('stop').catch(() => {});
}

// --- Redis store: events/s through one instance. -------------------------------------------------
if (args.redis || args['redis-only']) {
  const redis = await startRedis();
  const hub = await startHub({ REDIS_PORT: String(redis.port) });
  const one = await throughput(hub, 1, quick ? 2000 : 50_000);
  const fan = await throughput(hub, 100, quick ? 500 : 10_000);
  log('## Throughput, one instance, Redis store (XADD + XREAD BLOCK, private redis-server)');
  log();
  log('| clients | events | events/s published→received | deliveries/s | delivered / expected | cut for slowness, resumed |');
  log('|---|---|---|---|---|---|');
  for (const r of [one, fan]) log(`| ${r.clients} | ${r.count} | ${Math.round(r.eventsPerSecond)} | ${Math.round(r.deliveriesPerSecond)} | ${r.received} / ${r.count * r.clients} | ${r.reconnects} |`);
  log();
  await hub.call('stop').catch(() => {});
  redis.stop();
}

if (out) writeFileSync(out, `${lines.join('\n')}\n`);
process.exit(0);
