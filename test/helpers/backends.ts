import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Starts the example servers of examples/servers (each implements examples/servers/CONTRACT.md)
 * for the interop suite: a free port, the process in its own process group, ready on GET /health,
 * and always stopped (the whole group) by `stop()`, or at process exit/signal if a test run dies.
 * A missing tool is an error naming the install command, never a silent skip.
 */

export const BACKENDS = ['express', 'php', 'php-redis', 'go', 'flask-generator', 'flask-announcer'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface Backend {
  name: BackendName;
  /** Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  url: string;
  /** The environment the server was started with (PORT and the caller's variables). */
  env: Record<string, string>;
  /** Runs a command next to the server with the same environment (e.g. php-redis's send.php). */
  exec(command: string, args: string[]): Promise<string>;
  /** The server's recent stdout/stderr, for failure messages. */
  output(): string;
  /** Stops the server and everything it started. Idempotent. */
  stop(): Promise<void>;
}

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SERVERS = join(ROOT, 'examples/servers');
const PYTHON = '/usr/bin/python3'; // Debian's, where python3-flask installs (not a pyenv/venv shim)
const SETUP = 'run `npm run setup`, or as root';

/** Every process group started and not yet stopped, so a crashing test run still cleans up. */
const live = new Map<number, ChildProcess>();
/** Scratch directories (SQLite file, Redis dir) not yet removed. */
const scratchDirs = new Set<string>();
let cleanupInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const killAll = () => {
    for (const pid of live.keys()) killGroup(pid, 'SIGKILL');
    live.clear();
    for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
    scratchDirs.clear();
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAll();
      process.off(signal, onSignal);
      // Only re-raise when nobody else handles it: then the default (exit) is what would have happened.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function onPath(command: string): boolean {
  if (command.includes('/')) return isExecutable(command);
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && isExecutable(join(dir, command)));
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function succeeds(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 15_000 }).status === 0;
}

function phpExtension(name: string): boolean {
  return succeeds('php', ['-r', `exit(extension_loaded("${name}") ? 0 : 1);`]);
}

const checked = new Map<BackendName, string | undefined>();

/** What is missing to run `name`, as a message with the install command; undefined when all is there. */
export function missingRequirement(name: BackendName): string | undefined {
  if (checked.has(name)) return checked.get(name);
  const need = (ok: boolean, what: string, packages: string) =>
    ok ? undefined : `${what} is missing for the ${name} example server: ${SETUP} \`apt-get install -y ${packages}\``;
  let missing: string | undefined;
  switch (name) {
    case 'express':
      missing = existsSync(join(SERVERS, 'express/server.js'))
        ? undefined
        : 'examples/servers/express/server.js does not exist yet (the express example server)';
      break;
    case 'php':
      missing = need(onPath('php'), 'php', 'php-cli php-sqlite3') ?? need(phpExtension('sqlite3'), "PHP's sqlite3 extension", 'php-sqlite3');
      break;
    case 'php-redis':
      missing =
        need(onPath('php'), 'php', 'php-cli php-redis') ??
        need(phpExtension('redis'), "PHP's redis extension", 'php-redis') ??
        need(onPath('redis-server'), 'redis-server', 'redis-server');
      break;
    case 'go':
      missing = need(onPath('go'), 'go', 'golang-go');
      break;
    case 'flask-generator':
    case 'flask-announcer':
      missing =
        need(isExecutable(PYTHON), PYTHON, 'python3') ?? need(succeeds(PYTHON, ['-c', 'import flask']), 'Flask for /usr/bin/python3', 'python3-flask');
      break;
  }
  checked.set(name, missing);
  return missing;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startProcess(command: string, args: string[], cwd: string, env: Record<string, string>): Started {
  installCleanup();
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    // Own process group: stop() kills the server and every worker/child it forked.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-16_384);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((done) => {
    child.on('exit', (code) => done(code));
    child.on('error', (error) => {
      keep(Buffer.from(String(error)));
      done(-1);
    });
  });
  if (child.pid) live.set(child.pid, child);
  void exited.then(() => child.pid && live.delete(child.pid));
  return { child, output: () => log, exited };
}

async function stopProcess(started: Started): Promise<void> {
  const pid = started.child.pid;
  if (!pid) return;
  killGroup(pid, 'SIGTERM');
  const timedOut = await Promise.race([
    started.exited.then(() => false),
    new Promise<boolean>((done) => setTimeout(() => done(true), 2000).unref()),
  ]);
  // The leader may be gone while forked workers linger: SIGKILL the group either way.
  killGroup(pid, 'SIGKILL');
  if (timedOut) await started.exited;
  live.delete(pid);
}

/** Resolves once `check` passes; rejects with the server output if the process exits or time runs out. */
async function waitReady(what: string, started: Started, check: () => Promise<boolean>, timeout = 20_000): Promise<void> {
  let exitCode: number | null | undefined;
  void started.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${what} exited (code ${exitCode}) before it was ready:\n${started.output()}`);
    if (await check().catch(() => false)) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`${what} was not ready after ${timeout} ms:\n${started.output()}`);
}

async function healthy(url: string): Promise<boolean> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
  return response.status === 200 && (await response.text()) === 'ok';
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      done(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
  });
}

/** Starts redis-server on 127.0.0.1:`port` without persistence settings, data in `dir`; resolves once it answers PING. */
async function startRedisProcess(port: number, dir: string): Promise<Started> {
  const redis = startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], dir, {});
  try {
    await waitReady(`redis-server on port ${port}`, redis, () => redisPing(port));
  } catch (error) {
    await stopProcess(redis);
    throw error;
  }
  return redis;
}

/** A private redis-server for a test (see {@link startRedis}). */
export interface RedisServer {
  port: number;
  /**
   * Stops the server if it still runs (SIGTERM: nothing is saved), then starts a new one on the same
   * port and directory; it loads the data a `SHUTDOWN SAVE` left there, if any.
   */
  restart(): Promise<void>;
  /** Stops it and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a private redis-server on a free port, in a temporary directory, with `--save ''
 * --appendonly no`. Throws the install command when redis-server is missing.
 */
export async function startRedis(): Promise<RedisServer> {
  if (!onPath('redis-server')) throw new Error(`redis-server is missing: ${SETUP} \`apt-get install -y redis-server\``);
  installCleanup();
  const dir = mkdtempSync(join(tmpdir(), 'sse-kit-redis-'));
  scratchDirs.add(dir);
  const port = await freePort();
  let current: Started | undefined = await startRedisProcess(port, dir);
  let stopped: Promise<void> | undefined;
  return {
    port,
    async restart() {
      if (current) await stopProcess(current);
      current = await startRedisProcess(port, dir);
    },
    stop: () =>
      (stopped ??= (async () => {
        if (current) await stopProcess(current);
        rmSync(dir, { recursive: true, force: true });
        scratchDirs.delete(dir);
      })()),
  };
}

let goBinary: Promise<string> | undefined;

/**
 * Builds the Go example once per test process, offline: standard library only, no module
 * download (GOPROXY=off, GOTOOLCHAIN=local), caches under .tmp/ so it works as root on a fresh
 * machine, CGO off so no C compiler is needed.
 */
function buildGo(): Promise<string> {
  goBinary ??= (async () => {
    const cache = join(ROOT, '.tmp/go');
    mkdirSync(join(cache, 'bin'), { recursive: true });
    // Built under a name of its own, then renamed: parallel test processes never see half a file,
    // and a server still running from the old binary keeps its inode.
    const binary = join(cache, 'bin/server');
    const partial = `${binary}.${process.pid}`;
    const build = startProcess('go', ['build', '-o', partial, '.'], join(SERVERS, 'go'), {
      GOCACHE: join(cache, 'cache'),
      GOPATH: join(cache, 'path'),
      GOTOOLCHAIN: 'local',
      GOPROXY: 'off',
      GOFLAGS: '',
      GOWORK: 'off',
      GOTELEMETRY: 'off',
      CGO_ENABLED: '0',
    });
    const code = await build.exited;
    if (code !== 0) {
      rmSync(partial, { force: true });
      throw new Error(`go build of examples/servers/go failed (exit ${code}):\n${build.output()}`);
    }
    renameSync(partial, binary);
    return binary;
  })();
  return goBinary;
}

/** The command that runs `name` on `port`, plus any extra env. */
async function command(name: BackendName): Promise<{ cmd: string; args: string[]; cwd: string; env?: Record<string, string> }> {
  switch (name) {
    case 'express':
      return { cmd: process.execPath, args: [join(SERVERS, 'express/server.js')], cwd: ROOT };
    case 'php':
      return { cmd: 'php', args: [join(SERVERS, 'php/server.php')], cwd: join(SERVERS, 'php') };
    case 'php-redis':
      return { cmd: 'php', args: [join(SERVERS, 'php-redis/server.php')], cwd: join(SERVERS, 'php-redis') };
    case 'go':
      return { cmd: await buildGo(), args: [], cwd: join(SERVERS, 'go') };
    case 'flask-generator':
    case 'flask-announcer': {
      const app = name === 'flask-generator' ? 'generator_app.py' : 'announcer_app.py';
      return {
        cmd: PYTHON,
        args: [join(SERVERS, 'flask', app)],
        cwd: join(SERVERS, 'flask'),
        env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
      };
    }
  }
}

/**
 * Starts the example server `name` on a free port with `env` (contract variables such as
 * RETRY_MS, HEARTBEAT_MS, CORS_ORIGIN) and waits until GET /health answers. For php-redis it
 * first starts a private redis-server on its own free port, without persistence.
 * @throws when a tool is missing (the message names the install command) or the server fails to start.
 */
export async function startBackend(name: BackendName, env: Record<string, string> = {}): Promise<Backend> {
  if (!BACKENDS.includes(name)) throw new TypeError(`unknown backend "${name}"; one of ${BACKENDS.join(', ')}`);
  const missing = missingRequirement(name);
  if (missing) throw new Error(missing);
  const helpers: Started[] = [];
  installCleanup();
  const scratch = mkdtempSync(join(tmpdir(), `sse-kit-${name}-`));
  scratchDirs.add(scratch);
  const stopAll = async (server?: Started) => {
    if (server) await stopProcess(server);
    for (const helper of helpers.splice(0).reverse()) await stopProcess(helper);
    rmSync(scratch, { recursive: true, force: true });
    scratchDirs.delete(scratch);
  };
  try {
    const fullEnv: Record<string, string> = { ...env };
    if (name === 'php') fullEnv.DATA_FILE ??= join(scratch, 'messages.sqlite');
    if (name === 'php-redis' && !env.REDIS_PORT) {
      const redisPort = await freePort();
      helpers.push(await startRedisProcess(redisPort, scratch));
      fullEnv.REDIS_PORT = String(redisPort);
    }
    const { cmd, args, cwd, env: extra } = await command(name);
    // The port may be taken between freePort() and the server's bind: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const serverEnv = { ...extra, ...fullEnv, PORT: String(port) };
      const server = startProcess(cmd, args, cwd, serverEnv);
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitReady(`the ${name} example server`, server, () => healthy(url));
      } catch (error) {
        await stopProcess(server);
        if (attempt < 3 && /address already in use|EADDRINUSE|Failed to listen/i.test(server.output())) continue;
        throw error;
      }
      let stopped: Promise<void> | undefined;
      return {
        name,
        url,
        env: serverEnv,
        output: server.output,
        exec: (file, fileArgs) => run(file, fileArgs, cwd, serverEnv),
        stop: () => (stopped ??= stopAll(server)),
      };
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<string> {
  return new Promise((done, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? done(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${out}`))));
  });
}
