import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventMap } from 'sse-kit';
import { Connection, type Sink } from './connection.js';
import { isEventId, parseCursor } from './event-id.js';
import { formatEvent, formatRetry, HEARTBEAT, SSE_HEADERS } from './format.js';
import { memoryStore } from './memory-store.js';
import { lastEventIdOf, nodeLastEventId, nodeSink, streamSink } from './sinks.js';
import type { Store, StoredEvent } from './types.js';

/** Options of {@link createHub}. */
export interface HubOptions {
  /** History and fan-out. @defaultValue `memoryStore()` (one process, 1000 events per topic) */
  store?: Store;
  /** `retry:` sent at the start of every stream: the client's first reconnect delay, ms. @defaultValue 2000 */
  retry?: number;
  /** Period of the `: ping` comment on every stream, ms; 0 = none. @defaultValue 15000 */
  heartbeatInterval?: number;
  /**
   * Bytes a client may leave unread: past this for 250 ms (or past 8 times this at once) it is
   * disconnected. It resumes from history, so it loses nothing as long as it comes back within
   * the kept history.
   * @defaultValue 262144 (256 KiB)
   */
  maxBufferedBytes?: number;
  /** `retry:` written to every stream by `close()`, so clients reconnect soon (to another instance). @defaultValue 500 */
  shutdownRetry?: number;
}

/** Options of {@link Hub.serve} and {@link Hub.response}. */
export interface ServeOptions {
  /** Topics this stream follows, at least one. */
  topics: readonly string[];
  /**
   * Kept events sent to a client that comes without a last event id: 0 = only new events,
   * `Infinity` = the whole kept history.
   * @defaultValue 0
   */
  backlog?: number;
  /** Resume position instead of the `Last-Event-ID` header / `lastEventId` query parameter. */
  lastEventId?: string;
  /** Extra response headers (they override the SSE ones). */
  headers?: Record<string, string>;
}

/** Counters of a hub, for metrics and tests. */
export interface HubStats {
  /** Open streams. */
  connections: number;
  /** Streams cut because their client did not read (see `maxBufferedBytes`). */
  evicted: number;
}

/** A typed SSE fan-out: publish on any instance, serve streams that resume from history. */
export interface Hub<Events extends EventMap> {
  /** Appends an event to `topic` and sends it to every stream of the topic (on every instance); resolves with its id. */
  publish<K extends keyof Events & string>(topic: string, type: K, data: Events[K]): Promise<string>;
  /** Serves a stream on a `node:http` / Express response; resolves when the stream ends. */
  serve(req: IncomingMessage, res: ServerResponse, options: ServeOptions): Promise<void>;
  /** The same for fetch-style servers (Deno, Bun, Hono, ...): a `Response` with the stream as body. */
  response(request: Request, options: ServeOptions): Response;
  /** Open streams and evictions so far. */
  readonly stats: HubStats;
  /** Ends every stream with a short `retry:` (clients come back, to another instance), stops the heartbeat, closes the store. */
  close(): Promise<void>;
}

interface TopicGroup {
  connections: Set<Connection>;
  /** Resolves once the store delivers the topic's live events. */
  armed: Promise<void>;
  unsubscribe?: () => void;
}

/**
 * Creates a hub. Every event gets an id from the store; a client that reconnects with
 * `Last-Event-ID` (to this instance or another one sharing the store) gets what it missed, then
 * live events, each once and in order. A client whose id is older than the kept history gets a
 * `reset` event (`data: {"topic": ...}`) and live events from then on: reload your state on it.
 * @example
 * const { createHub } = await import('sse-kit/server');
 * const { createServer } = await import('node:http');
 * const hub = createHub<{ message: { text: string } }>();
 * createServer((req, res) => hub.serve(req, res, { topics: ['chat'] })).listen(3000);
 * await hub.publish('chat', 'message', { text: 'hi' });
 */
export function createHub<Events extends EventMap = EventMap>(options: HubOptions = {}): Hub<Events> {
  const store = options.store ?? memoryStore();
  const retry = options.retry ?? 2000;
  const maxBuffered = options.maxBufferedBytes ?? 256 * 1024;
  const shutdownRetry = options.shutdownRetry ?? 500;
  const heartbeatInterval = options.heartbeatInterval ?? 15_000;
  const groups = new Map<string, TopicGroup>();
  const open = new Set<Connection>();
  const stats: HubStats = { connections: 0, evicted: 0 };
  let closed = false;

  const heartbeat =
    heartbeatInterval > 0
      ? setInterval(() => {
          for (const connection of open) connection.write(HEARTBEAT);
        }, heartbeatInterval)
      : undefined;
  // Idle heartbeats must not keep a process alive that has nothing else to do.
  heartbeat?.unref?.();

  function fanOut(group: TopicGroup, topic: string, event: StoredEvent): void {
    // Formatted once for all single-topic streams, however many there are.
    const block = formatEvent(event.id, event.type, event.data);
    for (const connection of group.connections) connection.live(topic, event, block);
  }

  function join(topic: string, connection: Connection): Promise<void> {
    let group = groups.get(topic);
    if (!group) {
      const created: TopicGroup = { connections: new Set(), armed: Promise.resolve() };
      created.armed = store.subscribe(topic, (event) => fanOut(created, topic, event)).then((unsubscribe) => {
        // Everybody left while the subscription was being set up.
        if (groups.get(topic) !== created) unsubscribe();
        else created.unsubscribe = unsubscribe;
      });
      groups.set(topic, (group = created));
    }
    group.connections.add(connection);
    return group.armed;
  }

  function leave(connection: Connection): void {
    open.delete(connection);
    stats.connections = open.size;
    for (const topic of connection.topics) {
      const group = groups.get(topic);
      if (!group?.connections.delete(connection) || group.connections.size > 0) continue;
      groups.delete(topic);
      group.unsubscribe?.();
    }
  }

  /** Subscribe first, then replay: anything published in between is caught by both and written once. */
  async function start(connection: Connection, backlog: number, asked: Map<string, string>): Promise<void> {
    await Promise.all(connection.topics.map((topic) => join(topic, connection)));
    // The first write sends the headers too: a client that sees the stream open is already subscribed.
    connection.write(formatRetry(retry));
    for (const topic of connection.topics) {
      if (connection.closed) return;
      const after = asked.get(topic);
      // A new client that wants no backlog gets what the subscription delivers from now on.
      if (after === undefined && backlog === 0) continue;
      const history = await store.read(topic, after, backlog);
      if (history.reset) {
        connection.cursors.set(topic, history.last);
        connection.write(formatEvent(connection.position(), 'reset', JSON.stringify({ topic })));
        continue;
      }
      await connection.replay(topic, history.events);
    }
    connection.goLive();
  }

  function openStream(sinkOf: (onGone: () => void) => Sink, lastEventId: string | undefined, serve: ServeOptions): Promise<void> {
    const topics = [...serve.topics];
    if (topics.length === 0) throw new TypeError('hub.serve: options.topics must name at least one topic');
    const asked = parseCursor(topics, serve.lastEventId ?? lastEventId);
    // Malformed positions count as "older than the history": the client gets a reset, not silence.
    for (const [topic, id] of asked) if (!isEventId(id)) asked.set(topic, '-');
    return new Promise<void>((resolve) => {
      let connection: Connection | undefined;
      const sink = sinkOf(() => connection?.gone());
      // Every asked position up front: the ids written during the replay of one topic carry the others.
      connection = new Connection(sink, topics, new Map(asked), maxBuffered, (evicted) => {
        if (evicted) stats.evicted++;
        leave(connection as Connection);
        resolve();
      });
      open.add(connection);
      stats.connections = open.size;
      // A store failure (Redis unreachable) cuts the stream: the client retries with its id.
      start(connection, serve.backlog ?? 0, asked).catch(() => connection.close(true));
    });
  }

  return {
    publish(topic, type, data) {
      if (closed) return Promise.reject(new Error('hub.publish: the hub is closed'));
      return store.append(topic, type, JSON.stringify(data));
    },

    serve(req, res, serve) {
      if (closed) {
        res.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'text/plain' }).end('shutting down');
        return Promise.resolve();
      }
      return openStream((onGone) => nodeSink(res, serve.headers, onGone), nodeLastEventId(req), serve);
    },

    response(request, serve) {
      if (closed) return new Response('shutting down', { status: 503, headers: { 'Retry-After': '1' } });
      let body!: ReadableStream<Uint8Array>;
      void openStream(
        (onGone) => {
          const made = streamSink(onGone);
          body = made.body;
          request.signal?.addEventListener('abort', onGone, { once: true });
          return made.sink;
        },
        lastEventIdOf(request.headers.get('last-event-id'), request.url),
        serve,
      );
      return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...serve.headers } });
    },

    get stats() {
      return { ...stats };
    },

    async close() {
      if (closed) return;
      closed = true;
      if (heartbeat) clearInterval(heartbeat);
      for (const connection of [...open]) connection.close(false, formatRetry(shutdownRetry));
      for (const group of groups.values()) group.unsubscribe?.();
      groups.clear();
      await store.close();
    },
  };
}
