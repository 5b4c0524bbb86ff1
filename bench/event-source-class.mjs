// The EventSource class against createEventStream on the same local stream (issue 19: the class
// must keep within 0.9x of createEventStream and must not starve other timers).
//
//   node bench/event-source-class.mjs [--n=200000] [--rounds=3] [--seconds=2] [--src=DIR]
//
// `npm run bench` measures the same throughput ratio over rounds in Node and Chromium (client
// "sse-kit EventSource class", key ratio "÷ sse-kit fetch"); this script remains for the starvation
// check and for comparing against an older src/.
//
// --src: another checkout's src/ (e.g. `git archive <commit> src | tar -x -C /tmp/old`) to measure
// an older class the same way.
// Bundles the current src/ with esbuild (no build step needed), serves from a child process so the
// server never competes with the client for one event loop, and runs each client in a fresh child:
//   throughput: events/s over n small events (`id:` + one short `data:` line), best of the rounds;
//   starvation: how often a 100 ms setInterval fires while a never-ending fast stream is read for
//               `seconds` (a fair loop gives seconds * 10).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = fileURLToPath(import.meta.url);
const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const event = (i) => `id: ${i}\ndata: {"n":${i},"text":"hello"}\n\n`;

if (process.argv.includes('--serve')) serve();
else if (process.argv.includes('--client')) client(JSON.parse(process.argv[process.argv.indexOf('--client') + 1]));
else await main();

function serve() {
  const n = arg('n', 200_000);
  const body = Buffer.from(Array.from({ length: n }, (_, i) => event(i)).join(''));
  const burst = Buffer.from(Array.from({ length: 1000 }, (_, i) => event(i)).join(''));
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    if (req.url === '/fixed') return void res.end(body);
    // /endless: writes as fast as the client reads, until it goes away.
    const pump = () => { while (res.write(burst)); };
    res.on('drain', pump);
    res.on('close', () => res.off('drain', pump));
    pump();
  });
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
}

async function client({ bundle, kind, mode, url, n, seconds }) {
  const { EventSource, createEventStream } = await import(pathToFileURL(bundle).href);
  let count = 0;
  let close;
  const done = new Promise((resolve) => {
    const onEvent = () => { if (++count === n && mode === 'throughput') resolve(); };
    if (kind === 'class') {
      const source = new EventSource(url);
      source.onmessage = onEvent;
      close = () => source.close();
    } else {
      const stream = createEventStream(url);
      stream.on('message', onEvent);
      close = () => stream.close();
    }
    if (mode === 'starvation') setTimeout(resolve, seconds * 1000);
  });
  let fires = 0;
  const interval = setInterval(() => fires++, 100);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await done;
  const ms = performance.now() - start;
  const { user, system } = process.cpuUsage(cpuStart);
  clearInterval(interval);
  close();
  process.send({ ms, cpu: (user + system) / 1000, count, fires });
  process.exit(0);
}

async function main() {
  const n = arg('n', 200_000);
  const rounds = arg('rounds', 3);
  const seconds = arg('seconds', 2);
  const dir = mkdtempSync(join(tmpdir(), 'es-bench-'));
  const bundle = join(dir, 'sse-kit.mjs');
  const { build } = await import('esbuild');
  const src = process.argv.find((a) => a.startsWith('--src='))?.slice(6) ?? fileURLToPath(new URL('../src', import.meta.url));
  const nodePaths = [fileURLToPath(new URL('../node_modules', import.meta.url))];
  const out = await build({ entryPoints: [join(src, 'index.ts')], bundle: true, format: 'esm', platform: 'node', target: 'node20', nodePaths, write: false });
  writeFileSync(bundle, out.outputFiles[0].text);
  const server = fork(self, ['--serve', `--n=${n}`]);
  const port = await new Promise((resolve) => server.once('message', resolve));
  const run = (job) => new Promise((resolve, reject) => {
    const child = fork(self, ['--client', JSON.stringify({ bundle, n, seconds, ...job })]);
    child.once('message', resolve);
    child.once('exit', (code) => code && reject(new Error(`client exited with ${code}`)));
  });
  try {
    // Wall time is what a user sees; CPU time of the client process moves less on a shared box.
    const best = { class: { ms: Infinity, cpu: Infinity }, stream: { ms: Infinity, cpu: Infinity } };
    for (let r = 0; r < rounds; r++) {
      for (const kind of ['stream', 'class']) {
        const { ms, cpu, count } = await run({ kind, mode: 'throughput', url: `http://127.0.0.1:${port}/fixed` });
        if (count !== n) throw new Error(`${kind} received ${count} of ${n} events`);
        best[kind] = { ms: Math.min(best[kind].ms, ms), cpu: Math.min(best[kind].cpu, cpu) };
      }
    }
    const rate = (kind, key) => Math.round(n / (best[kind][key] / 1000)).toLocaleString('en');
    for (const key of ['ms', 'cpu']) {
      const what = key === 'ms' ? 'events/s (wall)' : 'events per CPU-second';
      console.log(`throughput, ${n} events, best of ${rounds}, ${what}: createEventStream ${rate('stream', key)}, EventSource class ${rate('class', key)}, class/stream ${(best.stream[key] / best.class[key]).toFixed(2)}x`);
    }
    for (const kind of ['stream', 'class']) {
      const { count, fires } = await run({ kind, mode: 'starvation', url: `http://127.0.0.1:${port}/endless` });
      console.log(`starvation, ${seconds} s endless stream, ${kind === 'class' ? 'EventSource class' : 'createEventStream'}: ${count} events, 100 ms interval fired ${fires} of ${seconds * 10}`);
    }
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
