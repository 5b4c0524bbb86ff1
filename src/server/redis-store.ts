import { compareIds, isEventId } from './event-id.js';
import type { HistoryRead, Store, StoredEvent } from './types.js';

/**
 * The part of a Redis client the store uses; an `ioredis` instance fits as is. Any client works
 * through a small adapter (node-redis: `call: (...args) => client.sendCommand(args.map(String))`).
 */
export interface RedisClientLike {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /** A second connection with the same options: the store's blocking reader. */
  duplicate(): RedisClientLike;
  disconnect(): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** A connected client you created (the store never closes it); the store duplicates it once for its blocking reads. */
  client: RedisClientLike;
  /** Key of a topic's stream: `prefix + topic`. @defaultValue `'sse:'` */
  prefix?: string;
  /** Entries kept per topic (`XADD MAXLEN ~`, so Redis may keep a few more). @defaultValue 10000 */
  maxHistory?: number;
  /** How long one `XREAD BLOCK` waits before it is issued again, ms. @defaultValue 5000 */
  blockMs?: number;
}

type Entry = [id: string, fields: string[]];

interface Followed {
  cursor: string;
  listeners: Set<(event: StoredEvent) => void>;
}

function toEvent([id, fields]: Entry): StoredEvent {
  let type = 'message';
  let data = '';
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'type') type = fields[i + 1] as string;
    else if (fields[i] === 'data') data = fields[i + 1] as string;
  }
  return { id, type, data };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A store shared by every instance through Redis: each topic is a Redis Stream (history, ids
 * such as `1700000000000-0` that every instance agrees on), trimmed to `maxHistory`. Live events
 * come from one `XREAD BLOCK` loop per instance that follows every topic with a subscriber from
 * its last id, so after a Redis restart or a network cut it catches up from the stream: nothing
 * published in the meantime is skipped (as long as Redis kept it).
 * @example
 * const { createHub, redisStore } = await import('sse-kit/server');
 * const { Redis } = await import('ioredis');
 * const hub = createHub({ store: redisStore({ client: new Redis('redis://127.0.0.1:6379') }) });
 */
export function redisStore(options: RedisStoreOptions): Store {
  const { client } = options;
  const prefix = options.prefix ?? 'sse:';
  const maxHistory = options.maxHistory ?? 10_000;
  const blockMs = options.blockMs ?? 5000;
  const followed = new Map<string, Followed>();
  let reader: RedisClientLike | undefined;
  let readerId: unknown;
  let running: Promise<void> | undefined;
  let closed = false;
  /** The set of followed topics changed since the current XREAD was sent. */
  let stale = false;
  let wake: (() => void) | undefined;

  /**
   * The stream's last issued id, and the oldest id after which nothing was removed: the first
   * kept entry once `MAXLEN` trimmed (Redis >= 7.0 counts `entries-added`), else the newest entry
   * removed by `XDEL` (`0-0` when none).
   */
  async function info(key: string): Promise<{ last: string; intactAfter: string }> {
    const reply = (await client.call('XINFO', 'STREAM', key).catch((error: Error) => {
      if (/no such key/i.test(error.message)) return [];
      throw error;
    })) as unknown[];
    const field = (name: string) => reply[reply.indexOf(name) + 1];
    const last = reply.length ? String(field('last-generated-id')) : '0-0';
    const maxDeleted = reply.length ? String(field('max-deleted-entry-id') ?? '0-0') : '0-0';
    const trimmed = Number(field('entries-added') ?? 0) > Number(field('length') ?? 0);
    const first = field('first-entry') as Entry | null | undefined;
    // Trimming removes from the front, so after a trim only positions at or past the first kept
    // entry are known to be intact. (A client exactly one entry before it gets a needless reset.)
    const intactAfter = trimmed && first && compareIds(first[0], maxDeleted) > 0 ? first[0] : maxDeleted;
    return { last, intactAfter };
  }

  async function loop(): Promise<void> {
    reader ??= client.duplicate();
    reader.on?.('error', () => {
      // Reconnection is the client's job; the loop below retries and catches up.
    });
    while (!closed) {
      if (followed.size === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const topics = [...followed.keys()];
      stale = false;
      try {
        // Sent back to back on the reader's connection: the id lets another connection unblock it.
        const id = reader.call('CLIENT', 'ID');
        const read = reader.call('XREAD', 'COUNT', 1000, 'BLOCK', blockMs, 'STREAMS', ...topics.map((topic) => prefix + topic), ...topics.map((topic) => (followed.get(topic) as Followed).cursor));
        // Handled here so a failed CLIENT ID (thrown just below) leaves no unhandled rejection behind.
        read.catch(() => {});
        readerId = await id;
        const reply = (await read) as [string, Entry[]][] | null;
        readerId = undefined;
        for (const [key, entries] of reply ?? []) {
          const topic = followed.get(key.slice(prefix.length));
          if (!topic) continue;
          for (const entry of entries) {
            if (compareIds(entry[0], topic.cursor) <= 0) continue;
            topic.cursor = entry[0];
            const event = toEvent(entry);
            for (const listener of topic.listeners) listener(event);
          }
        }
      } catch {
        readerId = undefined;
        if (!closed) await sleep(100);
      }
    }
  }

  /** Makes the blocked XREAD return so the next one covers a newly followed topic. */
  async function kick(): Promise<void> {
    for (let tries = 0; stale && tries < 100 && !closed; tries++) {
      if (readerId !== undefined && Number(await client.call('CLIENT', 'UNBLOCK', String(readerId)).catch(() => 0)) === 1) return;
      await sleep(10);
    }
  }

  return {
    async append(topic, type, data) {
      return String(await client.call('XADD', prefix + topic, 'MAXLEN', '~', maxHistory, '*', 'type', type, 'data', data));
    },

    async read(topic, after, limit = Number.POSITIVE_INFINITY): Promise<HistoryRead> {
      const key = prefix + topic;
      if (after === undefined) {
        const count = Math.min(limit, maxHistory);
        const entries = count > 0 ? ((await client.call('XREVRANGE', key, '+', '-', 'COUNT', count)) as Entry[]) : [];
        const { last } = await info(key);
        return { events: entries.reverse().map(toEvent), reset: false, last };
      }
      if (!isEventId(after)) return { events: [], reset: true, last: (await info(key)).last };
      // Read first, then look at what was trimmed: a trim in between can only cause a needless reset, never a silent gap.
      const entries = (await client.call('XRANGE', key, `(${after.includes('-') ? after : `${after}-0`}`, '+')) as Entry[];
      const { last, intactAfter } = await info(key);
      const reset = compareIds(after, intactAfter) < 0 || compareIds(after, last) > 0;
      return { events: reset ? [] : entries.map(toEvent), reset, last };
    },

    async subscribe(topic, listener) {
      let entry = followed.get(topic);
      if (!entry) {
        // Follow from the stream's current end: every later append reaches the listener.
        const { last } = await info(prefix + topic);
        entry = followed.get(topic);
        if (!entry) {
          followed.set(topic, (entry = { cursor: last, listeners: new Set() }));
          stale = true;
          wake?.();
          running ??= loop();
          void kick();
        }
      }
      entry.listeners.add(listener);
      const own = entry;
      return () => {
        own.listeners.delete(listener);
        // The next XREAD leaves it out; entries already on the way are ignored.
        if (own.listeners.size === 0 && followed.get(topic) === own) followed.delete(topic);
      };
    },

    async close() {
      closed = true;
      wake?.();
      reader?.disconnect();
      await running;
    },
  };
}
