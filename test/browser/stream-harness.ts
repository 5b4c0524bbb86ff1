// Runs createEventStream inside a Chromium page (from the IIFE bundle, global SSEKit) and records
// what a user would observe: transport, events, states, errors, retries, close. `startInPage`
// is self-contained (no imports, no outer variables) because Playwright ships its source to the page.
import type { Page, Request } from 'playwright-core';
import type * as SSEKitApi from '../../src/index.js';

declare global {
  interface Window {
    SSEKit: typeof SSEKitApi;
    sseRuns: Record<string, PageRun>;
  }
}

/** What the page does; JSON only (functions are rebuilt in the page from the flags). */
export interface RunPlan {
  id: string;
  url: string;
  /** JSON-safe createEventStream options (transport, credentials, method, body, retry, ...). */
  options?: Record<string, unknown>;
  /** Adds `headers: () => ({ Authorization: 'Bearer <bearer>' })`, called per attempt. */
  bearer?: string;
  /** Event types to listen to with `on()`; ignored with `iterate`. @defaultValue ['tick'] */
  types?: string[];
  /** Consume with `for await` instead of `on()`; the loop ends when the stream closes. */
  iterate?: boolean;
  /** Close the stream after this many events (0: wait for the stream to close by itself). */
  count?: number;
  /** Close after the first event whose `data.text` is this (broadcast); `count` is then ignored. */
  untilText?: string;
  /** Give up (and close) after this long. @defaultValue 8000 */
  timeoutMs?: number;
}

export interface ErrorView {
  name: string;
  code: string;
  status?: number;
  body?: string;
}

export interface RunResult {
  transport: string;
  events: { type: string; data: unknown; id: string }[];
  states: string[];
  errors: ErrorView[];
  retries: { attempt: number; delay: number; code: string | undefined }[];
  /** onClose calls, in order. A run that reached its goal ends with `{ reason: 'close' }` (ours). */
  closes: { reason: string; error?: ErrorView }[];
  /** What `for await` threw, if it threw. */
  thrown?: ErrorView;
  /** The runner gave up after `timeoutMs`. */
  timedOut: boolean;
}

interface PageRun {
  result: RunResult;
  done: Promise<RunResult>;
}

/** Page side: starts the run and stores it in `window.sseRuns[plan.id]`. */
function startInPage(plan: RunPlan): void {
  const view = (error: unknown): ErrorView => {
    const e = error as { name: string; code: string; status?: number; body?: string };
    const out: ErrorView = { name: e.name, code: e.code };
    if (e.status !== undefined) out.status = e.status;
    if (e.body !== undefined) out.body = e.body;
    return out;
  };
  const result: RunResult = { transport: '', events: [], states: [], errors: [], retries: [], closes: [], timedOut: false };
  let finish!: () => void;
  const done = new Promise<RunResult>((resolve) => (finish = () => resolve(result)));
  const options: Record<string, unknown> = {
    ...plan.options,
    onStateChange: (state: string) => void result.states.push(state),
    onError: (error: unknown) => void result.errors.push(view(error)),
    onRetry: (info: { attempt: number; delay: number; error?: { code: string } }) =>
      void result.retries.push({ attempt: info.attempt, delay: info.delay, code: info.error?.code }),
    onClose: (info: { reason: string; error?: unknown }) => {
      result.closes.push(info.error ? { reason: info.reason, error: view(info.error) } : { reason: info.reason });
      // Iteration ends by itself; for on() the close is the end of the run.
      if (!plan.iterate) stop();
    },
  };
  if (plan.bearer) options.headers = () => ({ Authorization: `Bearer ${plan.bearer}` });
  const stream = window.SSEKit.createEventStream(plan.url, options);
  result.transport = stream.transport;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  function stop() {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    stream.close();
    // After onClose ran for our own close(): report everything, including that close.
    setTimeout(finish, 0);
  }
  timer = setTimeout(() => {
    result.timedOut = true;
    stop();
  }, plan.timeoutMs ?? 8000);
  const reached = (event: { data: unknown }) =>
    plan.untilText !== undefined
      ? (event.data as { text?: unknown } | null)?.text === plan.untilText
      : !!plan.count && result.events.length >= plan.count;
  if (plan.iterate) {
    (async () => {
      try {
        for await (const event of stream) {
          result.events.push({ type: event.type, data: event.data, id: event.id });
          if (reached(event)) break;
        }
      } catch (error) {
        result.thrown = view(error);
      }
      stop();
    })();
  } else {
    for (const type of plan.types ?? ['tick']) {
      stream.on(type, (data, event) => {
        if (stopped) return;
        const entry = { type: event.type, data, id: event.id };
        result.events.push(entry);
        if (reached(entry)) stop();
      });
    }
  }
  window.sseRuns ??= {};
  window.sseRuns[plan.id] = { result, done };
}

let runs = 0;

/** Starts a run in the page; `result()` waits for it to finish. */
export async function startRun(page: Page, plan: Omit<RunPlan, 'id'>) {
  const id = `run${++runs}`;
  await page.evaluate(startInPage, { ...plan, id });
  return {
    id,
    /** Resolves when the stream is open (state `open` seen). */
    opened: () =>
      page.waitForFunction((runId) => window.sseRuns[runId]!.result.states.includes('open'), id, { timeout: 8000 }),
    result: () => page.evaluate((runId) => window.sseRuns[runId]!.done, id),
  };
}

/** Starts a run and waits for its result. */
export async function run(page: Page, plan: Omit<RunPlan, 'id'>): Promise<RunResult> {
  return (await startRun(page, plan)).result();
}

export interface SeenRequest {
  method: string;
  url: string;
  /** The Last-Event-ID header on the wire, if any (from Chromium's raw headers: the provisional ones
   *  lack the header that EventSource's own reconnection adds). */
  lastEventId: Promise<string | undefined>;
  /** The Cookie header on the wire (from Chromium's raw headers), if any. */
  cookie: Promise<string | undefined>;
}

/**
 * Records the page's requests whose path is `path` (the browser's view of the wire: the URL,
 * with the native transport's `lastEventId` query parameter, and the fetch transport's header).
 */
export function watchRequests(page: Page, path: string): SeenRequest[] {
  const seen: SeenRequest[] = [];
  page.on('request', (request: Request) => {
    if (new URL(request.url()).pathname !== path) return;
    const headers = request.allHeaders().catch(() => ({}) as Record<string, string>);
    seen.push({
      method: request.method(),
      url: request.url(),
      lastEventId: headers.then((h) => h['last-event-id']),
      cookie: headers.then((h) => h.cookie),
    });
  });
  return seen;
}

/** The `lastEventId` query parameter of a recorded request URL, or undefined. */
export const idParam = (url: string): string | undefined => new URL(url).searchParams.get('lastEventId') ?? undefined;

/** Console messages the browser prints for failures a test provokes on purpose. */
export const EXPECTED_CONSOLE = /Failed to load resource|net::ERR_|blocked by CORS policy|status of 401/;
