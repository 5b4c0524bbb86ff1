// Chromium started by us and driven over CDP, for page-lifecycle tests. Playwright's own launch()
// passes flags that keep every page visible and unfreezable and disables the back/forward cache,
// so a frozen page cannot be tested with it. Here Chromium runs with only the flags of
// chromium.ts, a fresh profile directory, and Playwright attaches with connectOverCDP, leaving the
// default profile as Chromium set it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type CDPSession, chromium, type Page } from 'playwright-core';
import { CHROME_ARGS, CHROME_PATH } from './chromium.js';

export interface CdpChromium {
  browser: Browser;
  /** Opens `url` in a new tab of the default profile. */
  openPage(url: string): Promise<Page>;
  /** Sets the page's lifecycle state (`frozen` or `active`) the way the browser does for a background tab. */
  setLifecycle(page: Page, state: 'frozen' | 'active'): Promise<void>;
  /** Kills Chromium (its whole process group) and removes its profile directory. Safe to call twice. */
  close(): Promise<void>;
}

/** Starts Chromium with `--remote-debugging-port=0` and connects to the port it prints. */
export async function launchChromiumOverCdp(): Promise<CdpChromium> {
  if (!existsSync(CHROME_PATH)) {
    throw new Error('Chromium is missing: run `npm run setup` (apt-get install -y chromium)');
  }
  const profile = mkdtempSync(join(tmpdir(), 'sse-kit-chromium-'));
  // Its own process group, so that close() ends the zygote and renderers too, which would otherwise
  // keep writing into the profile directory while it is being removed.
  const child = spawn(CHROME_PATH, [...CHROME_ARGS, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  // A crashed test run must not leave Chromium behind.
  const killOnExit = killGroup;
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let browser: Browser | undefined;
  const close = async () => {
    process.off('exit', killOnExit);
    // Killed rather than closed over CDP: a close that never answers would outlive the hooks, and
    // Chromium the test worker (one was once left running). Playwright just sees the connection drop.
    const running = child.exitCode === null && child.signalCode === null;
    killGroup();
    if (running) await exited;
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`no DevTools endpoint within 10 s:\n${output}`)), 10_000);
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
        if (!match) return;
        clearTimeout(timer);
        resolve(match[1]!);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Chromium exited with code ${code}:\n${output}`));
      });
    });
    // noDefaults: no focus emulation on the default profile's pages; it would keep them visible,
    // and Chromium never freezes a visible page.
    browser = await chromium.connectOverCDP(endpoint, { noDefaults: true });
  } catch (error) {
    await close();
    throw error;
  }
  const context = browser.contexts()[0]!;
  const sessions = new WeakMap<Page, CDPSession>();
  return {
    browser,
    async openPage(url) {
      const page = await context.newPage();
      await page.goto(url);
      return page;
    },
    async setLifecycle(page, state) {
      let session = sessions.get(page);
      if (!session) sessions.set(page, (session = await context.newCDPSession(page)));
      await session.send('Page.setWebLifecycleState', { state });
    },
    close,
  };
}
