// `node bench/parity.mjs` — issue 11's table: the browser's EventSource, sse-kit `auto` (and
// `fetch` where the tests run it) built from an older commit, and from the current dist, measured
// in Chromium by test/browser/native-parity.test.ts and page-lifecycle.test.ts. Those tests append
// what they measure to $PARITY_REPORT and load the bundle named by $SSE_KIT_BUNDLE; this script runs
// them once per build (the old build fails some checks: that is the point) and prints the table.
//
//   npm run build && node bench/parity.mjs                 old = 13b1c28 (before the core rewrite)
//   node bench/parity.mjs --old=<commit> --out=FILE        another baseline; also write the table to FILE
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const oldRef = flag('old') ?? '13b1c28';
const out = flag('out');
const TESTS = ['test/browser/native-parity.test.ts', 'test/browser/page-lifecycle.test.ts'];
const log = (...args) => console.error('[parity]', ...args);

const current = join(root, 'dist/sse-kit.min.js');
if (!existsSync(current)) throw new Error('dist/sse-kit.min.js is missing: run `npm run build`');

/** Builds `ref` in a temp dir (git archive, the worktree's node_modules) and returns its bundle. */
function buildOld(dir) {
  mkdirSync(dir);
  log(`building ${oldRef} in ${dir}`);
  execFileSync('sh', ['-c', `git -C "${root}" archive ${oldRef} | tar -x -C "${dir}"`], { stdio: 'inherit' });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return join(dir, 'dist/sse-kit.min.js');
}

/** Runs the parity tests against `bundle`; returns the records, keyed `group|case|client`. */
function measure(label, bundle, dir) {
  const file = join(dir, `${label}.jsonl`);
  log(`measuring ${label} (${bundle})`);
  const run = spawnSync('npx', ['vitest', 'run', ...TESTS], {
    cwd: root,
    env: { ...process.env, SSE_KIT_BUNDLE: bundle, PARITY_REPORT: file },
    encoding: 'utf8',
  });
  const summary = /Tests\s+.*$/m.exec(run.stdout.replace(/\x1b\[[0-9;]*m/g, ''))?.[0] ?? `exit ${run.status}`;
  log(`${label}: ${summary}`);
  const records = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
  return new Map(records.map((r) => [`${r.group}|${r.case}|${r.client}`, r]));
}

const dir = mkdtempSync(join(tmpdir(), 'sse-kit-parity-'));
let before;
let now;
try {
  before = measure('old', buildOld(join(dir, 'old')), dir);
  now = measure('new', current, dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// One cell: what a record says, in a few words.
const resume = (r) => r && `${r.lost} missing, ${r.duplicated} dup; sent back: ${r.wire}`;
const outage = (r) => r && `${r.during} requests in the outage; ${resume(r)}`;
const gap = (r) => r && `${r.gaps} ms after the drop`;
const fatal = (...rs) => rs.every(Boolean) && rs.map((r) => `${r.case}: ${r.requests} req, ${r.errors || 'no error'}, ${r.state}`).join('; ');
const retryAfter = (r) => r && `gaps ${r.spacing || '(none: 1 request)'} ms, ${r.events} events`;
const spacing = (r) => r && `gaps ${r.spacing || '-'} ms in 3.5 s`;
const frozen = (r) =>
  r && `${r.recovery === null ? 'not caught up 1.5 s after resume' : `caught up in ${r.recovery} ms`}, ${r.lost} lost, ${r.duplicated} dup, ${r.requests} req`;
const bfcache = (r) => r && `caught up in ${r.recovery} ms, ${r.lost} lost, ${r.duplicated} dup; Last-Event-ID per request: ${r.resumedWith}`;
const reload = (r) => r && (r.spurious || 'none');

const get = (records, group, name, client) => records.get(`${group}|${name}|${client}`);
// [label, format, group, ...cases]: a cell formats the records of those cases for its column's client.
const ROWS = [
  ['header resume after drops (lost events)', resume, 'resume', 'drops after ids'],
  ['id-only block (`id: 9`) before the drop', resume, 'resume', 'an id-only block (id: 9, no data) before the drop'],
  ['non-ASCII id `é€7`', resume, 'resume', 'a non-ASCII id (é€7)'],
  ['half an event at the cut', resume, 'resume', 'half an event at the cut'],
  ['drop, first reconnection reset (same origin)', resume, 'failed-reconnect', 'same origin, ids on events'],
  ['same, after an id-only block (`id: 9`)', resume, 'failed-reconnect', 'same origin, an id-only block (id: 9)'],
  ['same, cross-origin page', resume, 'failed-reconnect', 'cross-origin, ids on events'],
  ['drop, then 2.5 s outage (`retry: 250`)', outage, 'outage', '2.5 s'],
  ['`retry: 1500` honoured', gap, 'resume', 'retry: 1500'],
  ['404 / 410 / text/html fatal', fatal, 'fatal', '/404', '/410', '/html'],
  ['503 + `Retry-After: 1`', retryAfter, '503', 'Retry-After: 1'],
  ['dead server resets, backoff 200 ms ×2', spacing, 'dead', 'reset'],
  ['dead port refuses, backoff 200 ms ×2', spacing, 'dead', 'refused'],
  ['frozen 5 s, recovery', frozen, 'frozen', '5 s'],
  ['back/forward cache, 1 s away', bfcache, 'bfcache', '1 s away'],
  ['reload: spurious onError/onRetry/retrying', reload, 'reload', 'spurious'],
];
const COLUMNS = [
  ['EventSource', now, 'eventsource'],
  [`auto @${oldRef}`, before, 'auto'],
  ['auto now', now, 'auto'],
  [`fetch @${oldRef}`, before, 'fetch'],
  ['fetch now', now, 'fetch'],
];
const lines = [
  `| behaviour (Chromium) | ${COLUMNS.map(([name]) => name).join(' | ')} |`,
  `|---|${COLUMNS.map(() => '---').join('|')}|`,
  ...ROWS.map(([name, format, group, ...cases]) => {
    const cell = (m, c) => (c === 'eventsource' && group === 'reload' ? 'n/a' : format(...cases.map((k) => get(m, group, k, c))) || '—');
    return `| ${name} | ${COLUMNS.map(([, m, c]) => cell(m, c)).join(' | ')} |`;
  }),
];
const orders = ['old', 'new'].map((label, i) => {
  const r = get(i ? now : before, 'reload', 'order', 'all');
  return r ? `- ${label}: ${r.order}\n  requests from the unloading page: ${r.requests || 'none'}` : `- ${label}: not measured`;
});
const chromium = execFileSync(process.env.CHROME_PATH ?? '/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
const notes = [
  `Measured ${new Date().toISOString().slice(0, 10)} in ${chromium} by \`node bench/parity.mjs\` (test/browser/native-parity.test.ts, page-lifecycle.test.ts).`,
  'The server resumes from the `Last-Event-ID` header only. "sent back": the id each request carried (`-`: none; `?id`: only in the `lastEventId` query parameter, which the server ignores).',
  '"missing": expected ids not received (after an id-only block `id: 9`, a resume from 3 gets 4–6 instead of 10–12); "dup": ids received twice.',
  `The build at ${oldRef} does not report the initial state, so its first "refused" gap (measured from states) is missing.`,
];
const text = `${notes.join('\n')}\n\n${lines.join('\n')}\n\nReload, every callback in ms relative to pagehide:\n${orders.join('\n')}\n`;
console.log(text);
if (out) writeFileSync(out, text);
