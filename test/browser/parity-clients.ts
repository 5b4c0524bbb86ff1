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
  /** Also append every callback, timed, to sessionStorage `parity-log` (it survives a reload). */
  persist?: boolean;
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
  /** `cause`: the message of the error's cause (what the browser said), if any. */
  errors: { name: string; code: string; status?: number; cause?: string; t: number }[];
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
          if (!plan.persist) return;
          const saved = JSON.parse(sessionStorage.getItem('parity-log') ?? '[]') as unknown[];
          saved.push({ client: spec.name, kind, ...entry });
          sessionStorage.setItem('parity-log', JSON.stringify(saved));
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
          const push = <T extends { t: number }>(list: T[], kind: string, entry: NoInfer<Omit<T, 't'>>) => {
            const timed = { ...entry, t: Date.now() } as T;
            list.push(timed);
            note(kind, timed);
          };
          const stream = window.SSEKit.createEventStream(url, {
            ...spec.options,
            onStateChange: (state) => push(log.states, 'state', { state }),
            onRetry: ({ attempt, delay, error }) => push(log.retries, 'retry', { attempt, delay, code: error?.code }),
            onError: (error) => {
              const { status, cause } = error as { status?: number; cause?: { message?: string } };
              push(log.errors, 'error', {
                name: error.name,
                code: error.code,
                ...(status === undefined ? {} : { status }),
                ...(cause?.message === undefined ? {} : { cause: cause.message }),
              });
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

/** One entry of sessionStorage `parity-log`: a client's callback (`kind` event, state, retry, error, close) or a page event. */
export type PersistedEntry = { client: string; kind: string; t: number } & Record<string, unknown>;

/** Starts appending `pagehide`, `beforeunload`, `unload` and `freeze` to sessionStorage `parity-log`, as client `page`. */
export async function persistPageEvents(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const [target, type] of [[document, 'visibilitychange'], [window, 'beforeunload'], [window, 'pagehide'], [window, 'unload'], [document, 'freeze'], [document, 'resume']] as const) {
      target.addEventListener(type, () => {
        const saved = JSON.parse(sessionStorage.getItem('parity-log') ?? '[]') as unknown[];
        saved.push({ client: 'page', kind: type, t: Date.now() });
        sessionStorage.setItem('parity-log', JSON.stringify(saved));
      });
    }
  });
}

/** What the page appended to sessionStorage `parity-log` (read it after a reload), then clears it. */
export async function readPersisted(page: Page): Promise<PersistedEntry[]> {
  return page.evaluate(() => {
    const saved = JSON.parse(sessionStorage.getItem('parity-log') ?? '[]') as PersistedEntry[];
    sessionStorage.removeItem('parity-log');
    return saved;
  });
}

/** Runs the clients and returns their logs by name. */
export async function runClients(page: Page, plan: ClientPlan): Promise<Record<string, ClientLog>> {
  return (await startClients(page, plan)).byName();
}
