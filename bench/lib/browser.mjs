// Drives headless Chromium (Debian's /usr/bin/chromium through playwright-core) against the bench
// server: one fresh page per (round, client), the page bundle from browser-entry.mjs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launch() {
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'sse-kit-bench-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ARGS,
  });
  const version = context.browser()?.version() ?? '';
  return {
    version,
    async page(base) {
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      await page.goto(`${base}/`);
      await page.waitForFunction(() => Boolean(window.bench), null, { timeout: 30_000 });
      return {
        throughput: (client, url, expect, decode) =>
          page.evaluate(([c, u, e, d]) => window.bench.throughput(c, u, e, d), [client, url, expect, decode]),
        reconnect: (client, url, total) => page.evaluate(([c, u, t]) => window.bench.reconnect(c, u, t), [client, url, total]),
        errors,
        close: () => page.close(),
      };
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
