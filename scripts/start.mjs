// `npm start`: builds dist/ when it is missing or older than src/, then serves the live dashboard
// from the Express example server on PORT (default 3000, or a free port if that one is busy).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

const OUTPUTS = ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/sse-kit.min.js', 'dist/server.js'];
const INPUTS = ['src', 'rollup.config.js', 'package.json'];

/** Newest modification time of a file, or of any file under a directory. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const oldestOutput = Math.min(...OUTPUTS.map((file) => (existsSync(file) ? statSync(file).mtimeMs : 0)));
const newestInput = Math.max(...INPUTS.filter((path) => existsSync(path)).map(newest));
if (oldestOutput < newestInput) {
  console.log(oldestOutput === 0 ? 'Building dist/ (first run)…' : 'Building dist/ (src/ changed)…');
  const local = join('node_modules', '.bin', process.platform === 'win32' ? 'rollup.cmd' : 'rollup');
  const [command, args] = existsSync(local) ? [local, ['-c', '--silent']] : ['npx', ['rollup', '-c', '--silent']];
  const { status, error } = spawnSync(command, args, { stdio: 'inherit' });
  if (status !== 0) {
    console.error(`\nThe build failed (${error?.message ?? `exit ${status}`}); fix it and run npm start again.`);
    process.exit(1);
  }
}

const { configFrom, start } = await import('../examples/servers/express/server.js');
const config = configFrom({ ...process.env, PORT: process.env.PORT || '3000' });
let server;
try {
  server = await start(config);
} catch (error) {
  if (error.code !== 'EADDRINUSE') throw error;
  server = await start({ ...config, port: 0 });
  console.log(`Port ${config.port} is busy; using ${server.port} instead.`);
}

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[22m` : text);
console.log(`
  sse-kit live dashboard  ${bold(`${server.url}/`)}

  Ready in ${(performance.now() / 1000).toFixed(1)} s. Open it in two tabs, then try Drop connection and
  Restart server. Contract endpoints: /counter, /events, /messages, /private, /chat. Ctrl-C stops.
`);

const stop = async () => {
  await server.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
