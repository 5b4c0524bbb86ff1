// The script language: what one connection of a mock server sends, step by step. The builder only
// queues steps; a runner (src/testing/run.ts) plays them into a fetch body or a node:http response.
import type { EventMap } from 'sse-kit';

/** One queued step. `write` is already encoded and split; the runner just sends bytes. */
export type Step =
  | { kind: 'status'; status: number; headers: Record<string, string> }
  | { kind: 'write'; bytes: Uint8Array }
  | { kind: 'wait'; ms: number }
  | { kind: 'drop' }
  | { kind: 'end' }
  | { kind: 'hang' };

/** How `event()` turns a value into the `data:` text. Mirrors sse-kit's `decode` option. */
export type Encode = 'json' | 'text' | ((data: unknown, type: string) => string);

/** Options of one `event()`. */
export interface EventFields {
  /** Written as `id: <id>`; the client resumes from it. */
  id?: string | number;
  /** Written as `retry: <ms>` in the same block. */
  retry?: number;
}

/**
 * What a mock connection sends, as a chain of verbs. Every verb returns the script, so a scenario
 * reads top to bottom. Each write verb is one network chunk (one `read()` on the client), unless
 * {@link Script.split} cuts it smaller. The response (status and headers) goes out with the first
 * step that is not `wait` or `hang`; a handler that queues nothing answers 200 and stays open.
 * For instance `s.status(503, { 'retry-after': '1' }).raw('busy').end()`, or
 * `s.event('tick', { n: 1 }, { id: 1 }).comment('ping').wait(1000).raw('data: half').drop()`.
 * (No `@example` block: test/unit/tsdoc-examples.test.ts compiles those against the core only.)
 */
export interface Script<E extends EventMap = EventMap> {
  /** Status and headers; must come first. 2xx (but 204) defaults to `content-type: text/event-stream`. */
  status(status: number, headers?: Record<string, string>): Script<E>;
  /** One event: `event:` (omitted for `message`), optional `id:`/`retry:`, data encoded per line, blank line. */
  event<K extends keyof E & string>(type: K, data: E[K], fields?: EventFields): Script<E>;
  /** An id-only block (`id: 7` and a blank line): moves the client's last id without an event. */
  id(id: string | number): Script<E>;
  /** A comment line (`: text`), what servers send as a heartbeat. */
  comment(text?: string): Script<E>;
  /** A `retry: <ms>` block: the client's reconnection delay. */
  retry(ms: number): Script<E>;
  /** Bytes as they are, each argument one chunk: split fields, CRLF, a BOM, invalid UTF-8. */
  raw(...chunks: (string | Uint8Array)[]): Script<E>;
  /** From here on, cut every write into chunks of at most `bytes` bytes (0 = whole writes again). */
  split(bytes: number): Script<E>;
  /** From here on, end the lines `event()`, `id()`, `comment()` and `retry()` write with this. */
  lineEnding(eol: '\n' | '\r\n' | '\r'): Script<E>;
  /** Pause, with the global `setTimeout` as it is when the step runs (fake timers control it). */
  wait(ms: number): Script<E>;
  /** A network error: the body read rejects with a `TypeError` (before the response: fetch rejects). */
  drop(): Script<E>;
  /** Ends the response cleanly. */
  end(): Script<E>;
  /** Sends nothing more and never ends, until the client aborts (a stalled server or proxy). */
  hang(): Script<E>;
}

/** The runner's side of a script: the steps in order, as they are queued (also after the start). */
export interface StepQueue {
  /** The next step, once there is one. */
  next(): Promise<Step>;
  /** True when nothing was queued yet. */
  readonly empty: boolean;
}

const encoder = new TextEncoder();

/** Builds a script and the queue a runner reads it from. */
export function createScript<E extends EventMap>(encode: Encode = 'json'): { script: Script<E>; queue: StepQueue } {
  const steps: Step[] = [];
  let read = 0;
  let wake: (() => void) | undefined;
  let terminal: string | undefined;
  let wrote = false;
  let size = 0;
  let eol = '\n';

  const push = (step: Step, verb: string) => {
    if (terminal) throw new Error(`sse-kit/testing: ${verb}() after ${terminal}(): the script has already finished`);
    if (step.kind === 'drop' || step.kind === 'end' || step.kind === 'hang') terminal = step.kind;
    steps.push(step);
    wake?.();
  };
  const step = (terminalStep: Step) => {
    push(terminalStep, terminalStep.kind);
    return script;
  };
  const write = (chunk: string | Uint8Array, verb: string) => {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    wrote = true;
    if (!size) return push({ kind: 'write', bytes }, verb);
    for (let i = 0; i < bytes.length; i += size) push({ kind: 'write', bytes: bytes.subarray(i, i + size) }, verb);
  };
  const toText = (data: unknown, type: string): string =>
    typeof encode === 'function'
      ? encode(data, type)
      : encode === 'text' && typeof data === 'string'
        ? data
        : (JSON.stringify(data) ?? 'null');
  const lines = (fields: [string, string][]) => fields.map(([k, v]) => (k ? `${k}: ${v}` : `:${v && ` ${v}`}`) + eol).join('') + eol;

  const script: Script<E> = {
    status(status, headers = {}) {
      if (wrote || steps.some((s) => s.kind === 'status')) {
        throw new Error('sse-kit/testing: status() must come first, before anything is written');
      }
      push({ kind: 'status', status, headers }, 'status');
      return script;
    },
    event(type, data, fields = {}) {
      const out: [string, string][] = [];
      if (type !== 'message') out.push(['event', type]);
      if (fields.id !== undefined) out.push(['id', String(fields.id)]);
      if (fields.retry !== undefined) out.push(['retry', String(fields.retry)]);
      // "data: a\ndata: b" is how SSE carries a line break inside one value.
      for (const line of toText(data, type).split(/\r\n|\r|\n/)) out.push(['data', line]);
      write(lines(out), 'event');
      return script;
    },
    id(id) {
      write(lines([['id', String(id)]]), 'id');
      return script;
    },
    comment(text = '') {
      write(lines([['', text]]), 'comment');
      return script;
    },
    retry(ms) {
      write(lines([['retry', String(ms)]]), 'retry');
      return script;
    },
    raw(...chunks) {
      for (const chunk of chunks) write(chunk, 'raw');
      return script;
    },
    split(bytes) {
      size = bytes > 0 && Number.isFinite(bytes) ? Math.floor(bytes) : 0;
      return script;
    },
    lineEnding(value) {
      eol = value;
      return script;
    },
    wait(ms) {
      push({ kind: 'wait', ms }, 'wait');
      return script;
    },
    drop: () => step({ kind: 'drop' }),
    end: () => step({ kind: 'end' }),
    hang: () => step({ kind: 'hang' }),
  };

  const queue: StepQueue = {
    get empty() {
      return steps.length === 0;
    },
    next() {
      if (read < steps.length) return Promise.resolve(steps[read++]!);
      return new Promise<void>((resolve) => (wake = resolve)).then(() => {
        wake = undefined;
        return queue.next();
      });
    },
  };
  return { script, queue };
}
