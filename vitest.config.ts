import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One project per suite, so `vitest run --project mock` runs one of them and the report names it.
const suite = (name: string, environment: 'node' | 'jsdom' = 'node', testTimeout = 10_000) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`], environment, testTimeout },
});

export default defineConfig({
  // Subpath entries import the core as `sse-kit`; tests run them against the source.
  resolve: {
    alias: [
      { find: /^sse-kit$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^sse-kit\/(\w+)$/, replacement: fileURLToPath(new URL('./src/$1/index.ts', import.meta.url)) },
    ],
  },
  test: {
    projects: [
      suite('unit'),
      suite('mock'),
      suite('dom', 'jsdom'),
      suite('hooks', 'jsdom'),
      suite('server'),
      suite('interop', 'node', 60_000),
      suite('browser', 'node', 60_000),
      suite('package', 'node', 120_000),
      suite('hostile'),
      suite('cli', 'node', 30_000),
      // The kit's own tests, and the sample app that uses it as a user would (jsdom per file).
      { extends: true, test: { name: 'testing', include: ['test/testing/**/*.test.ts', 'examples/testing-app/**/*.test.ts'] } },
      suite('hub'),
      suite('redis', 'node', 60_000),
      suite('share'),
    ],
    hookTimeout: 60_000,
    // No .only / .skip in committed tests.
    allowOnly: false,
    passWithNoTests: false,
  },
});
