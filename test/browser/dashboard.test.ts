// The live dashboard (examples/dashboard) in real Chromium, served by the Express example server,
// with the client loaded from dist/sse-kit.min.js by a <script> tag as a CDN user would.
import { existsSync, mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ChromiumSession, type ExampleServer, launchChromium, startExpressServer } from '../helpers/chromium.js';

interface Snapshot {
  metrics: { received: number; missing: number; duplicates: number; lastSeen: number; points: number; lastEventId: string };
  connection: { reconnects: number; state: string; transport: string; retries: { attempt: number; delay: number; why: string }[] };
}

const snapshot = (page: Page) => page.evaluate(() => (window as unknown as { dashboard: Snapshot }).dashboard) as Promise<Snapshot>;

/** Polls the page's numbers until `predicate` holds. */
async function until(page: Page, what: string, predicate: (s: Snapshot) => boolean, timeout = 10_000): Promise<Snapshot> {
  const start = Date.now();
  for (;;) {
    const s = await snapshot(page);
    if (predicate(s)) return s;
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
    await page.waitForTimeout(50);
  }
}

/** Network failures the browser logs on purpose-made drops and 503s; anything else is a bug. */
const unexpected = (errors: string[]) =>
  errors.filter((e) => !/Failed to load resource|net::ERR_|status of 503/.test(e));

describe('live dashboard in Chromium', () => {
  let server: ExampleServer;
  let chromium: ChromiumSession;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync('dist/sse-kit.min.js')) throw new Error('dist/sse-kit.min.js is missing: run `npm run build`');
    // Fast server-side timings keep the test short; the client options are the page's own.
    server = await startExpressServer({ RETRY_MS: '300', METRICS_MS: '150', RESTART_MS: '1500' });
    chromium = await launchChromium();
    page = await chromium.openPage(`${server.url}/`);
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  test('loads the CDN bundle with no console errors and plots the live metric stream', async () => {
    await until(page, 'metric events', (s) => s.metrics.received >= 3 && s.connection.state === 'open');
    expect(await page.textContent('#state')).toBe('open');
    // auto picks the browser's EventSource for a plain GET without headers.
    expect(await page.textContent('#transport')).toBe('native EventSource');
    // The chart line and the event count, read in the same tick.
    const chart = () =>
      page.evaluate(() => ({
        line: document.querySelector('#chart-line')?.getAttribute('d'),
        received: (window as unknown as { dashboard: Snapshot }).dashboard.metrics.received,
      }));
    const before = await chart();
    await until(page, 'more metric events', (s) => s.metrics.received >= before.received + 2);
    expect((await chart()).line).not.toBe(before.line);
    expect(Number(await page.textContent('#last-id'))).toBeGreaterThan(0);
    expect(await page.locator('#log li').count()).toBeGreaterThan(0);
    expect(chromium.errors).toEqual([]);
  });

  test('"Drop connection" reconnects and resumes with no missing or duplicate id', async () => {
    const before = await snapshot(page);
    await page.click('#drop');
    const after = await until(
      page,
      'a reconnect and fresh events',
      (s) => s.connection.reconnects > before.connection.reconnects && s.metrics.lastSeen >= before.metrics.lastSeen + 5,
    );
    expect(after.connection.retries.length).toBeGreaterThan(0);
    expect(await page.textContent('#reconnects')).toBe(String(after.connection.reconnects));
    expect([after.metrics.missing, after.metrics.duplicates]).toEqual([0, 0]);
    expect(await page.textContent('#missing')).toBe('0');
  });

  test('"Restart server" backs off while refused, then resumes with no gap', async () => {
    const before = await snapshot(page);
    await page.click('#restart');
    const after = await until(
      page,
      'resume after the restart',
      (s) => s.connection.reconnects > before.connection.reconnects && s.metrics.lastSeen >= before.metrics.lastSeen + 15,
    );
    // At least one attempt landed inside the refusal window and was retried with backoff.
    expect(Math.max(...after.connection.retries.map((r) => r.attempt))).toBeGreaterThanOrEqual(2);
    expect([after.metrics.missing, after.metrics.duplicates]).toEqual([0, 0]);
  });

  test('a message sent from page A appears in page B', async () => {
    const other = await chromium.openPage(`${server.url}/`);
    await until(other, 'page B connected', (s) => s.connection.state === 'open');
    const text = `hello from A ${Date.now()}`;
    await page.fill('#message', text);
    await page.click('#composer button[type=submit]');
    await other.locator('#messages li', { hasText: text }).waitFor({ timeout: 5000 });
    await page.locator('#messages li.mine', { hasText: text }).waitFor({ timeout: 5000 });
    await other.close();
  });

  test('the transport switch recreates the stream: fetch and native both deliver, resuming from the last id', async () => {
    for (const [button, label] of [
      ['fetch', 'fetch'],
      ['native', 'native EventSource'],
    ] as const) {
      const before = await snapshot(page);
      await page.click(`[data-transport=${button}]`);
      const after = await until(
        page,
        `${button} events`,
        (s) => s.connection.transport === button && s.metrics.received >= before.metrics.received + 4,
      );
      expect(await page.textContent('#transport')).toBe(label);
      expect([after.metrics.missing, after.metrics.duplicates]).toEqual([0, 0]);
    }
    await page.click('[data-transport=auto]');
  });

  test('the private stream sends the bearer token from a headers function; a wrong token is a fatal 401', async () => {
    await page.check('#private-toggle', { force: true });
    await page.locator('#private-status[data-state=open]').waitFor({ timeout: 5000 });
    expect(await page.textContent('#private-text')).toContain('fetch');
    await page.uncheck('#private-toggle', { force: true });
    await page.fill('#token', 'wrong');
    await page.check('#private-toggle', { force: true });
    await page.locator('#private-status[data-state=error]').waitFor({ timeout: 5000 });
    expect(await page.textContent('#private-text')).toContain('401');
    // Leave it on with the right token for the screenshot.
    await page.uncheck('#private-toggle', { force: true });
    await page.fill('#token', 'secret');
    await page.check('#private-toggle', { force: true });
    await page.locator('#private-status[data-state=open]').waitFor({ timeout: 5000 });
  });

  test('shows no page errors, only the network errors the drops cause; screenshot', async () => {
    const s = await snapshot(page);
    expect([s.metrics.missing, s.metrics.duplicates]).toEqual([0, 0]);
    expect(unexpected(chromium.errors)).toEqual([]);
    mkdirSync('test-output/screenshots', { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: 'test-output/screenshots/dashboard.png', fullPage: true });
  });
});
