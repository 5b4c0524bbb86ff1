import { useId, useInsertionEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { EventMap } from 'sse-kit';
import { createHookStore } from '../hooks-core/hook-store.js';
import { connectionKey } from '../hooks-core/key.js';
import type { EventStreamOptions, EventStreamSnapshot, LatestEvents, OnEvent } from '../hooks-core/types.js';

/** What {@link useEventStream} returns: the current snapshot, plus `close` and `on`. */
export interface EventStreamResult<E extends EventMap, D = LatestEvents<E>> extends EventStreamSnapshot<D> {
  /** Closes the shared stream for every component using it; state `closed` until they all unmount. */
  close(): void;
  /** Adds a listener on the shared connection (what {@link useEvent} uses); returns its unsubscribe. */
  on: OnEvent<E>;
}

/**
 * Subscribes a component to a server-sent event stream shared by every component with the same
 * URL and request options (one connection, ref-counted). `null` means not connected. Renders on the
 * server as `idle` without touching the network.
 *
 * ```ts
 * type Events = { tick: { n: number } }
 * const { state, data } = useEventStream<Events>('/counter') // data.tick: { n: number } | undefined
 * const { data: count } = useEventStream<Events, number>('/counter', { reducer: (n) => n + 1, initial: 0, throttle: 100 })
 * ```
 */
export function useEventStream<E extends EventMap = EventMap, D = LatestEvents<E>>(
  url: string | URL | null,
  options: EventStreamOptions<E, D> = {},
): EventStreamResult<E, D> {
  const id = useId();
  const latest = useRef(options);
  // Committed options only: a render React throws away must not leak its callbacks.
  useInsertionEffect(() => {
    latest.current = options;
  });
  const key = url === null ? '' : connectionKey(url, options, id);
  // The URL string, not the URL object: a new URL object per render is not a new stream.
  const href = url === null ? null : String(url);
  // The key covers every option that changes the request; the rest is read through `latest`.
  const store = useMemo(() => createHookStore<E, D>(href, key, () => latest.current), [href, key]);
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getServerSnapshot);
  return useMemo(() => ({ ...snapshot, close: store.close, on: store.on }), [snapshot, store]);
}
