// Bundle sizes, min+gzip and brotli: the CDN file, and an app that imports only createEventStream
// (what an npm user pays). `--check` fails when a size exceeds its budget.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** Budgets in bytes, min+gzip. Subpath entries are measured with the core and peers external. */
export const BUDGETS = { core: 8700, cdn: 10900 };

/** Subpath entries (`sse-kit/<name>`, built to dist/<name>.js): name → budget. */
export const SUBPATHS = { react: 2350, vue: 2500, testing: 3950, server: 4250, share: 3300 };
Object.assign(BUDGETS, SUBPATHS);
const EXTERNAL = ['sse-kit', 'react', 'react-dom', 'vue', 'ioredis', 'redis', 'node:*'];

export function compressed(code) {
  const buf = Buffer.from(code);
  return {
    min: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** Minified bundle of an app whose whole source is `entry`, resolved from the project root. */
export async function bundle(entry, external = [], platform = 'neutral') {
  const result = await build({
    external,
    platform,
    stdin: { contents: entry, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

export async function measure() {
  const core = await bundle(`import { createEventStream } from './dist/index.js'; globalThis.s = createEventStream;`);
  return {
    core: { ...compressed(core), code: core },
    cdn: { ...compressed(readFileSync('dist/sse-kit.min.js')) },
    ...Object.fromEntries(
      await Promise.all(
        Object.keys(SUBPATHS).map(async (name) => {
          const code = await bundle(`export * from './dist/${name}.js';`, EXTERNAL);
          return [name, { ...compressed(code), code }];
        }),
      ),
    ),
  };
}

/**
 * What each source module adds to the core (an app importing only createEventStream), minified,
 * with its share of the gzip size estimated pro rata (gzip does not split exactly by module).
 */
export async function modules() {
  const result = await build({
    stdin: { contents: `import { createEventStream } from './src/index.ts'; globalThis.s = createEventStream;`, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const { gzip } = compressed(result.outputFiles[0].text);
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  const total = Object.values(inputs).reduce((sum, i) => sum + i.bytesInOutput, 0);
  return Object.entries(inputs)
    .filter(([, i]) => i.bytesInOutput > 0)
    .map(([file, i]) => ({ file: file.replace(/^node_modules\//, ''), min: i.bytesInOutput, gzip: Math.round((gzip * i.bytesInOutput) / total) }))
    .sort((a, b) => b.min - a.min);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--modules')) {
    const rows = (await modules()).map((m) => `| ${m.file} | ${m.min} | ~${m.gzip} |`);
    console.log(['| module (core) | min (B) | share of min+gzip (B) |', '|---|---|---|', ...rows].join('\n'));
    process.exit(0);
  }
  const sizes = await measure();
  const rows = Object.entries(sizes).map(([name, s]) => `| ${name} | ${s.min} | ${s.gzip} | ${s.brotli} | ${BUDGETS[name]} |`);
  console.log(['| bundle | min (B) | min+gzip (B) | brotli (B) | budget gzip (B) |', '|---|---|---|---|---|', ...rows].join('\n'));
  mkdirSync('test-output', { recursive: true });
  writeFileSync('test-output/size.json', JSON.stringify(Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, { ...v, code: undefined }])), null, 2));
  if (process.argv.includes('--check')) {
    const over = Object.entries(sizes).filter(([name, s]) => s.gzip > BUDGETS[name]);
    for (const [name, s] of over) console.error(`size budget exceeded: ${name} is ${s.gzip} B min+gzip, budget ${BUDGETS[name]} B`);
    if (over.length) process.exit(1);
  }
}
