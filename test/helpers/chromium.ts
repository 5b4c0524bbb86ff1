// Real Chromium for test/browser/*: Debian's /usr/bin/chromium driven by playwright-core
// (`npx playwright install` is not available here), and the Express example server on a free port.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';

/** Flags for headless Chromium in tests (also used by chromium-cdp.ts, which starts it itself). */
export const CHROME_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumSession {
  browser: Browser;
  /** Console errors and uncaught exceptions of every page opened with `openPage`, as `url: text`. */
  errors: string[];
  /**
   * Opens `url` in a new page. Each call gets its own context (a separate profile: own cookies,
   * storage and HTTP connection pool, like a separate browser) unless `context` is given.
   */
  openPage(url: string, options?: { context?: BrowserContext }): Promise<Page>;
  /** Closes every page, context and the browser. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with a fresh, temporary user-data-dir (playwright-core creates one
 * per launch and deletes it on close). Throws, never skips, when the binary is missing.
 */
export async function launchChromium(): Promise<ChromiumSession> {
  if (!existsSync(CHROME_PATH)) {
    throw new Error('Chromium is missing: run `npm run setup` (apt-get install -y chromium)');
  }
  const browser = await chromium.launch({ executablePath: CHROME_PATH, headless: true, args: CHROME_ARGS });
  const errors: string[] = [];
  return {
    browser,
    errors,
    async openPage(url, options = {}) {
      const context = options.context ?? (await browser.newContext());
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`${page.url()}: uncaught ${error.stack ?? error.message}`));
      await page.goto(url);
      return page;
    },
    async close() {
      if (browser.isConnected()) await browser.close();
    },
  };
}

export interface ExampleServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Everything the server printed, for failure messages. */
  output(): string;
  /** Stops the server process (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
}

const EXPRESS_SERVER = fileURLToPath(new URL('../../examples/servers/express/server.js', import.meta.url));

/**
 * Starts `node examples/servers/express/server.js` on a free port (PORT=0; the server prints the
 * port it got) and resolves once `GET /health` answers. Always pair with `stop()` in afterAll.
 */
export async function startExpressServer(env: Record<string, string> = {}): Promise<ExampleServer> {
  const child = spawn(process.execPath, [EXPRESS_SERVER], {
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A crashed test run must not leave the server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const stop = async () => {
    process.off('exit', killOnExit);
    await stopProcess(child);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the server did not print its URL within 10 s')), 10_000);
      const onData = () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (!match) return;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(match[1]!);
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited with code ${code}`));
      });
    });
    const health = await fetch(`${url}/health`);
    if (health.status !== 200) throw new Error(`GET /health answered ${health.status}`);
    return { url, output: () => output, stop };
  } catch (error) {
    await stop();
    throw new Error(`Express example server failed to start: ${(error as Error).message}\n${output}`);
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
