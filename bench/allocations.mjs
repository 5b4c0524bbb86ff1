// Objects allocated per event on the in-memory hot path, by allocating site: what each client
// allocates for one small event, and where. The V8 sampling heap profiler with a 1-byte sampling
// interval records (nearly) every allocation with its stack, and with the includeObjectsCollectedBy*
// flags it keeps the short-lived ones that a minor GC has already freed — which is almost all of them.
// Per-event figures are the difference of two profiled runs of n1 and n2 events in the same warm
// process, divided by n2 − n1, so start-up, the response and the reader cancel out.
//
//   node bench/allocations.mjs [--dist=dist/index.js] [--quick] [--n=25000]
//
// Prints markdown (a table per run, a totals table, the method); exits 1 if the self-check fails (a
// loop that allocates nothing must show ~0 objects per iteration, one that allocates one object ~1)
// or a client delivers the wrong events. bench/run.mjs runs it as its `allocations` section.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { SourceMap } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = fileURLToPath(import.meta.url);
const ROOT = new URL('..', import.meta.url).href;
const argv = process.argv.slice(2);
const flag = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

// What is measured, in column order: [label, client name in bench/lib/clients.mjs, decode].
const RUNS = [
  ['bare loop, text', 'bare fetch + eventsource-parser', 'text'],
  ['bare loop, json', 'bare fetch + eventsource-parser', 'json'],
  ['on(), text', 'sse-kit fetch', 'text'],
  ['on(), json', 'sse-kit fetch', 'json'],
  ['for await, text', 'sse-kit fetch, for await', 'text'],
  ['for await, json', 'sse-kit fetch, for await', 'json'],
  ['EventSource class, text', 'sse-kit EventSource class', 'text'],
];
const SELF_CHECKS = [
  ['self-check: loop allocating nothing', 'check-none', 0],
  ['self-check: loop allocating 1 object', 'check-one', 1],
];

/** One (client, decode) in this fresh process: warm up, then profile n1 and n2 events; prints per-site counts. */
async function child({ client, decode, dist, n1, n2 }) {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  const profiled = async (body) => {
    // samplingInterval is the mean distance in bytes between samples: 1 samples every allocation
    // (the self-check proves it). Without the two include flags, objects freed by a GC before
    // stopSampling would be missing from the profile.
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 1,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await body();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    return sites(profile, dist);
  };

  let run;
  if (client.startsWith('check-')) {
    // The self-check: a loop that allocates nothing, or exactly one escaping object per iteration.
    let sink;
    const loop = (n) => {
      for (let i = 0; i < n; i++) if (client === 'check-one') sink = { i };
      return sink;
    };
    run = async (n) => loop(n);
  } else {
    const { buildStream, expectation } = await import('./lib/streams.mjs');
    const { memoryFetch, throughput, useSseKit } = await import('./lib/clients.mjs');
    useSseKit(await import(dist));
    const stream = buildStream('small', n2);
    run = async (n) => {
      const expect = expectation(stream, n);
      // The same in-memory fetch (64 KiB chunks) and checking consumer as the hot-path section.
      await throughput(client, 'http://127.0.0.1:9/memory', expect, decode, { fetch: memoryFetch(stream.buffer.subarray(0, expect.bytes)) });
    };
  }
  // Warm up until the hot functions are optimised: interpreted code allocates what optimised code
  // keeps in registers, and a tier-up between the two profiled runs would not cancel out.
  for (let i = 0; i < 3; i++) await run(n2);
  const first = await profiled(() => run(n1));
  const second = await profiled(() => run(n2));
  process.stdout.write(`${JSON.stringify({ first, second })}\n`);
  process.exit(0);
}

/** Sampled allocations grouped by site → { site: { count, bytes } }. */
function sites(profile, dist) {
  const map = sourceMapFor(dist);
  const parents = new Map();
  const nodes = new Map();
  const walk = (node, parent) => {
    nodes.set(node.id, node);
    parents.set(node.id, parent);
    for (const c of node.children) walk(c, node);
  };
  walk(profile.head, undefined);
  const out = {};
  for (const { nodeId, size } of profile.samples) {
    const key = siteOf(nodes.get(nodeId), parents, map);
    const entry = (out[key] ??= { count: 0, bytes: 0 });
    entry.count++;
    entry.bytes += size;
  }
  return out;
}

let cachedMap;
function sourceMapFor(dist) {
  if (cachedMap !== undefined) return cachedMap;
  const file = `${fileURLToPath(dist)}.map`;
  cachedMap = existsSync(file) ? { url: dist, map: new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) } : null;
  return cachedMap;
}

/** "fn (src/parser.ts:42)" for one frame; dist/ positions mapped back to src/ or to the bundled package. */
function frameName(frame, map) {
  const name = frame.functionName || '(anonymous)';
  if (map && frame.url === map.url) {
    const entry = map.map.findEntry(frame.lineNumber, frame.columnNumber);
    const file = (entry.originalSource ?? 'dist').replace(/^.*?(src\/|node_modules\/)/, '$1');
    return `${name} (${file}:${(entry.originalLine ?? 0) + 1})`;
  }
  const url = frame.url.replace(ROOT, '').replace(/^node:internal\//, 'node:');
  return `${name} (${url || 'native'}:${frame.lineNumber + 1})`;
}

/**
 * The allocating function, and when that is Node's own code (web streams, TextDecoder, promises),
 * also the first caller outside it, which says on whose behalf the object was made.
 */
function siteOf(node, parents, map) {
  const top = frameName(node.callFrame, map);
  const internal = (frame) => !frame.url || frame.url.startsWith('node:');
  if (!internal(node.callFrame)) return top;
  for (let p = parents.get(node.id); p; p = parents.get(p.id)) {
    if (!internal(p.callFrame) && p.callFrame.functionName !== '(root)') return `${top} ← ${frameName(p.callFrame, map)}`;
  }
  return top;
}

function measure(client, decode, dist, n1, n2) {
  const job = JSON.stringify({ client, decode, dist, n1, n2 });
  const res = spawnSync(process.execPath, [self, `--child=${job}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (res.status !== 0) throw new Error(`${client} ${decode}: exit ${res.status ?? res.signal}: ${res.stderr.trim().split('\n').slice(-3).join(' ')}`);
  const { first, second } = JSON.parse(res.stdout.trim().split('\n').pop());
  const perEvent = {};
  for (const key of new Set([...Object.keys(first), ...Object.keys(second)])) {
    const a = first[key] ?? { count: 0, bytes: 0 };
    const b = second[key] ?? { count: 0, bytes: 0 };
    perEvent[key] = { count: (b.count - a.count) / (n2 - n1), bytes: (b.bytes - a.bytes) / (n2 - n1) };
  }
  return perEvent;
}

const total = (perEvent, key) => Object.values(perEvent).reduce((sum, s) => sum + s[key], 0);

async function main() {
  const { f2, int, table } = await import('./lib/report.mjs');
  const dist = pathToFileURL(resolve(flag('dist') ?? fileURLToPath(new URL('dist/index.js', ROOT)))).href;
  const quick = argv.includes('--quick');
  const n2 = Number(flag('n') ?? (quick ? 5_000 : 25_000));
  const n1 = Math.round(n2 / 5);
  const failures = [];
  const lines = [];
  const print = (text) => lines.push(text, '');

  // Validate the method first: if these are off, no other number here means anything.
  const checks = [];
  for (const [label, client, want] of SELF_CHECKS) {
    const got = total(measure(client, 'text', dist, n1, n2), 'count');
    const ok = Math.abs(got - want) < 0.05;
    if (!ok) failures.push(`${label}: ${f2(got)} objects per iteration, expected ${want}`);
    checks.push(`${label}: ${f2(got)} objects per iteration (expected ${want}) — ${ok ? 'ok' : '**FAILED**'}`);
  }

  const results = [];
  for (const [label, client, decode] of RUNS) {
    try {
      results.push({ label, perEvent: measure(client, decode, dist, n1, n2) });
    } catch (error) {
      failures.push(`allocations ${label}: ${error.message}`);
      results.push({ label, perEvent: null });
    }
  }

  print(
    `Small events (~80 B, \`id:\` + one \`data:\` line) from an in-memory fetch in 64 KiB chunks, the same consumer as the hot-path ` +
      `section. Each column is a fresh \`node\` process: 3 warm-up streams of ${n2.toLocaleString('en')} events, then ` +
      `\`HeapProfiler.startSampling\` (samplingInterval 1 byte, includeObjectsCollectedByMinorGC/MajorGC) around a stream of ` +
      `${n1.toLocaleString('en')} and one of ${n2.toLocaleString('en')} events; per event = difference ÷ ${(n2 - n1).toLocaleString('en')}, ` +
      'so what a stream allocates once cancels out. A site is the allocating JavaScript function at its first line (builtins such ' +
      'as JSON.parse or TextDecoder count at their JS caller; a function the optimising compiler inlined counts at the function it ' +
      'was inlined into, so the totals are exact but the split between a function and its callees can move between runs); when ' +
      'it is Node\'s own code, `←` names the first caller outside Node. ' +
      'Objects escape-analysed away by the optimising compiler are not allocations and do not show. ' +
      `Method check: ${checks.join('; ')}.`,
  );
  const ok = results.filter((r) => r.perEvent);
  print(
    table(
      ['', ...ok.map((r) => r.label)],
      [
        ['objects per event', ...ok.map((r) => f2(total(r.perEvent, 'count')))],
        ['bytes per event', ...ok.map((r) => int(total(r.perEvent, 'bytes')))],
      ],
    ),
  );
  // One table with every site that allocates at least 0.05 objects per event in some column.
  const keys = new Set();
  for (const r of ok) for (const [key, s] of Object.entries(r.perEvent)) if (Math.abs(s.count) >= 0.05) keys.add(key);
  // Most objects over all columns first.
  const weight = (key) => ok.reduce((sum, r) => sum + (r.perEvent[key]?.count ?? 0), 0);
  const rows = [...keys]
    .sort((a, b) => weight(b) - weight(a))
    .map((key) => [key, ...ok.map((r) => r.perEvent[key])])
    .map(([key, ...cells]) => [`\`${key.replaceAll('|', '\\|')}\``, ...cells.map((s) => (s && Math.abs(s.count) >= 0.005 ? `${f2(s.count)} (${int(s.bytes)} B)` : ''))]);
  print('Objects per event (bytes per event) by allocating site:');
  print(table(['site', ...ok.map((r) => r.label)], rows));
  if (failures.length) print(`**FAILED**: ${failures.join('; ')}`);
  process.stdout.write(lines.join('\n'));
  process.exit(failures.length ? 1 : 0);
}

// Last, so that every const above is initialised before the top-level await runs.
if (flag('child')) await child(JSON.parse(flag('child')));
else await main();
