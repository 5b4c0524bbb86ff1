// sse-kit/react in real Chromium: a React page bundled by esbuild from dist/react.js + dist/index.js
// (test/browser/hooks-page.ts) shows live ticks from the Express example server, through forced
// drops, with no gap and one connection at a time for its two components.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Backend, startBackend } from '../helpers/backends.js';
import { type ChromiumSession, launchChromium } from '../helpers/chromium.js';

const dist = (file: string) => fileURLToPath(new URL(`../../dist/${file}`, import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../../test-output/hooks-page.png', import.meta.url));

let chromium: ChromiumSession;
let backend: Backend;
let bundle: string;

beforeAll(async () => {
  for (const file of ['index.js', 'react.js']) {
    if (!existsSync(dist(file))) throw new Error(`dist/${file} is missing: run \`npm run build\``);
  }
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./hooks-page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    // The published files, not src/: what an app bundler would pick from the package.
    alias: { 'sse-kit/react': dist('react.js'), 'sse-kit': dist('index.js') },
    tsconfigRaw: '{}',
    // Development React: StrictMode mounts, unmounts and remounts every effect.
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
  });
  bundle = result.outputFiles[0]!.text;
  [chromium, backend] = await Promise.all([launchChromium(), startBackend('express', { RETRY_MS: '50' })]);
});

afterAll(async () => {
  await chromium?.close();
  await backend?.stop();
});

/** Opens the page same-origin with the server (its /health document) and starts the React app. */
async function openApp(stream: string): Promise<{ page: Page; requests: string[] }> {
  const page = await chromium.openPage(`${backend.url}/health?stream=${encodeURIComponent(stream)}`);
  const requests: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/counter')) requests.push(request.headers()['last-event-id'] ?? '');
  });
  await page.setContent('<!doctype html><html><body><div id="root"></div></body></html>');
  await page.addScriptTag({ content: bundle });
  return { page, requests };
}

const ticksOnPage = async (page: Page) => {
  const text = (await page.textContent('#ticks')) ?? '';
  return text ? text.split(' ').map(Number) : [];
};

test('a React page shows live ticks through dropped connections with no gap, one connection for two components', async () => {
  // The server drops every connection after 7 events; the client resumes from its Last-Event-ID.
  const { page, requests } = await openApp('/counter?interval=20&limit=7');
  await page.waitForFunction(() => (document.getElementById('ticks')?.textContent ?? '').split(' ').length >= 10);
  // And a drop from outside, mid-stream.
  await fetch(`${backend.url}/control/drop`, { method: 'POST' });
  await page.waitForFunction(() => (document.getElementById('ticks')?.textContent ?? '').split(' ').length >= 30, undefined, {
    timeout: 15_000,
  });
  const ticks = await ticksOnPage(page);
  // Every tick once, in order: no gap and no duplicate across the drops.
  expect(ticks).toEqual(Array.from({ length: ticks.length }, (_, i) => i + 1));
  await page.waitForFunction(() => /last tick: \d+ \(open\)/.test(document.getElementById('last')?.textContent ?? ''));
  // One request per connection: the first without an id, then one resume per drop (limit 7 → a
  // drop every 7 ticks, plus ours). Two components and StrictMode's double mount add none.
  const connections = requests.length;
  expect(requests[0]).toBe('');
  expect(requests.slice(1).every((id) => Number(id) > 0)).toBe(true);
  expect(connections).toBeLessThanOrEqual(Math.ceil(ticks.length / 7) + 2);
  console.log(`hooks page: ${ticks.length} ticks over ${connections} connections, resume ids ${requests.slice(1).join(', ')}`);
  mkdirSync(fileURLToPath(new URL('../../test-output', import.meta.url)), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  // Chromium logs each drop (ERR_INCOMPLETE_CHUNKED_ENCODING) and the missing favicon; nothing else.
  expect(chromium.errors.filter((error) => !/ERR_INCOMPLETE_CHUNKED_ENCODING|status of 404/.test(error))).toEqual([]);
  await page.context().close();
});
