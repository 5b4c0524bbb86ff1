import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';
import esbuild from 'rollup-plugin-esbuild';

const input = 'src/index.ts';
// eventsource-parser is bundled in: the published package has no runtime dependencies.
const plugins = [nodeResolve(), esbuild({ target: 'es2022' })];

export default [
  {
    input,
    plugins,
    output: [
      { file: 'dist/index.js', format: 'es', sourcemap: true },
      { file: 'dist/index.cjs', format: 'cjs', sourcemap: true },
    ],
  },
  {
    input,
    plugins,
    output: {
      file: 'dist/sse-kit.min.js',
      format: 'iife',
      name: 'SSEKit',
      sourcemap: true,
      plugins: [terser({ ecma: 2020, compress: { passes: 2 } })],
    },
  },
  {
    input,
    plugins: [dts()],
    output: [
      { file: 'dist/index.d.ts', format: 'es' },
      { file: 'dist/index.d.cts', format: 'es' },
    ],
  },
];
