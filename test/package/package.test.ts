// The published artefact, as a user gets it: the packed tarball installed into an empty project,
// imported by name from ESM and CJS, and the CDN file run as a <script> would run it.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, sseHead, startServer } from '../helpers/http-server.js';

const root = resolve(import.meta.dirname, '../..');
const work = join(root, '.tmp/package-test');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
let tarball = '';
let server: TestServer;

beforeAll(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'consumer'), { recursive: true });
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim();
  tarball = join(work, name.split('\n').at(-1)!);
  writeFileSync(join(work, 'consumer/package.json'), '{"name":"consumer","private":true}');
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent', tarball], { cwd: join(work, 'consumer') });
  server = await startServer((_req, res) => {
    sseHead(res);
    res.end(`id: 1\nevent: tick\ndata: {"n":1}\n\n`);
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Runs a script in the consumer project (async: the test server lives in this process). */
async function run(file: string, source: string): Promise<string> {
  writeFileSync(join(work, 'consumer', file), source);
  const { stdout } = await promisify(execFile)('node', [file, server.url], { cwd: join(work, 'consumer'), timeout: 10_000 });
  return stdout.trim();
}

const consume = (create: string) => `
const stream = ${create}(process.argv[2] + '/events', { reconnectOnEnd: false });
stream.on('tick', (tick, raw) => console.log(tick.n, raw.id, stream.transport));
stream.on('tick', () => stream.close());`;

describe('npm package', () => {
  it('ships only dist, README, LICENSE and package.json, with no runtime dependencies', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(files.every((f) => /^package\/(dist\/|README\.md$|LICENSE$|package\.json$)/.test(f))).toBe(true);
    expect(files).toEqual(
      expect.arrayContaining(['package/dist/index.js', 'package/dist/index.cjs', 'package/dist/index.d.ts', 'package/dist/index.d.cts', 'package/dist/sse-kit.min.js']),
    );
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.unpkg).toBe('./dist/sse-kit.min.js');
  });

  it('passes publint --strict and Are The Types Wrong on the tarball', () => {
    expect(execFileSync('npx', ['publint', 'run', tarball, '--strict'], { cwd: root, encoding: 'utf8' })).toContain('All good');
    // attw exits non-zero on any problem
    execFileSync('npx', ['attw', tarball, '--format', 'ascii'], { cwd: root, encoding: 'utf8' });
  });

  it('works imported by name from ESM', async () => {
    expect(await run('esm.mjs', `import { createEventStream } from 'sse-kit';${consume('createEventStream')}`)).toBe('1 1 fetch');
  });

  it('works required by name from CJS, with the same error classes', async () => {
    const out = await run(
      'cjs.cjs',
      `const kit = require('sse-kit'); const { createEventStream } = kit;
      if (typeof kit.HttpStatusError !== 'function' || typeof kit.isSSEKitError !== 'function') throw new Error('missing export');
      ${consume('createEventStream')}`,
    );
    expect(out).toBe('1 1 fetch');
  });

  it('type-checks a consumer that imports it by name', () => {
    writeFileSync(
      join(work, 'consumer/app.ts'),
      `import { createEventStream, type SSEKitError } from 'sse-kit';
      const s = createEventStream<{ tick: { n: number } }>('http://x/e');
      s.on('tick', (t) => t.n.toFixed());
      // @ts-expect-error unknown event
      s.on('nope', () => {});
      export const e: SSEKitError | undefined = undefined;`,
    );
    writeFileSync(
      join(work, 'consumer/tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, lib: ['ES2022', 'DOM'], types: [] }, files: ['app.ts'] }),
    );
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: join(work, 'consumer'), encoding: 'utf8' });
  });
});

describe('CDN bundle (dist/sse-kit.min.js)', () => {
  it('defines the SSEKit global when run as a classic script, and streams', async () => {
    const code = readFileSync(join(root, 'dist/sse-kit.min.js'), 'utf8');
    const page: Record<string, unknown> = {
      ...{ fetch, Headers, Response, TextDecoder, TextEncoder, AbortController, URL, setTimeout, clearTimeout, queueMicrotask },
      ...{ EventTarget, Event, MessageEvent, DOMException },
    };
    page.globalThis = page;
    page.self = page;
    runInNewContext(code, page);
    const SSEKit = page.SSEKit as typeof import('../../src/index.js');
    expect(Object.keys(SSEKit)).toEqual(expect.arrayContaining(['createEventStream', 'SSEKitError', 'isSSEKitError']));
    const stream = SSEKit.createEventStream<{ tick: { n: number } }>(`${server.url}/events`, { reconnectOnEnd: false });
    const got: number[] = [];
    for await (const event of stream) if (event.type === 'tick') got.push(event.data.n);
    expect(got).toEqual([1]);
  });

  it('has a source map', () => {
    const map = JSON.parse(readFileSync(join(root, 'dist/sse-kit.min.js.map'), 'utf8'));
    expect(map.sources.some((s: string) => s.includes('src/client.ts'))).toBe(true);
  });
});
