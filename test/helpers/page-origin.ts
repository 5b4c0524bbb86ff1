// A second web origin for test/browser: serves a blank test page and dist/sse-kit.min.js, as a
// site and a CDN would. Wraps test/helpers/chromium.ts (launchChromium) and http-server.ts.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { ChromiumSession } from './chromium.js';
import { startServer, type TestServer } from './http-server.js';

const BUNDLE = fileURLToPath(new URL('../../dist/sse-kit.min.js', import.meta.url));

/** Throws the build command when dist/sse-kit.min.js is missing (a loud failure, never a skip). */
export function requireBundle(): void {
  if (!existsSync(BUNDLE)) throw new Error('dist/sse-kit.min.js is missing: run `npm run build`');
}

/** A page that loads the CDN bundle with a `<script>` tag from `bundleUrl`, plus optional inline code. */
export function testPageHtml(bundleUrl: string, inlineScript = ''): string {
  return [
    '<!doctype html><html><head><meta charset="utf-8"><title>sse-kit browser test</title>',
    `<script src="${bundleUrl}"></script>`,
    inlineScript && `<script>${inlineScript}</script>`,
    '</head><body></body></html>',
  ].join('\n');
}

export interface PageOrigin {
  /** e.g. `http://127.0.0.1:41234`: `/` is the test page, `/sse-kit.min.js` the bundle. */
  url: string;
  bundleUrl: string;
  server: TestServer;
  close(): Promise<void>;
}

/**
 * Starts a node:http server on 127.0.0.1 serving `/` (the test page) and `/sse-kit.min.js` (read
 * from dist on every request, so a rebuild is picked up). Pair with `close()` in afterAll.
 */
export async function startPageOrigin(): Promise<PageOrigin> {
  requireBundle();
  let bundleUrl = '';
  const server = await startServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(testPageHtml(bundleUrl));
    }
    if (path === '/sse-kit.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(readFileSync(BUNDLE));
    }
    // favicon.ico and anything else: no content, so no "404" console error.
    res.writeHead(204).end();
  });
  bundleUrl = `${server.url}/sse-kit.min.js`;
  return { url: server.url, bundleUrl, server, close: () => server.close() };
}

/**
 * Opens a page whose document has the origin of `origin` (it navigates to `origin + path`, e.g.
 * a backend's `/health`) and replaces its content with the test page, so the bundle comes by a
 * `<script>` tag from `bundleUrl` (another origin, as from a CDN) while requests from the page to
 * `origin` are same-origin. Fails when the bundle did not define `SSEKit`.
 */
export async function openPageAt(session: ChromiumSession, origin: string, bundleUrl: string, path = '/health'): Promise<Page> {
  const page = await session.openPage(`${origin}${path}`);
  await page.setContent(testPageHtml(bundleUrl));
  await expectBundleLoaded(page);
  return page;
}

/** Throws unless the page has the `SSEKit` global of the IIFE bundle. */
export async function expectBundleLoaded(page: Page): Promise<void> {
  const loaded = await page.evaluate(() => typeof (window as { SSEKit?: unknown }).SSEKit === 'object');
  if (!loaded) throw new Error(`SSEKit is not defined in ${page.url()}: did dist/sse-kit.min.js load?`);
}
