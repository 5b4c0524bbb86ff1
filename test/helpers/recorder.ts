import type { EventStream, SSEKitError, StreamState } from '../../src/index.js';

/** Options that record every callback; spread into createEventStream options. */
export function recorder() {
  const log = {
    states: [] as StreamState[],
    errors: [] as SSEKitError[],
    opens: 0,
    retries: [] as { attempt: number; delay: number | undefined; code: string | undefined }[],
    closes: [] as { reason: string; code: string | undefined }[],
  };
  const options = {
    onStateChange: (state: StreamState) => void log.states.push(state),
    onError: (error: SSEKitError) => void log.errors.push(error),
    onOpen: () => void log.opens++,
    onRetry: (info: { attempt: number; delay: number | undefined; error: SSEKitError | undefined }) =>
      void log.retries.push({ attempt: info.attempt, delay: info.delay, code: info.error?.code }),
    onClose: (info: { reason: string; error?: SSEKitError }) =>
      void log.closes.push({ reason: info.reason, code: info.error?.code }),
  };
  return { log, options };
}

/** Resolves when `predicate` holds, polling every few ms; rejects after `timeout` ms. */
export async function waitFor(predicate: () => boolean, timeout = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Collects `count` events of any type through the async iterator. */
export async function take<E extends Record<string, unknown>>(stream: EventStream<E>, count: number) {
  const out: { type: string; data: unknown; id: string }[] = [];
  if (count === 0) return out;
  for await (const event of stream) {
    out.push(event);
    if (out.length === count) break;
  }
  return out;
}
