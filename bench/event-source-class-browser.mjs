// The EventSource class in headless Chromium (/usr/bin/chromium): events/s of createEventStream
// (fetch transport; 'auto' would pick the browser's own EventSource),
// the class as of --old=DIR (another checkout's src/, e.g. `git archive 13b1c28 src | tar -x -C
// /tmp/es-old`) and the current class, on n small events; then a never-ending fast stream for 2 s,
// counting a 100 ms setInterval's fires (a fair page gets 20) and how late a 2 s timer fires.
//
//   node bench/event-source-class-browser.mjs [n=30000] [--old=/tmp/es-old/src]
import { createServer } from 'node:http';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
const n = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 30000);
const old = process.argv.find((a) => a.startsWith('--old='))?.slice(6);
const root = new URL('..', import.meta.url).pathname;
const bundles = {};
for (const [name, src] of [...(old ? [['old', old]] : []), ['new', `${root}src`]]) {
  const out = await build({ entryPoints: [`${src}/index.ts`], bundle: true, format: 'iife', globalName: 'K', platform: 'browser', nodePaths: [`${root}node_modules`], write: false });
  bundles[name] = out.outputFiles[0].text;
}
const body = Array.from({ length: n }, (_, i) => `id: ${i}\ndata: {"n":${i},"text":"hello"}\n\n`).join('');
const server = createServer((req, res) => {
  if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>x</p>');
  const m = /^\/(old|new)\.js$/.exec(req.url);
  if (m) return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundles[m[1]]);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  if (req.url !== '/endless') return void res.end(body);
  const burst = body.slice(0, 80000);
  const pump = () => { while (res.write(burst)); };
  res.on('drain', pump); res.on('close', () => res.off('drain', pump)); pump();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
const jobs = ['/s', '/s', '/endless'].flatMap((path) => [['new', 'stream'], ...(old ? [['old', 'class']] : []), ['new', 'class']].map(([variant, kind]) => [path, variant, kind]));
for (const [path, variant, kind] of jobs) {
  const page = await browser.newPage();
  await page.goto(base + '/');
  await page.addScriptTag({ url: `/${variant}.js` });
  const r = await page.evaluate(async ({ n, kind, limit, path }) => {
    let fires = 0;
    const iv = setInterval(() => fires++, 100);
    const t = performance.now();
    const count = await new Promise((resolve) => {
      let c = 0;
      const stop = setTimeout(() => { close(); resolve(c); }, limit);
      let close;
      const on = () => { if (++c === n) { clearTimeout(stop); close(); resolve(c); } };
      if (kind === 'class') { const s = new K.EventSource(path); s.onmessage = on; close = () => s.close(); }
      else { const s = K.createEventStream(path, { transport: 'fetch' }); s.on('message', on); close = () => s.close(); }
    });
    clearInterval(iv);
    return { count, ms: performance.now() - t, fires };
  }, { n: path === '/s' ? n : Infinity, kind, limit: path === '/s' ? 60000 : 2000, path });
  const name = kind === 'stream' ? 'createEventStream' : `${variant} EventSource class`;
  const what = path === '/s' ? `${n} events` : `endless stream, 2 s timer fired after ${Math.round(r.ms)} ms, 100 ms interval fired ${r.fires} times`;
  console.log(`${name}: ${what}, ${Math.round(r.count / (r.ms / 1000)).toLocaleString('en')} events/s`);
  await page.close();
}
await browser.close();
server.close();
