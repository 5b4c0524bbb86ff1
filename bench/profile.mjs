// CPU profiles of the hot path: runs clients in a Node worker under `--cpu-prof` on one scenario
// and prints where the time goes (self time per function, dist/ positions mapped back to src/
// through dist/index.js.map), next to the bare fetch + eventsource-parser loop.
//
//   node bench/profile.mjs                                   sse-kit fetch vs bare, small events, text + json
//   node bench/profile.mjs --clients="sse-kit fetch, for await" --scenario=multiline --decode=json
//   node bench/profile.mjs --source=network                  through the local server (default: in-memory fetch)
//   node bench/profile.mjs --chunks=random                   through the 1–64 byte fragmenting fetch
//   node bench/profile.mjs --top=25 --keep                   more rows; keep the .cpuprofile files
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runWorker, startServer } from './lib/harness.mjs';
import { f1, table } from './lib/report.mjs';
import { SIZES } from './lib/streams.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const argv = process.argv.slice(2);
const flag = (name, fallback) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const clients = flag('clients', 'bare fetch + eventsource-parser,sse-kit fetch').split(',').map((c) => c.trim());
// "sse-kit fetch, for await" contains a comma: glue it back.
for (let i = clients.length - 1; i > 0; i--) if (clients[i] === 'for await') clients.splice(i - 1, 2, `${clients[i - 1]}, for await`);
const scenario = flag('scenario', 'small');
const decodes = flag('decode', 'text,json').split(',');
const chunks = flag('chunks', 'big');
const source = flag('source', 'memory');
const top = Number(flag('top', 12));
const repeat = Number(flag('repeat', 3));
const n = Number(flag('n', (chunks === 'random' ? SIZES.chunkedFull : source === 'memory' ? SIZES.memoryFull : SIZES.full)[scenario]));

const distUrl = pathToFileURL(join(root, 'dist/index.js')).href;
const sourceMap = new SourceMap(JSON.parse(readFileSync('dist/index.js.map', 'utf8')));
const distLines = readFileSync('dist/index.js', 'utf8').split('\n');

/** "src/client.ts:319 #dispatch" for dist code, the file's tail otherwise. */
function where(frame) {
  if (frame.url === distUrl) {
    const entry = sourceMap.findEntry(frame.lineNumber, frame.columnNumber);
    const file = (entry.originalSource ?? '').replace(/^.*?(src\/|node_modules\/)/, '$1');
    return { file: `${file}:${(entry.originalLine ?? 0) + 1}`, group: file.includes('eventsource-parser') ? 'eventsource-parser (in dist)' : 'sse-kit src/' };
  }
  const url = frame.url || '(native)';
  const group = url.includes('/node_modules/eventsource-parser/')
    ? 'eventsource-parser'
    : url.includes('/bench/lib/streams.mjs')
      ? 'bench: building the stream (not timed)'
      : url.includes('/bench/')
      ? 'bench harness (consumer)'
      : url.startsWith('node:') || url === '(native)'
        ? 'Node / V8 built-ins'
        : url.includes('/node_modules/')
          ? 'peer library'
          : 'other';
  return { file: `${url.replace(/^.*\/(node_modules\/)?/, '')}:${frame.lineNumber + 1}`, group };
}

// The source text as it was when dist/ was built (sourcesContent), not src/ as it is now.
const mapJson = JSON.parse(readFileSync('dist/index.js.map', 'utf8'));
const sources = new Map(mapJson.sources.map((file, i) => [file.replace(/^.*?(src\/|node_modules\/)/, '$1'), (mapJson.sourcesContent?.[i] ?? '').split('\n')]));
const sourceLine = (file, line) => (sources.get(file)?.[line - 1] ?? '').trim();

/** Sampled ticks per line of sse-kit's own src/ (positionTicks of dist/index.js, mapped back). */
function hotLines(profile, intervalMs) {
  const lines = new Map();
  for (const node of profile.nodes) {
    if (node.callFrame.url !== distUrl || !node.positionTicks) continue;
    for (const { line, ticks } of node.positionTicks) {
      const text = distLines[line - 1] ?? '';
      // The first mapping on that line (at its indentation, else anywhere on it).
      let entry = sourceMap.findEntry(line - 1, text.length - text.trimStart().length);
      if (entry.generatedLine !== line - 1) entry = sourceMap.findEntry(line - 1, text.length);
      if (entry.generatedLine !== line - 1) continue;
      const file = (entry.originalSource ?? '').replace(/^.*?(src\/|node_modules\/)/, '$1');
      if (!file.startsWith('src/')) continue;
      const key = `${file}:${(entry.originalLine ?? 0) + 1}`;
      const row = lines.get(key) ?? { key, file, line: (entry.originalLine ?? 0) + 1, fn: node.callFrame.functionName, ms: 0 };
      row.ms += ticks * intervalMs;
      lines.set(key, row);
    }
  }
  return [...lines.values()].sort((a, b) => b.ms - a.ms);
}

function summarize(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const functions = new Map();
  const groups = new Map();
  let busy = 0;
  for (const [id, ms] of self) {
    const { callFrame } = byId.get(id);
    const name = callFrame.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)' || name === '(root)') continue;
    const { file, group } = name === '(garbage collector)' ? { file: '', group: 'GC' } : where(callFrame);
    const key = `${name} ${file}`;
    const entry = functions.get(key) ?? { name, file, group, ms: 0 };
    entry.ms += ms;
    functions.set(key, entry);
    groups.set(group, (groups.get(group) ?? 0) + ms);
    busy += ms;
  }
  return { functions: [...functions.values()].sort((a, b) => b.ms - a.ms), groups, busy };
}

const server = await startServer();
const dir = mkdtempSync(join(tmpdir(), 'sse-kit-profile-'));
console.log(`# CPU profiles: ${scenario} × ${n.toLocaleString('en')} events, ${source} source, chunks ${chunks}, ${repeat} timed runs after a warm-up\n`);
for (const decode of decodes) {
  for (const client of clients) {
    const out = join(dir, `${client.replace(/\W+/g, '-')}-${decode}`);
    mkdirSync(out, { recursive: true });
    const task = { scenario, decode, source, chunks, n };
    const tasks = [{ ...task, warmup: Math.round(n / 10) }, ...Array.from({ length: repeat - 1 }, () => task)];
    const message = await runWorker(server.base, { kind: 'throughput', client, tasks }, [
      '--cpu-prof',
      `--cpu-prof-dir=${out}`,
      '--cpu-prof-interval=200',
    ]);
    if (!message.ok) {
      console.log(`${client} ${decode}: FAILED ${message.error}`);
      continue;
    }
    const runs = message.result.map((r) => r.ms);
    const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
    const profile = JSON.parse(readFileSync(join(out, file), 'utf8'));
    const { functions, groups, busy } = summarize(profile);
    const hot = hotLines(profile, (profile.endTime - profile.startTime) / 1000 / profile.samples.length);
    console.log(`## ${client}, decode ${decode}: ${runs.map((ms) => `${f1(ms)} ms`).join(', ')} per run (${f1(n / (Math.min(...runs) / 1000) / 1000)}k events/s best)\n`);
    console.log(`CPU busy in the whole process (startup, warm-up, ${repeat} runs): ${f1(busy)} ms\n`);
    console.log(
      table(
        ['where', 'self ms', 'share'],
        [...groups].sort((a, b) => b[1] - a[1]).map(([group, ms]) => [group, f1(ms), `${f1((100 * ms) / busy)}%`]),
      ),
    );
    console.log('');
    console.log(
      table(
        ['function', 'location', 'group', 'self ms', 'share'],
        functions.slice(0, top).map((f) => [f.name, f.file, f.group, f1(f.ms), `${f1((100 * f.ms) / busy)}%`]),
      ),
    );
    console.log('');
    if (hot.length) {
      console.log(`Hottest lines of sse-kit's own code (src/, sampled ticks × interval):\n`);
      console.log(
        table(
          ['src line', 'function', 'ms', 'code'],
          hot.slice(0, top).map((h) => [h.key, h.fn || '(anonymous)', f1(h.ms), `\`${sourceLine(h.file, h.line).slice(0, 90).replaceAll('|', '\\|')}\``]),
        ),
      );
      console.log('');
    }
    if (argv.includes('--keep')) console.log(`profile: ${join(out, file)}\n`);
  }
}
server.stop();
if (!argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
process.exit(0);
