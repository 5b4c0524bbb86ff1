import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';
import esbuild from 'rollup-plugin-esbuild';

// No runtime dependencies: the SSE parser is our own (src/parser.ts).
const plugins = [nodeResolve(), esbuild({ target: 'es2022' })];

/**
 * Subpath entries (`sse-kit/<name>`), each built on its own. They import the core as `sse-kit`,
 * kept external, so an app that uses an entry and the core holds one copy of the core (one
 * EventStream class, one set of error classes); optional peers stay external too.
 * Add an entry here, in package.json `exports`, and in scripts/size.mjs.
 */
const entries = { react: 'src/react/index.ts', vue: 'src/vue/index.ts', testing: 'src/testing/index.ts', server: 'src/server/index.ts', share: 'src/share/index.ts' };
const external = (id) => id === 'sse-kit' || /^(react|react-dom|vue|ioredis|redis)(\/|$)/.test(id) || id.startsWith('node:');

const core = 'src/index.ts';
export default [
  {
    input: core,
    plugins,
    output: [
      { file: 'dist/index.js', format: 'es', sourcemap: true },
      { file: 'dist/index.cjs', format: 'cjs', sourcemap: true },
    ],
  },
  {
    input: core,
    plugins,
    output: {
      file: 'dist/sse-kit.min.js',
      format: 'iife',
      name: 'SSEKit',
      sourcemap: true,
      plugins: [terser({ ecma: 2020, compress: { passes: 2 } })],
    },
  },
  // sse-kit/share for a <script> tag (the dashboard, CDN users): it imports only types from the
  // core, so the file stands alone beside sse-kit.min.js and adds the `SSEKitShare` global.
  {
    input: 'src/share/index.ts',
    plugins,
    output: {
      file: 'dist/sse-kit-share.min.js',
      format: 'iife',
      name: 'SSEKitShare',
      sourcemap: true,
      plugins: [terser({ ecma: 2020, compress: { passes: 2 } })],
    },
  },
  {
    input: core,
    plugins: [dts()],
    output: [
      { file: 'dist/index.d.ts', format: 'es' },
      { file: 'dist/index.d.cts', format: 'es' },
    ],
  },
  // The `sse-kit` command (package.json `bin`): ESM only, no types (nothing imports it), the core
  // external so it runs on the very dist/index.js installed beside it.
  {
    input: 'src/cli/index.ts',
    plugins,
    external,
    output: { file: 'dist/cli.js', format: 'es', banner: '#!/usr/bin/env node' },
  },
  ...Object.entries(entries).flatMap(([name, input]) => [
    {
      input,
      plugins,
      external,
      output: [
        { file: `dist/${name}.js`, format: 'es', sourcemap: true },
        // require() for node:http & co in CJS: jest runs CJS in a vm where import() needs a flag.
        { file: `dist/${name}.cjs`, format: 'cjs', sourcemap: true, dynamicImportInCjs: false },
      ],
    },
    {
      input,
      plugins: [dts()],
      external,
      output: [
        { file: `dist/${name}.d.ts`, format: 'es' },
        { file: `dist/${name}.d.cts`, format: 'es' },
      ],
    },
  ]),
];
