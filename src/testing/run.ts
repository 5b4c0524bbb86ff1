// Plays a script's steps into one response, whatever carries it (a fetch body, a node:http socket).
import type { Outcome } from './connection.js';
import type { StepQueue } from './script.js';

/** Where the steps go. `drop()` before `head()` means the connection is refused. */
export interface Output {
  head(status: number, headers: Record<string, string>): void;
  write(bytes: Uint8Array): void;
  drop(): void;
  end(): void;
}

/**
 * Runs the queue until a terminal step, or until `stopped` resolves (the client went away; the
 * output has already reacted). Only `wait` uses a timer, so fake timers see nothing else.
 */
export async function play(queue: StepQueue, out: Output, stopped: Promise<void>): Promise<Outcome> {
  let headed = false;
  const head = (status = 200, headers: Record<string, string> = {}) => {
    headed = true;
    out.head(status, responseHeaders(status, headers));
  };
  for (;;) {
    const step = await Promise.race([queue.next(), stopped]);
    if (!step) return 'abort';
    switch (step.kind) {
      case 'status':
        head(step.status, step.headers);
        break;
      case 'write':
        if (!headed) head();
        out.write(step.bytes);
        break;
      case 'wait': {
        // Looked up now, not at import: vi.useFakeTimers() replaces the global after the kit loads.
        const { setTimeout, clearTimeout } = globalThis;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const slept = await Promise.race([new Promise<true>((r) => (timer = setTimeout(() => r(true), step.ms))), stopped]);
        clearTimeout(timer);
        if (!slept) return 'abort';
        break;
      }
      case 'hang':
        await stopped;
        return 'abort';
      case 'drop':
        out.drop();
        return 'drop';
      case 'end':
        if (!headed) head();
        out.end();
        return 'end';
    }
  }
}

/** The script's headers over the defaults of an SSE response (or of a plain error response). */
function responseHeaders(status: number, given: Record<string, string>): Record<string, string> {
  const sse = status >= 200 && status < 300 && status !== 204;
  const out: Record<string, string> = sse
    ? { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }
    : { 'content-type': 'text/plain; charset=utf-8' };
  for (const [name, value] of Object.entries(given)) out[name.toLowerCase()] = value;
  return out;
}
