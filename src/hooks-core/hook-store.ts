import { type EventMap, HandlerError, type SSEKitError, type StreamEvent } from 'sse-kit';
import { connectionFor, type Member, peekConnection, type SharedConnection } from './shared-connection.js';
import type { EventStreamOptions, EventStreamSnapshot, OnEvent } from './types.js';

/**
 * The store behind one hook instance (React's `useSyncExternalStore` contract; Vue copies its
 * snapshots into refs). Creating one has no effect; the first `subscribe` attaches it to the shared
 * connection of its key (opening it if needed), the last unsubscribe detaches it.
 */
export interface HookStore<E extends EventMap, D> {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): EventStreamSnapshot<D>;
  /** Constant `idle` snapshot: what the server renders and what hydration starts from. */
  getServerSnapshot(): EventStreamSnapshot<D>;
  /** Closes the shared stream for every component using it (state `closed`). */
  close(): void;
  on: OnEvent<E>;
}

const EMPTY = Object.freeze({});
const noop = () => {};

/**
 * Creates the store of one hook instance for `url` (`null`: never connects) under the sharing
 * `key`. `options` returns the hook's current options, so callbacks and the reducer are always
 * the latest ones and never a reason to reconnect.
 */
export function createHookStore<E extends EventMap, D>(
  url: string | URL | null,
  key: string,
  options: () => EventStreamOptions<E, D>,
): HookStore<E, D> {
  const { reducer, initial } = options();
  const reducing = reducer !== undefined;
  let acc = initial as D;
  let failure: SSEKitError | undefined;
  const idle: EventStreamSnapshot<D> = Object.freeze({
    state: 'idle',
    data: (reducing ? acc : EMPTY) as D,
    lastEventId: '',
    error: undefined,
  });
  const listeners = new Set<() => void>();
  let connection: SharedConnection | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastFlush = -Infinity;

  // Before it attaches, the store shows what it will show once attached: the shared connection's
  // current values if another component holds it open, `connecting` otherwise.
  const build = (c: SharedConnection | undefined): EventStreamSnapshot<D> => {
    const active = c?.active === true;
    return {
      state: active ? c.state : 'connecting',
      data: (reducing ? acc : active ? c.data() : EMPTY) as D,
      lastEventId: active ? c.lastEventId : '',
      error: failure ?? (active ? c.error : undefined),
    };
  };
  let snapshot = url === null ? idle : Object.freeze(build(peekConnection(key)));

  const flush = () => {
    timer = undefined;
    lastFlush = Date.now();
    const next = build(connection);
    const changed = (Object.keys(next) as (keyof EventStreamSnapshot<D>)[]).some((field) => next[field] !== snapshot[field]);
    if (!changed) return;
    snapshot = Object.freeze(next);
    for (const listener of listeners) listener();
  };
  // One notification per task at most (per `throttle` ms with it): a chunk of 100 events is one render.
  const schedule = () => {
    if (timer !== undefined || !connection) return;
    timer = setTimeout(flush, Math.max(0, lastFlush + (options().throttle ?? 0) - Date.now()));
  };
  const member: Member = {
    options,
    changed: schedule,
    event(event: StreamEvent) {
      const reduce = options().reducer;
      if (reduce) {
        try {
          acc = reduce(acc, event as StreamEvent<E>);
          failure = undefined;
        } catch (cause) {
          failure = new HandlerError(String(url), cause, { type: event.type, id: event.id, data: '' });
          options().onError?.(failure);
        }
      }
      schedule();
    },
  };

  return {
    subscribe(onChange) {
      listeners.add(onChange);
      if (url !== null && !connection) {
        connection = connectionFor(key);
        connection.attach(url, member);
        schedule();
      }
      return () => {
        listeners.delete(onChange);
        if (listeners.size || !connection) return;
        clearTimeout(timer);
        timer = undefined;
        connection.detach(member);
        connection = undefined;
      };
    },
    getSnapshot: () => snapshot,
    getServerSnapshot: () => idle,
    close: () => (url === null ? undefined : peekConnection(key)?.close()),
    on: (type, listener) => (url === null ? noop : connectionFor(key).listen(type, listener as never)),
  };
}
