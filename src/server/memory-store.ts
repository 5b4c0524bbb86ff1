import type { HistoryRead, Store, StoredEvent } from './types.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Events kept per topic for resume; older ones are dropped and a client resuming from before
   * them gets a `reset` event.
   * @defaultValue 1000
   */
  maxHistory?: number;
}

interface Topic {
  /** Kept events; may hold up to `maxHistory` more than the window (trimmed in batches). */
  events: StoredEvent[];
  /** Id of the newest event (ids are 1, 2, 3, ... per topic). */
  last: number;
  listeners: Set<(event: StoredEvent) => void>;
}

/**
 * A store for one process: history in memory, bounded per topic; ids are `1`, `2`, `3`, ... per
 * topic. The hub's default. History is lost on restart: a client resuming with an id this store
 * never issued gets a `reset` event.
 * @example
 * const { createHub, memoryStore } = await import('sse-kit/server');
 * const hub = createHub({ store: memoryStore({ maxHistory: 5000 }) });
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  const maxHistory = options.maxHistory ?? 1000;
  if (!Number.isSafeInteger(maxHistory) || maxHistory < 0) {
    throw new RangeError(`memoryStore: maxHistory must be an integer >= 0, got ${maxHistory}`);
  }
  const topics = new Map<string, Topic>();
  const topicOf = (name: string): Topic => {
    let topic = topics.get(name);
    if (!topic) topics.set(name, (topic = { events: [], last: 0, listeners: new Set() }));
    return topic;
  };

  return {
    async append(name, type, data) {
      const topic = topicOf(name);
      const event = { id: String(++topic.last), type, data };
      topic.events.push(event);
      // Trim in batches: shifting one element per append would copy the array every time.
      if (topic.events.length >= 2 * maxHistory) topic.events.splice(0, topic.events.length - maxHistory);
      for (const listener of topic.listeners) listener(event);
      return event.id;
    },

    async read(name, after, limit = Number.POSITIVE_INFINITY): Promise<HistoryRead> {
      const topic = topics.get(name);
      const last = topic?.last ?? 0;
      const kept = Math.min(maxHistory, topic?.events.length ?? 0);
      /** Id of the oldest event inside the window. */
      const first = last - kept + 1;
      const slice = (from: number) => (topic ? topic.events.slice(topic.events.length - (last - from + 1)) : []);
      if (after === undefined) {
        const count = Math.min(kept, limit);
        return { events: count > 0 ? slice(last - count + 1) : [], reset: false, last: String(last) };
      }
      const n = /^\d{1,16}$/.test(after) ? Number(after) : Number.NaN;
      // Not an id of ours, one from the future (the process restarted), or one whose successors were trimmed.
      if (!(n <= last) || n < first - 1) return { events: [], reset: true, last: String(last) };
      return { events: slice(n + 1), reset: false, last: String(last) };
    },

    async subscribe(name, listener) {
      const topic = topicOf(name);
      topic.listeners.add(listener);
      return () => {
        topic.listeners.delete(listener);
      };
    },

    async close() {
      for (const topic of topics.values()) topic.listeners.clear();
    },
  };
}
