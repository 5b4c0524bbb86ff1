// The README's quick start, run as written (only the import and the port are rewritten) against
// the Express example server that `npm start` runs: docs that match the code.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ExampleServer, startExpressServer } from '../helpers/chromium.js';

const root = resolve(import.meta.dirname, '../..');
let server: ExampleServer;
beforeAll(async () => {
  server = await startExpressServer();
});
afterAll(() => server?.stop());

it('the README quick start works as written against the npm start server', async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /<!-- quick-start[^>]*-->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block, 'README has a quick-start block').toBeDefined();
  expect(block!.split('\n').filter(Boolean).length).toBeLessThanOrEqual(12);
  const code = block!
    .replace("from 'sse-kit'", `from '${pathToFileURL(join(root, 'dist/index.js')).href}'`)
    .replace('http://127.0.0.1:3000', server.url);
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const file = join(root, '.tmp/quick-start.mjs');
  writeFileSync(file, code);
  const { stdout } = await promisify(execFile)('node', [file], { timeout: 15_000 });
  expect(stdout.trim().split('\n')).toEqual([
    'state: connecting',
    'state: open',
    ...[1, 2, 3, 4, 5].map((n) => `tick ${n} id ${n}`),
    'state: closed',
  ]);
});
