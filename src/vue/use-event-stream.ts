import {
  getCurrentInstance,
  getCurrentScope,
  type MaybeRefOrGetter,
  onMounted,
  onScopeDispose,
  type Ref,
  shallowRef,
  toValue,
  watch,
} from 'vue';
import type { EventMap, Listener, SSEKitError } from 'sse-kit';
import { createHookStore, type HookStore } from '../hooks-core/hook-store.js';
import { connectionKey } from '../hooks-core/key.js';
import type { EventStreamOptions, HookState, LatestEvents, OnEvent } from '../hooks-core/types.js';

/** What {@link useEventStream} returns: read-only refs of the current snapshot, plus `close` and `on`. */
export interface EventStreamRefs<E extends EventMap, D = LatestEvents<E>> {
  readonly state: Readonly<Ref<HookState>>;
  /** The last value per event type, or the reducer's value. Replaced (never mutated) on change. */
  readonly data: Readonly<Ref<D>>;
  readonly lastEventId: Readonly<Ref<string>>;
  readonly error: Readonly<Ref<SSEKitError | undefined>>;
  /** Closes the shared stream for every component using it; state `closed` until they all unmount. */
  close(): void;
  /** Listens to one event type for as long as the scope lives, across URL changes; returns its unsubscribe. */
  on: OnEvent<E>;
}

let instances = 0;

/**
 * Subscribes to a server-sent event stream shared by every component (or scope) with the same URL
 * and request options. The URL may be a ref or a getter: a new value reconnects once; `null`
 * disconnects. In a component it connects on mount (never on the server); in a bare
 * `effectScope` at once. Everything is released in `onScopeDispose`.
 *
 * ```ts
 * type Events = { tick: { n: number } }
 * const room = ref('lobby')
 * const { state, data } = useEventStream<Events>(() => `/rooms/${room.value}`) // data.value.tick: { n: number } | undefined
 * ```
 */
export function useEventStream<E extends EventMap = EventMap, D = LatestEvents<E>>(
  url: MaybeRefOrGetter<string | URL | null>,
  options: EventStreamOptions<E, D> = {},
): EventStreamRefs<E, D> {
  const privateId = `v${++instances}`;
  const current = () => options;
  let store: HookStore<E, D> = createHookStore<E, D>(null, '', current);
  const idle = store.getSnapshot();
  const state = shallowRef(idle.state);
  const data = shallowRef(idle.data);
  const lastEventId = shallowRef(idle.lastEventId);
  const error = shallowRef(idle.error);
  const show = () => {
    const snapshot = store.getSnapshot();
    state.value = snapshot.state;
    data.value = snapshot.data;
    lastEventId.value = snapshot.lastEventId;
    error.value = snapshot.error;
  };
  // Listeners given to `on` follow the stream across URL changes.
  const listeners = new Set<{ type: string; listener: Listener<never>; off: () => void }>();
  let unsubscribe: (() => void) | undefined;
  const connect = (href: string | null) => {
    unsubscribe?.();
    store = createHookStore<E, D>(href, href === null ? '' : connectionKey(href, options, privateId), current);
    for (const entry of listeners) {
      entry.off();
      entry.off = store.on(entry.type, entry.listener as Listener<E[string], string>);
    }
    unsubscribe = store.subscribe(show);
    show();
  };
  let stopWatch: (() => void) | undefined;
  const start = () => {
    stopWatch = watch(
      () => {
        const value = toValue(url);
        return value === null ? null : String(value);
      },
      connect,
      { immediate: true },
    );
  };
  // onMounted never runs during server rendering: no request leaves the server.
  const instance = getCurrentInstance();
  if (instance && !instance.isMounted) onMounted(start);
  else start();
  // Outside any scope (a plain module), the caller owns the lifetime: close() ends the stream.
  if (getCurrentScope()) {
    onScopeDispose(() => {
      stopWatch?.();
      unsubscribe?.();
      unsubscribe = undefined;
      for (const entry of listeners) entry.off();
      listeners.clear();
    });
  }
  const on: OnEvent<E> = (type, listener) => {
    const entry = { type, listener: listener as unknown as Listener<never>, off: store.on(type, listener) };
    listeners.add(entry);
    return () => {
      entry.off();
      listeners.delete(entry);
    };
  };
  return { state, data, lastEventId, error, close: () => store.close(), on };
}
