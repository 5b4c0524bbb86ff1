// `npm run bench` — sse-kit against the bare fetch + eventsource-parser loop and the other SSE clients:
// throughput in Node and headless Chromium, chunking stress, reconnect latency, memory, bundle size.
// Prints markdown tables and writes them to bench/results.md (or --out=FILE).
//
//   npm run bench                      full run (~9 min on 2 cores), writes bench/results.md
//   npm run bench -- --quick           smoke check (~1 min; npm test runs it), writes to the temp dir unless --out is given
//   npm run bench -- --only=node,size  sections: size, node, hotpath, chunks, reconnect, memory, allocations, browser
//   npm run bench -- --rounds=3        rounds per throughput section
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CLIENTS } from './lib/clients.mjs';
import { runWorker, startServer } from './lib/harness.mjs';
import { f1, f2, int, load, machine, median, percentile, ratio, table } from './lib/report.mjs';
import { SCENARIOS, SIZES } from './lib/streams.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const argv = process.argv.slice(2);
const flag = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = argv.includes('--quick');
const sections = new Set((flag('only') ?? 'size,node,hotpath,chunks,reconnect,memory,allocations,browser').split(','));
const rounds = Number(flag('rounds') ?? (quick ? 1 : 5));
const repeat = quick ? 1 : 2; // timed runs per (round, client, task) in Node; the best one counts
const out = flag('out') ?? (quick ? join(tmpdir(), 'sse-kit-bench-quick.md') : 'bench/results.md');
const sizes = quick ? SIZES.quick : SIZES.full;
const chunkedSizes = quick ? SIZES.chunkedQuick : SIZES.chunkedFull;
const browserSizes = quick ? SIZES.browserQuick : SIZES.browserFull;
const BARE = CLIENTS.find((c) => c.floor).name;
const started = Date.now();
const loadAtStart = load();
// The 1-minute load average every 10 s: how busy the shared machine was while we measured.
const loadSamples = [];
setInterval(() => loadSamples.push(loadavg()[0]), 10_000).unref();
const failures = [];
const report = [];

const log = (...args) => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s]`, ...args);
const emit = (text) => {
  console.log(`${text}\n`);
  report.push(text);
};

if (!existsSync('dist/index.js') || !existsSync('dist/sse-kit.min.js')) {
  log('dist/ is missing: building it (npx rollup -c --silent)');
  execFileSync('npx', ['rollup', '-c', '--silent'], { stdio: 'inherit' });
}

// Measure a snapshot of dist/ taken now: `npm test` and the build rewrite dist/ at any time, and one
// run must measure one build. Also note which build it is.
const builtAt = statSync('dist/index.js').mtime.toISOString().replace('T', ' ').slice(0, 16);
const snapshot = mkdtempSync(join(tmpdir(), 'sse-kit-bench-dist-'));
for (const file of ['index.js', 'index.js.map', 'sse-kit.min.js']) copyFileSync(join('dist', file), join(snapshot, file));
process.on('exit', () => rmSync(snapshot, { recursive: true, force: true }));
const build = (() => {
  try {
    const git = (...args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'src').length > 0;
    return `dist/index.js built ${builtAt} UTC, HEAD ${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in src/' : ''} (copied at the start of the run)`;
  } catch {
    return `dist/index.js built ${builtAt} UTC (copied at the start of the run)`;
  }
})();
const dist = pathToFileURL(join(snapshot, 'index.js')).href;

// ── the server, in its own process ─────────────────────────────────────────────────────────────
const server = await startServer({ quick, dist: snapshot });
const { base } = server;
const getJson = async (path) => (await fetch(base + path)).json();

/** Runs one job in a fresh Node process; a failure is recorded and resolves to undefined. */
async function worker(job, nodeArgs = []) {
  const message = await runWorker(base, { ...job, dist }, nodeArgs);
  if (message.ok) return message.result;
  const reason = `${job.kind} ${job.client}: ${message.error.split('\n')[0]}`;
  log(`FAILED ${reason}`);
  failures.push(reason);
  return undefined;
}

const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);

/** Per round: time of `against` ÷ time of `client` in that round (above 1 = `client` is faster). */
function roundRatios(results, client, against, scenario, decode) {
  const mine = results.filter((r) => r.client === client && r.scenario === scenario && r.decode === decode);
  return mine
    .map((r) => {
      const other = results.find((b) => b.client === against && b.round === r.round && b.scenario === scenario && b.decode === decode);
      return other ? other.ms / r.ms : Number.NaN;
    })
    .filter(Number.isFinite);
}

/**
 * Best time of `against` ÷ best time of `client` over all rounds. Interference from the shared machine
 * only ever slows a run down (whole processes land in a slow mode now and then), so the fastest run
 * is the best estimate of what each client costs.
 */
function bestRatio(results, client, against, scenario, decode) {
  const best = (name) => Math.min(...results.filter((r) => r.client === name && r.scenario === scenario && r.decode === decode).map((r) => r.ms));
  return best(against) / best(client);
}

/**
 * "0.97× (0.91–1.04)": best vs best, then the range of the per-round ratios, so a claim can be
 * checked against the noise (one round: no range).
 */
function ratios(results, client, against, scenario, decode) {
  const best = ratio(bestRatio(results, client, against, scenario, decode));
  const perRound = roundRatios(results, client, against, scenario, decode);
  if (perRound.length < 2) return best;
  return `${best} (${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)})`;
}

const PEER = 'eventsource-client 1.2.0';
/** Issue 19's head-to-head: in how many rounds sse-kit fetch (`on()`) beat eventsource-client on small events. */
const ahead = [];
function headToHead(section, results) {
  if (!results.some((r) => r.client === PEER)) return;
  const counts = ['text', 'json'].map((decode) => {
    const perRound = roundRatios(results, 'sse-kit fetch', PEER, 'small', decode);
    return `${perRound.filter((r) => r > 1).length} of ${perRound.length}`;
  });
  const line = `${section}: sse-kit fetch ahead of ${PEER} in ${counts[0]} rounds (small text) / ${counts[1]} rounds (small json)`;
  ahead.push(line);
  emit(`${line}.`);
}

/** Key ratios, collected by the sections and printed first. */
const summary = [];
function summarize(section, results, client, against) {
  const cells = [section, `${client} ÷ ${against}`];
  for (const scenario of Object.keys(SCENARIOS)) {
    for (const decode of ['text', 'json']) cells.push(ratios(results, client, against, scenario, decode));
  }
  summary.push(cells);
}

/** Every throughput result of the run, for bench/results.json. */
const raw = {};

/** Throughput results → one table per scenario: events/s and MB/s (medians), ×bare (best; range over rounds). */
function throughputTables(title, results, clients, scenarioSizes) {
  raw[title] = results;
  emit(`### ${title}`);
  for (const scenario of Object.keys(SCENARIOS)) {
    const rows = [];
    for (const client of clients) {
      const cells = [client];
      for (const decode of ['text', 'json']) {
        const mine = results.filter((r) => r.client === client && r.scenario === scenario && r.decode === decode);
        const rates = mine.map((r) => r.events / (r.ms / 1000));
        const mbs = mine.map((r) => r.bytes / 1e6 / (r.ms / 1000));
        cells.push(int(median(rates)), f1(median(mbs)), client === BARE ? '1.00×' : ratios(results, client, BARE, scenario, decode));
      }
      rows.push(cells);
    }
    emit(`**${SCENARIOS[scenario].describe(scenarioSizes[scenario])}**`);
    emit(table(['client', 'text: events/s', 'text: MB/s', 'text: ×bare', 'json: events/s', 'json: MB/s', 'json: ×bare'], rows));
  }
}

function nodeTasks(source, chunks, scenarioSizes, repeat) {
  const tasks = [];
  for (const scenario of Object.keys(SCENARIOS)) {
    for (const decode of ['text', 'json']) {
      const n = scenarioSizes[scenario];
      // Tiny reads take longer to warm up (web streams machinery): a bigger warm-up run for them.
      tasks.push({ scenario, decode, source, chunks, n, repeat, warmup: Math.max(1, Math.round(n / (chunks === 'random' ? 2 : 10))) });
    }
  }
  return tasks;
}

async function nodeThroughput(source, chunks, scenarioSizes, roundCount, repeat) {
  const clients = CLIENTS.filter((c) => c.env.includes('node')).map((c) => c.name);
  const results = [];
  for (let round = 0; round < roundCount; round++) {
    for (const client of rotate(clients, round)) {
      log(`node ${source} ${chunks} round ${round + 1}/${roundCount}: ${client}`);
      const res = await worker({ kind: 'throughput', client, tasks: nodeTasks(source, chunks, scenarioSizes, repeat) });
      for (const r of res ?? []) results.push({ ...r, client, round });
    }
  }
  return { results, clients };
}

// ── sections ─────────────────────────────────────────────────────────────────────────────────────
const info = machine();
const sectionsRun = [];

if (sections.has('size')) {
  log('size');
  const { measureSizes } = await import('./lib/size.mjs');
  const rows = await measureSizes(snapshot);
  emit('## Bundle size');
  emit(
    'The same one-line app per client (`globalThis.x = <the import>`), bundled with `esbuild --bundle --minify --format=esm ' +
      '--target=es2022 --platform=browser` (bench/lib/size.mjs), then gzip -9 and brotli -q 11. The CDN file is measured as built by rollup + terser.',
  );
  emit(
    table(
      ['bundle', 'min (B)', 'min+gzip (B)', 'brotli (B)'],
      rows.map((r) => (r.missing ? [r.label, r.missing, '', ''] : [r.label, int(r.min), int(r.gzip), int(r.brotli)])),
    ),
  );
  sectionsRun.push('size');
}

if (sections.has('node')) {
  const { results, clients } = await nodeThroughput('network', 'big', sizes, rounds, repeat);
  summarize('Node, end to end', results, 'sse-kit fetch', BARE);
  summarize('Node, end to end', results, 'sse-kit fetch, for await', BARE);
  summarize('Node, end to end', results, 'sse-kit EventSource class', 'sse-kit fetch');
  emit('## Throughput in Node (16 KiB server writes)');
  throughputTables(`Node ${info.node}, median of ${rounds} round(s)`, results, clients, sizes);
  headToHead('Node, end to end', results);
  sectionsRun.push('node');
}

const memorySizes = quick ? SIZES.memoryQuick : SIZES.memoryFull;
if (sections.has('hotpath')) {
  const { results, clients } = await nodeThroughput('memory', 'big', memorySizes, rounds, repeat);
  summarize('Node, in-memory hot path', results, 'sse-kit fetch', BARE);
  summarize('Node, in-memory hot path', results, 'sse-kit fetch, for await', BARE);
  summarize('Node, in-memory hot path', results, 'sse-kit EventSource class', 'sse-kit fetch');
  emit('## Hot path in Node, no network (in-memory fetch, 64 KiB chunks)');
  emit(
    "Every client gets the same `fetch` option: a function that answers from memory with the stream in 64 KiB chunks " +
      '(bench/lib/clients.mjs `memoryFetch`) — no socket, no HTTP parser, no server process. What is left is each client\'s own cost ' +
      '(decoding, parsing, dispatching), so the ratios are sharper than end to end, and the noise from the shared machine is lower.',
  );
  throughputTables(`Node ${info.node}, median of ${rounds} round(s)`, results, clients, memorySizes);
  headToHead('Node, in-memory hot path', results);
  sectionsRun.push('hotpath');
}

if (sections.has('chunks')) {
  const chunkRounds = Math.max(1, Math.min(rounds, 3));
  const { results, clients } = await nodeThroughput('memory', 'random', chunkedSizes, chunkRounds, 1);
  summarize('Node, 1–64 byte reads', results, 'sse-kit fetch', BARE);
  emit('## Chunking stress in Node (random 1–64 byte reads, seeded)');
  emit(
    'The same streams (shorter), served from memory as above but re-cut into seeded random 1–64 byte pieces, each its own ' +
      '`reader.read()` → `TextDecoder.decode` → `parser.feed` (bench/lib/clients.mjs `fragmentingFetch`, passed to every client as ' +
      'its `fetch` option; same seed, same cuts for all). Cutting on the server does not get there in Node: undici coalesces ' +
      'whatever is in the socket into 16–64 KiB reads. The pieces cost ~2 µs each in web streams whoever reads them, so the ' +
      'ratios are compressed towards 1. One timed run per (round, client, task), after a warm-up of half the size.',
  );
  throughputTables(`Node ${info.node}, median of ${chunkRounds} round(s)`, results, clients, chunkedSizes);
  sectionsRun.push('chunks');
}

const RECONNECT_DELAY = 100;
function reconnectTable(results) {
  const rows = results.map(({ client, mode, result }) => {
    if (!result) return [client, mode, 'failed', '', '', '', '', ''];
    const l = result.latencies;
    return [
      client,
      mode,
      f1(median(l)),
      f1(percentile(l, 95)),
      f1(Math.min(...l)),
      f1(median(l) - RECONNECT_DELAY),
      `${l.length}`,
      result.inOrder ? 'yes' : '**no**',
    ];
  });
  return table(['client', 'drop', 'median (ms)', 'p95 (ms)', 'min (ms)', 'median − 100 ms', 'reconnects', 'every event once, in order'], rows);
}

if (sections.has('reconnect')) {
  const total = quick ? 6 : 21;
  const clients = CLIENTS.filter((c) => c.env.includes('node') && !c.floor).map((c) => c.name);
  const results = [];
  for (const mode of ['destroy', 'end']) {
    for (const client of clients) {
      log(`reconnect ${mode}: ${client}`);
      results.push({ client, mode, result: await worker({ kind: 'reconnect', client, total, mode }) });
    }
  }
  emit('## Reconnect latency in Node');
  emit(
    `The server sends \`retry: ${RECONNECT_DELAY}\` and one event per connection, then drops it 30 ms later — \`destroy\`: the socket is ` +
      'destroyed (network error); `end`: the response ends cleanly. Latency = drop → the next event delivered to the app ' +
      `(timestamps from both processes' \`performance.timeOrigin + now()\`), ${total - 1} drops per client. sse-kit is configured with ` +
      `\`retry: { initialDelay: ${RECONNECT_DELAY}, jitter: 'none' }\`; the peers follow the server's \`retry:\`. ` +
      "fetch-event-source only reconnects after a clean end if `onclose` throws (its README's advice), so it does.",
  );
  emit(reconnectTable(results));
  sectionsRun.push('reconnect');
}

if (sections.has('memory')) {
  const streams = quick ? 50 : 200;
  // 1M events take 1–3 s per client in memory; the quick run only checks that the section works.
  const longN = quick ? 30_000 : 1_000_000;
  const clients = CLIENTS.filter((c) => c.env.includes('node')).map((c) => c.name);
  const measured = [];
  for (const client of clients) {
    log(`memory: ${client}`);
    measured.push([client, await worker({ kind: 'memory', client, streams, longN }, ['--expose-gc'])]);
  }
  const bare = measured.find(([client]) => client === BARE)[1];
  const rows = measured.map(([client, m]) =>
    m
      ? [
          client,
          f1(m.perStream / 1024),
          client === BARE || !bare ? '' : f1((m.perStream - bare.perStream) / 1024),
          f1(m.leakedAfterClose / 1024),
          f1(m.at10k / 1024 ** 2),
          f1(m.atEnd / 1024 ** 2),
          f1((m.atEnd - m.at10k) / 1024),
        ]
      : [client, 'failed', '', '', '', '', ''],
  );
  emit('## Memory in Node');
  emit(
    `\`node --expose-gc\`, \`gc()\` twice before each \`process.memoryUsage().heapUsed\`, one fresh process per client. Idle: ${streams} ` +
      `open streams to the local server that have each delivered one event (heap delta ÷ ${streams}; a warm-up stream is opened and ` +
      'closed first so lazily loaded modules are in the baseline); then all closed. Issue 19 bar: sse-kit fetch ≤ bare loop + 1 KB per ' +
      `idle stream. Long stream: one stream of ${longN.toLocaleString('en')} small events generated in memory as it is read (an ` +
      'in-memory `fetch`, bench/lib/node-worker.mjs `generatedFetch`), retained heap after 10,000 events vs after the last; ' +
      'growth near 0 (±a few tens of KB of JIT and GC noise) means nothing is kept per event. A negative growth is what was ' +
      'queued at the 10k mark (the `for await` iterator holds the rest of a 64 KiB read until the loop takes it).',
  );
  emit(
    table(
      [
        'client',
        'heap per idle stream (KB)',
        '− bare loop (KB)',
        'heap 0.5 s after closing them, vs before (KB)',
        'heap at 10k events (MB)',
        `heap at ${longN.toLocaleString('en')} events (MB)`,
        'growth (KB)',
      ],
      rows,
    ),
  );
  sectionsRun.push('memory');
}

if (sections.has('allocations')) {
  log('allocations');
  const args = ['bench/allocations.mjs', `--dist=${join(snapshot, 'index.js')}`, ...(quick ? ['--quick'] : [])];
  const res = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 600_000 });
  emit('## Allocations per event in Node (in-memory hot path)');
  if (res.stdout) emit(res.stdout.trim());
  if (res.status !== 0) {
    const said = res.stdout.match(/\*\*FAILED\*\*: (.*)/)?.[1] ?? res.stderr.trim().split('\n').slice(-3).join(' ');
    const reason = `allocations: exit ${res.status ?? res.signal}: ${said}`;
    log(`FAILED ${reason}`);
    failures.push(reason);
  }
  sectionsRun.push('allocations');
}

if (sections.has('browser')) {
  if (!existsSync('/usr/bin/chromium')) {
    // A missing browser is a broken setup, not a reason to report half a run as a pass.
    const reason = 'browser: Chromium is missing (/usr/bin/chromium): run `npm run setup` (apt-get install -y chromium)';
    log(`FAILED ${reason}`);
    failures.push(reason);
    emit(`## Headless Chromium\n\nNot run: ${reason}.`);
  } else {
    const { launch } = await import('./lib/browser.mjs');
    const browser = await launch();
    info.chromium = `Chromium ${browser.version} (${info.chromium.replace(/^Chromium \S+ /, '')})`;
    const clients = CLIENTS.filter((c) => c.env.includes('browser')).map((c) => c.name);
    // More, shorter rounds than in Node: the page is at the mercy of the machine's load.
    const browserRounds = quick ? 1 : Math.min(rounds, 4);
    const results = [];
    const expects = {};
    for (const scenario of Object.keys(SCENARIOS)) {
      expects[scenario] = await getJson(`/meta/${scenario}?n=${browserSizes[scenario]}`);
      expects[`${scenario}-warmup`] = await getJson(`/meta/${scenario}?n=${Math.round(browserSizes[scenario] / 10)}`);
    }
    let runs = 0;
    for (let round = 0; round < browserRounds; round++) {
      for (const client of rotate(clients, round)) {
        log(`browser round ${round + 1}/${browserRounds}: ${client}`);
        const page = await browser.page(base);
        try {
          for (const scenario of Object.keys(SCENARIOS)) {
            for (const decode of ['text', 'json']) {
              // A warm-up run, then `repeat` timed runs of which the fastest counts (as in Node).
              let best = Number.POSITIVE_INFINITY;
              for (const kind of ['-warmup', ...Array.from({ length: repeat }, () => '')]) {
                const expect = expects[scenario + kind];
                const run = `browser-${++runs}`;
                const ms = await page.throughput(client, `${base}/stream/${scenario}?n=${expect.count}&run=${run}`, expect, decode);
                const { requests } = await getJson(`/stats?run=${run}`);
                if (requests !== 1) throw new Error(`${requests} requests for one stream`);
                if (!kind) best = Math.min(best, ms);
              }
              const { count, bytes } = expects[scenario];
              results.push({ client, round, scenario, decode, ms: best, events: count, bytes });
            }
          }
        } catch (error) {
          const reason = `browser ${client}: ${error.message.split('\n')[0]}`;
          log(`FAILED ${reason}`);
          failures.push(reason);
        }
        if (page.errors.length) failures.push(`browser ${client}: page errors ${page.errors.join('; ')}`);
        await page.close();
      }
    }
    emit('## Throughput in headless Chromium (16 KiB server writes)');
    emit(
      'Page and streams from the same local server (same origin, HTTP/1.1). Every client runs in the page, bundled with esbuild ' +
        '(bench/lib/browser-entry.mjs); a fresh page per (round, client); a warm-up run of 1/10 the size, then ' +
        `${repeat} timed run(s) of which the fastest counts. ` +
        "Shorter streams than in Node, because Chromium's own EventSource delivers only some 45k events/s; long enough that a " +
        'fetch client takes ~70 ms per run on small events (at 30k events, ~20 ms, a round\'s ratio swung by ±40%).',
    );
    throughputTables(`${info.chromium.split(' (')[0]}, median of ${browserRounds} round(s)`, results, clients, browserSizes);
    summarize('Chromium', results, 'sse-kit fetch', BARE);
    summarize('Chromium', results, 'sse-kit native', 'EventSource (browser built-in)');
    summarize('Chromium', results, 'sse-kit EventSource class', 'sse-kit fetch');
    headToHead('Chromium', results);

    const total = quick ? 6 : 21;
    const reconnects = [];
    for (const client of clients.filter((c) => c !== BARE)) {
      log(`browser reconnect: ${client}`);
      const page = await browser.page(base);
      const run = `browser-drop-${++runs}`;
      try {
        const result = await page.reconnect(client, `${base}/drop?run=${run}&total=${total}&mode=destroy`, total);
        reconnects.push({ client, mode: 'destroy', result });
      } catch (error) {
        failures.push(`browser reconnect ${client}: ${error.message.split('\n')[0]}`);
        reconnects.push({ client, mode: 'destroy' });
      }
      await page.close();
    }
    emit('### Reconnect latency in headless Chromium');
    emit(reconnectTable(reconnects));
    await browser.close();
    sectionsRun.push('browser');
  }
}

server.stop();

// ── the report ───────────────────────────────────────────────────────────────────────────────────
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const header = [
  `# sse-kit benchmarks${quick ? ' (quick run — smoke check, not for comparison)' : ''}`,
  '',
  `- Date: ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC; sections: ${sectionsRun.join(', ')}; took ${minutes} min`,
  `- Machine: ${info.cpu}, ${info.cores} cores (shared with other work), ${info.platform}`,
  `- Node ${info.node}; ${info.chromium}`,
  `- Load average (1/5/15 min) at start: ${loadAtStart}; at end: ${load()}; 1-min load sampled every 10 s during the run: ` +
    `median ${f2(median(loadSamples))}, max ${f2(Math.max(...loadSamples, 0))} (${info.cores} cores). Absolute numbers vary ±20% on this shared box: compare ratios within one run.`,
  `- sse-kit: ${build}; eventsource-parser 4.1.3 for the bare loop (the peers bundle their own 3.x).`,
  `- Reproduce: \`npm run build && npm run bench\`${quick ? ' (this was `-- --quick`)' : ''}; profile the hot path with \`node bench/profile.mjs\`.`,
  ...(failures.length ? ['', `**FAILED (${failures.length})**:`, ...failures.map((f) => `- ${f}`)] : []),
  '',
  ...(summary.length
    ? [
        '## Key ratios',
        '',
        'Speed of sse-kit relative to the reference: best time of the reference ÷ best time of sse-kit over all rounds, and in ' +
          'parentheses the range (lowest–highest) over rounds of the same ratio within a round, each round a fresh process per client. ' +
          'Above 1.00× is faster than the reference. Issue 19 bars: `on()` ≥ 0.95× the bare loop on small events, `for await` ≥ 0.85×, ' +
          'large and multi-line ≥ 0.95×, 1–64 byte reads ≥ 0.9×; the EventSource class ≥ 0.9× sse-kit fetch.',
        '',
        table(['section', 'sse-kit ÷ reference', ...Object.keys(SCENARIOS).flatMap((s) => [`${s} text`, `${s} json`])], summary),
        '',
        ...ahead.map((line) => `- ${line}`),
        ...(ahead.length ? [''] : []),
      ]
    : []),
  '## Method',
  '',
  '- A node:http server in its own process (bench/lib/server.mjs) serves pre-rendered streams; unless stated, it writes 16 KiB at a time ' +
    'so the client, not the server, is the bottleneck. Each Node measurement runs in a fresh Node process per (round, client) ' +
    `(bench/lib/node-worker.mjs): a warm-up run of 1/10 the size, then ${repeat} timed run(s) of which the fastest counts; ` +
    'clients are interleaved, and the order is rotated each round.',
  '- Every client must receive every event: the consumer counts events and adds up a checksum (text: total data length; json: the sum of ' +
    'the `n` fields), and the server must see exactly one request per stream. A wrong count, checksum or a reconnect fails the run.',
  '- `text`: the consumer gets the data string. `json`: the consumer gets the parsed object — sse-kit with `decode: \'json\'`, the peers ' +
    'and the bare loop with `JSON.parse(data)` in their handler. Time is from creating the client to the last event delivered (so it ' +
    'includes connecting, ~1 ms locally). events/s and MB/s: medians over rounds. ×bare: the best (fastest) bare-loop time ÷ the ' +
    "client's best time over all rounds — the machine's noise only ever slows runs down, and whole processes sometimes land in a " +
    'slow mode, so the fastest run is the best estimate of cost; in parentheses the lowest–highest over rounds of bare time ÷ client ' +
    'time within the same round, so a claim can be checked against the spread (a claim holds when the range clears the bar, ' +
    `not only the best). Above 1 is faster than the floor. Raw per-run numbers: ${out.replace(/\.md$/, '')}.json.`,
  `- Rounds: ${rounds} in Node (1–64 byte reads: ${Math.max(1, Math.min(rounds, 3))}), ${quick ? 1 : Math.min(rounds, 4)} in Chromium. ` +
    '"sse-kit EventSource class" is sse-kit\'s spec-compatible `EventSource` export, used like the other EventSources ' +
    '(`addEventListener(type)`, `JSON.parse` in the listener); its starvation check (timers firing during an endless stream) is ' +
    '`node bench/event-source-class.mjs`.',
  '- Bare loop (the floor): `fetch` → `reader.read()` → `TextDecoder.decode(value, { stream: true })` → `parser.feed()` of eventsource-parser 4.1.3, nothing else.',
  '- @microsoft/fetch-event-source in Node: it reads `document` and `window` even with `openWhenHidden: true` and its `fetch` option ' +
    '(dispose() calls `document.removeEventListener` and `window.clearTimeout`), so its worker process gets a minimal ' +
    '`document`/`window` shim (no-op listeners, the real timers and fetch). No other client gets a shim.',
  '',
];
const text = [...header, ...report.flatMap((block) => [block, ''])].join('\n');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${text}\n`);
writeFileSync(out.replace(/\.md$/, '') + '.json', `${JSON.stringify({ date: new Date().toISOString(), quick, build, info, throughput: raw }, null, 1)}\n`);
console.log(header.join('\n'));
log(`wrote ${out}`);
if (failures.length) {
  console.error(`\n${failures.length} failure(s):\n${failures.join('\n')}`);
  process.exit(1);
}
process.exit(0);
