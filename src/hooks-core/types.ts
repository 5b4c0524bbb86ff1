import type { EventMap, Listener, SSEKitError, StreamEvent, StreamOptions, StreamState } from 'sse-kit';

/** The `transport` option's values. */
export type TransportOption = NonNullable<StreamOptions['transport']>;

/** A hook's connection state: `idle` when not connected (a `null` URL, or server rendering). */
export type HookState = 'idle' | StreamState;

/** The last decoded value of each event type seen so far (the hooks' default `data`). */
export type LatestEvents<E extends EventMap> = { readonly [K in keyof E]?: E[K] };

/** Folds each event into an accumulated value; must not mutate `acc` (return a new value). */
export type Reducer<E extends EventMap, D> = (acc: D, event: StreamEvent<E>) => D;

/** Adds a listener for one event type on the shared connection; returns its unsubscribe. */
export type OnEvent<E extends EventMap> = <K extends keyof E & string>(type: K, listener: Listener<E[K], K>) => () => void;

/** What a hook shows at one moment. Immutable: a new object only when one of the fields changed. */
export interface EventStreamSnapshot<D> {
  readonly state: HookState;
  /** The last value per event type, or the reducer's value. */
  readonly data: D;
  readonly lastEventId: string;
  /** The last error reported (retryable ones included); cleared when the stream opens again. */
  readonly error: SSEKitError | undefined;
}

/** Hook options shared by `sse-kit/react` and `sse-kit/vue`: the stream options plus sharing and rendering. */
export interface SharedStreamOptions<E extends EventMap = EventMap> extends Omit<StreamOptions<E>, 'signal'> {
  /**
   * Extra sharing key. Needed to share one connection when `headers`, `body` or `decode` is a
   * function (the hook cannot compare functions; without `key` each component gets its own).
   */
  key?: string;
  /** How long the connection stays open after its last user left, in ms (StrictMode remounts, route changes). @defaultValue 1000 */
  keepAlive?: number;
  /** At most one re-render per this many ms; events in between are batched. @defaultValue 0 (one per task) */
  throttle?: number;
  /**
   * `fetch` by default in the hooks (not `auto`): the browser's EventSource delivers only `message`
   * and the types named in `types`, and `data` is meant to hold every type. @defaultValue 'fetch'
   */
  transport?: TransportOption;
  /** Event types to subscribe to by name: what the native transport needs (`transport: 'auto'` or `'native'`). */
  types?: readonly (keyof E & string)[];
}

/** Options of `useEventStream`: without a reducer `data` is the last value per type; with one, the reduced value. */
export type EventStreamOptions<E extends EventMap, D> = SharedStreamOptions<E> &
  (
    | { reducer?: undefined; initial?: undefined }
    | {
        /** Folds every event into `data` (from `initial`), while the component is mounted. */
        reducer: Reducer<E, D>;
        initial: D;
      }
  );
