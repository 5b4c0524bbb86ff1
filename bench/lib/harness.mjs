// Process plumbing shared by bench/run.mjs and bench/profile.mjs: the server process and the
// one-job-per-process Node workers.
import { fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Forks bench/lib/server.mjs (`dist`: directory of a dist/ snapshot for the page bundle); resolves with its base URL and a stop(). */
export async function startServer({ quick = false, dist } = {}) {
  const args = [...(quick ? ['--quick'] : []), ...(dist ? [`--dist=${dist}`] : [])];
  const child = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stop = () => {
    if (child.exitCode === null) child.kill();
  };
  process.on('exit', stop);
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
  });
  return { base: `http://127.0.0.1:${port}`, stop };
}

/**
 * Runs one job in a fresh Node process (bench/lib/node-worker.mjs); `job.dist` (a file URL of a copy of
 * dist/index.js) selects the sse-kit build, default dist/index.js.
 * Resolves with `{ ok: true, result }` or `{ ok: false, error }`; never rejects.
 */
export function runWorker(base, job, nodeArgs = [], timeoutMs = 300_000) {
  return new Promise((resolve) => {
    const script = fileURLToPath(new URL('./node-worker.mjs', import.meta.url));
    const child = spawn(process.execPath, [...nodeArgs, script, JSON.stringify({ ...job, base })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()));
      } catch {
        resolve({ ok: false, error: `worker exit ${code ?? signal}${signal === 'SIGTERM' ? ' (timed out)' : ''}: ${stderr.slice(-400)}` });
      }
    });
  });
}
