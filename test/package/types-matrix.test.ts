// The published declarations (dist/index.d.ts for import, dist/index.d.cts for require) compiled
// the way apps compile them: one consumer (test/types/consumer.types.ts, as app.mts and app.cts)
// under each tsconfig an app may have, with skipLibCheck off so an error inside our .d.ts counts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const consumer = readFileSync(join(root, 'test/types/consumer.types.ts'), 'utf8');
let work = '';

const base = {
  strict: true,
  noEmit: true,
  skipLibCheck: false,
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
};

/** The setups issue 13 names: each is a real kind of project that must compile against the package. */
const setups: Record<string, Record<string, unknown>> = {
  'strict, DOM and Node types (a full-stack app)': { lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: ['node'] },
  'strict, DOM, exactOptionalPropertyTypes (tsc --init)': {
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    types: [],
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    isolatedModules: true,
    moduleDetection: 'force',
  },
  'Node only: lib es2022, types node, no DOM, exactOptionalPropertyTypes': {
    lib: ['ES2022'],
    types: ['node'],
    exactOptionalPropertyTypes: true,
  },
  'browser only: lib DOM, no Node types': { lib: ['ES2022', 'DOM'], types: [] },
  'worker: lib webworker': { lib: ['ES2022', 'WebWorker'], types: [] },
};

/** Newest modification time under a directory, to tell whether dist is older than src. */
function newest(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? newest(path) : statSync(path).mtimeMs;
    }),
  );
}

beforeAll(() => {
  const dts = join(root, 'dist/index.d.cts');
  let stale = true;
  try {
    stale = statSync(dts).mtimeMs < newest(join(root, 'src'));
  } catch {
    // No dist yet.
  }
  if (stale) {
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  }
  work = mkdtempSync(join(tmpdir(), 'sse-kit-types-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Writes one consumer project that resolves `sse-kit` to this repo, as an installed package does. */
function project(name: string, options: Record<string, unknown>, source = consumer): string {
  const dir = join(work, name.replace(/\W+/g, '-'));
  mkdirSync(join(dir, 'node_modules/@types'), { recursive: true });
  // A symlink, as `npm link` makes: TypeScript resolves it through package.json `exports`.
  symlinkSync(root, join(dir, 'node_modules/sse-kit'), 'dir');
  symlinkSync(join(root, 'node_modules/@types/node'), join(dir, 'node_modules/@types/node'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{"name":"consumer","private":true,"type":"module"}');
  writeFileSync(join(dir, 'app.mts'), source);
  writeFileSync(join(dir, 'app.cts'), source);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...base, ...options }, files: ['app.mts', 'app.cts'] }),
  );
  return dir;
}

/** Runs tsc on a project; returns the error lines and the declaration files it read. */
function compile(dir: string): { errors: string[]; files: string[] } {
  const out = spawnSync(process.execPath, [tsc, '-p', '.', '--listFiles', '--pretty', 'false'], { cwd: dir, encoding: 'utf8' });
  const lines = `${out.stdout}${out.stderr}`.split('\n');
  return { errors: lines.filter((line) => /error TS\d+/.test(line)), files: lines.filter((line) => line.startsWith('/')) };
}

describe('published types compile in every TypeScript setup', () => {
  it.each(Object.entries(setups))('%s: ESM (.d.ts) and CJS (.d.cts) consumers compile', (name, options) => {
    const { errors, files } = compile(project(name, options));
    expect(errors).toEqual([]);
    // Both entry points were checked, not the sources.
    expect(files).toEqual(expect.arrayContaining([join(root, 'dist/index.d.ts'), join(root, 'dist/index.d.cts')]));
    expect(files.some((file) => file.startsWith(join(root, 'src/')))).toBe(false);
  });

  it('reports a type error in the consumer (the harness can fail)', () => {
    const bad = `import { createEventStream } from 'sse-kit';\ncreateEventStream('/e', { transport: 'websocket' });\n`;
    const { errors } = compile(project('harness', setups['browser only: lib DOM, no Node types']!, bad));
    expect(errors).toEqual([expect.stringMatching(/^app\.cts\(2,\d+\): error TS2322/), expect.stringMatching(/^app\.mts\(2,\d+\): error TS2322/)]);
  });
});
