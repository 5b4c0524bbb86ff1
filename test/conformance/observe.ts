import type { Observation } from './cases.js';

/** What `observe` needs to know about one case; plain data, so a page can receive it as JSON. */
export interface ObservePlan {
  url: string;
  /** Event types to record besides open, message and error. */
  listen: string[];
  /** 1-based observation in whose listener to call close(); 0 = never. */
  closeAfter: number;
  /** How many observations the case expects. */
  expected: number;
  /** How long to keep listening after the expected count is reached (extra events show up). */
  settleMs: number;
  /** Give up this long after starting (fewer events than expected show up). */
  timeoutMs: number;
  /** Passed as the second constructor argument. */
  init?: Record<string, unknown>;
}

/** The part of an EventSource class `observe` uses: the browser's, sse-kit's, or a polyfill. */
export type EventSourceClass = new (
  url: string,
  init?: Record<string, unknown>,
) => EventTarget & { readonly readyState: number; close(): void };

/**
 * Opens an EventSource and records what its listeners see. Self-contained (no imports, no outer
 * variables), so a browser runner can run it in a page against the page's own EventSource:
 * `page.evaluate(\`(${observe})(EventSource, ${JSON.stringify(plan)})\`)` (plan from `planFor`,
 * with the browser's timing: its reconnection time is ~3 s, so `settleMs` must exceed it).
 */
export function observe(EventSourceClass: EventSourceClass, plan: ObservePlan): Promise<Observation[]> {
  return new Promise((resolve) => {
    const seen: Observation[] = [];
    const source = new EventSourceClass(plan.url, plan.init);
    const finish = () => {
      source.close();
      resolve(seen);
    };
    const giveUp = setTimeout(finish, plan.timeoutMs);
    const record = (event: Event) => {
      const entry: Observation = { type: event.type, readyState: source.readyState as Observation['readyState'] };
      if ('data' in event) {
        const message = event as MessageEvent;
        Object.assign(entry, { data: message.data, lastEventId: message.lastEventId, origin: message.origin });
      }
      seen.push(entry);
      if (seen.length === plan.closeAfter) source.close();
      if (seen.length === plan.expected) {
        clearTimeout(giveUp);
        setTimeout(finish, plan.settleMs);
      }
    };
    for (const type of ['open', 'message', 'error', ...plan.listen]) source.addEventListener(type, record);
  });
}
