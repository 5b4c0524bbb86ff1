/** One event as a store keeps it: the id it assigned, the SSE event name and the data already encoded as JSON. */
export interface StoredEvent {
  /** Store-assigned, increasing within a topic: `"17"` (memory) or `"1700000000000-0"` (Redis stream entry). */
  id: string;
  /** The SSE `event:` name. */
  type: string;
  /** The `data:` line: JSON text, one line. */
  data: string;
}

/** What {@link Store.read} found after an id. */
export interface HistoryRead {
  /** Every kept event with an id greater than the one asked for, oldest first. */
  events: StoredEvent[];
  /**
   * True when events after the id are gone (trimmed from the bounded history, or the id is not
   * one this store could have issued): the client missed something and must reload its state.
   */
  reset: boolean;
  /** The newest id of the topic when read (after `events`), `"0"` for a topic never written. */
  last: string;
}

/**
 * Where a hub keeps history and how it hears about events published anywhere. `memoryStore()`
 * serves one process; `redisStore()` shares history and live events between instances.
 *
 * The contract the hub relies on for gap-free resume: once `subscribe()` has resolved, `listener`
 * receives, in id order, every event of the topic appended after that moment (on any instance);
 * and `read()` called after that sees at least every event appended before it.
 */
export interface Store {
  /** Appends an event to a topic's history and fans it out to every subscriber; resolves with its id. */
  append(topic: string, type: string, data: string): Promise<string>;
  /** Kept events after `after` (exclusive); `after` undefined reads the last `limit` events. */
  read(topic: string, after: string | undefined, limit?: number): Promise<HistoryRead>;
  /** Starts live delivery of a topic; resolves with the unsubscribe function once delivery is armed. */
  subscribe(topic: string, listener: (event: StoredEvent) => void): Promise<() => void>;
  /** Releases what the store holds (timers, connections it created). */
  close(): Promise<void>;
}
