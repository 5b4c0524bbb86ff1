// Runs the BUILT command (dist/cli.js) as a user would: a child process with real pipes.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');
export const cliPath = join(root, 'dist/cli.js');

/**
 * Fails when dist/cli.js is missing (npm test builds first), rebuilds when src/cli/ is newer
 * than it, so a test never runs yesterday's command.
 */
export function ensureBuiltCli(): void {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first (npm test does)`);
  const built = statSync(cliPath).mtimeMs;
  const dir = join(root, 'src/cli');
  if (readdirSync(dir).some((file) => statSync(join(dir, file)).mtimeMs > built)) {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
  }
}

/** A running command: what it printed so far, and its end. */
export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stdout (or stderr) contains `text`. */
  waitFor(text: string | RegExp, stream?: 'stdout' | 'stderr'): Promise<void>;
  /** Exit code (or 128 + signal number), with everything printed. */
  done: Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Starts `node dist/cli.js ...args`; `input` is written to stdin and closed. NO_COLOR etc. via `env`. */
export function startCli(args: string[], options: { input?: string; env?: Record<string, string> } = {}): CliRun {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  for (const name of ['stdout', 'stderr'] as const) {
    child[name].setEncoding('utf8');
    child[name].on('data', (text: string) => {
      out[name] += text;
      for (const check of waiters) check();
    });
  }
  child.stdin.end(options.input);
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolveDone) => {
    child.on('close', (code, signal) => resolveDone({ code: code ?? 128 + (signal === 'SIGINT' ? 2 : 15), ...out }));
  });
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    waitFor: (text, stream = 'stdout') =>
      new Promise((resolveWait, reject) => {
        const check = () => {
          const seen = out[stream];
          if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) {
            waiters.delete(check);
            resolveWait();
          }
        };
        waiters.add(check);
        check();
        child.on('close', () => {
          waiters.delete(check);
          reject(new Error(`exited before printing ${text} on ${stream}; stdout:\n${out.stdout}\nstderr:\n${out.stderr}`));
        });
      }),
    done,
  };
}

/** Runs the command to its end. */
export function runCli(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  return startCli(args, options).done;
}
