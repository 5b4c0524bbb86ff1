// Runs a bare EventSource and sse-kit streams side by side in one Chromium page and records what
// each saw, with Date.now() timestamps (the same clock as the test's node:http server). `startInPage`
// is self-contained (no imports, no outer variables) because Playwright ships its source to the page.
import type { Page } from 'playwright-core';
import type * as SSEKitApi from '../../src/index.js';

/** One client in the page: the browser's `EventSource`, or createEventStream with these options. */
export interface ClientSpec {
  /** Sent as the `client` query parameter, so the server tells the clients apart. */
  name: string;
  kind: 'eventsource' | 'sse-kit';
  /** JSON-safe createEventStream options. */
  options?: Record<string, unknown>;
}

export interface ClientPlan {
  /** Path (same origin as the page) every client connects to, with `?client=<name>`. */
  path: string;
  clients: ClientSpec[];
  /** A client stops (closes) once it has this many events; 0: only the timeout stops it. */
  count: number;
  /** Every client stops after this long. */
  timeoutMs: number;
  /** Log every callback to the console as `parity <json>` too (survives an unload). */
  consoleLog?: boolean;
}

export interface ClientLog {
  name: string;
  /** sse-kit: `stream.transport` at the start; EventSource: 'eventsource'. */
  transport: string;
  /** Every event: its id, `data.n`, and when it arrived. */
  events: { id: string; n: number; t: number }[];
  /** sse-kit: onStateChange; EventSource: 'open' and, on error, 'connecting' or 'closed' (its readyState). */
  states: { state: string; t: number }[];
  retries: { attempt: number; delay: number | undefined; code: string | undefined; t: number }[];
  errors: { name: string; code: string; status?: number; t: number }[];
  closes: { reason: string; code?: string; t: number }[];
  /** The client reached `count` (false: stopped by the timeout). */
  done: boolean;
}

declare global {
  interface Window {
    SSEKit: typeof SSEKitApi;
    parityRuns: Record<string, Promise<ClientLog[]>>;
  }
}

function startInPage(plan: ClientPlan & { id: string }): void {
  const ES = EventSource;
  const runs = plan.clients.map(
    (spec) =>
      new Promise<ClientLog>((resolve) => {
        const log: ClientLog = { name: spec.name, transport: '', events: [], states: [], retries: [], errors: [], closes: [], done: false };
        const note = (kind: string, entry: Record<string, unknown>) => {
          if (plan.consoleLog) console.info(`parity ${JSON.stringify({ client: spec.name, kind, ...entry })}`);
        };
        const url = `${plan.path}${plan.path.includes('?') ? '&' : '?'}client=${encodeURIComponent(spec.name)}`;
        let stop = () => {};
        const onEvent = (id: string, data: unknown) => {
          const entry = { id, n: (data as { n: number }).n, t: Date.now() };
          log.events.push(entry);
          note('event', entry);
          if (plan.count && log.events.length >= plan.count) {
            log.done = true;
            stop();
          }
        };
        if (spec.kind === 'eventsource') {
          const es = new ES(url);
          log.transport = 'eventsource';
          const state = (name: string) => {
            const entry = { state: name, t: Date.now() };
            log.states.push(entry);
            note('state', entry);
          };
          es.onopen = () => state('open');
          es.onerror = () => state(es.readyState === ES.CLOSED ? 'closed' : 'connecting');
          es.onmessage = (event) => onEvent(event.lastEventId, JSON.parse(event.data));
          stop = () => {
            es.close();
            resolve(log);
          };
        } else {
          const push = <T extends object>(list: (T & { t: number })[], kind: string, entry: T) => {
            const timed = { ...entry, t: Date.now() };
            list.push(timed);
            note(kind, timed);
          };
          const stream = window.SSEKit.createEventStream(url, {
            ...spec.options,
            onStateChange: (state) => push(log.states, 'state', { state }),
            onRetry: ({ attempt, delay, error }) => push(log.retries, 'retry', { attempt, delay, code: error?.code }),
            onError: (error) => {
              const status = (error as { status?: number }).status;
              push(log.errors, 'error', { name: error.name, code: error.code, ...(status === undefined ? {} : { status }) });
            },
            onClose: ({ reason, error }) => push(log.closes, 'close', error ? { reason, code: error.code } : { reason }),
          });
          log.transport = stream.transport;
          stream.on('message', (data, event) => onEvent(event.id, data));
          stop = () => {
            stream.close();
            resolve(log);
          };
        }
        setTimeout(() => stop(), plan.timeoutMs);
      }),
  );
  window.parityRuns ??= {};
  window.parityRuns[plan.id] = Promise.all(runs);
}

let runs = 0;

/** Starts the clients in the page; `logs()` waits until each reached `count` or timed out. */
export async function startClients(page: Page, plan: ClientPlan) {
  const id = `parity${++runs}`;
  await page.evaluate(startInPage, { ...plan, id });
  const logs = () => page.evaluate((runId) => window.parityRuns[runId]!, id);
  return { logs, byName: async () => Object.fromEntries((await logs()).map((log) => [log.name, log])) };
}

/** Runs the clients and returns their logs by name. */
export async function runClients(page: Page, plan: ClientPlan): Promise<Record<string, ClientLog>> {
  return (await startClients(page, plan)).byName();
}
