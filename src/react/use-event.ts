import { useEffect, useInsertionEffect, useRef } from 'react';
import type { EventMap, Listener } from 'sse-kit';
import type { OnEvent } from '../hooks-core/types.js';

/**
 * Runs `handler` for every `type` event of a stream from {@link useEventStream}, for side effects
 * (toasts, logs, setting state). The handler is always the one from the latest render, so it sees
 * current state; changing it never reconnects. A `null` stream listens to nothing.
 *
 * ```ts
 * const stream = useEventStream<Events>('/events')
 * useEvent(stream, 'message', (message) => toast(message.text))
 * ```
 */
export function useEvent<E extends EventMap, K extends keyof E & string>(
  stream: { on: OnEvent<E> } | null | undefined,
  type: K,
  handler: Listener<E[K], K>,
): void {
  const latest = useRef(handler);
  useInsertionEffect(() => {
    latest.current = handler;
  });
  const on = stream?.on;
  useEffect(() => on?.(type, (data, event) => latest.current(data, event)), [on, type]);
}
