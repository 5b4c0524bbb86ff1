// The mock server: one handler scripts every connection; fetch, msw and node:http all serve it.
import { type EventMap, EventSource, type EventSourceInit } from 'sse-kit';
import { type Connection, createConnection, type RequestInfo } from './connection.js';
import { createFetch, type MockFetch, requestInfo, respondWith, type Serve } from './fetch-adapter.js';
import { type ListenOptions, type Listening, listenHttp } from './node-server.js';
import { play } from './run.js';
import { createScript, type Encode, type Script } from './script.js';

/**
 * Scripts one connection. `connection.attempt` is 1, 2, …; the request is in `connection`. It may be
 * async (the response waits for its first step); what it returns is ignored, so `s => s.end()` fits.
 */
export type Handler<E extends EventMap = EventMap> = (s: Script<E>, connection: Connection<E>) => unknown;

/** Options of {@link mockServer}. */
export interface MockServerOptions {
  /** How `event()` writes data: `'json'` (sse-kit's default decode), `'text'` (strings as-is) or a function. @defaultValue 'json' */
  encode?: Encode;
}

/** An msw resolver: `http.get('/events', server.resolver)`. Typed structurally, so msw is never imported. */
export type Resolver = (info: { request: Request }) => Promise<Response>;

/** HTTP methods msw's `http` namespace has. */
export type Method = 'all' | 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';

/** msw's `http` namespace, structurally (`import { http } from 'msw'`). */
export type HttpNamespace<H> = Record<Method, (path: string | RegExp, resolver: Resolver) => H>;

/** A scripted SSE server: connect to it through `fetch`, msw, `EventSource` or a real port. */
export interface MockServer<E extends EventMap = EventMap> {
  /** A `fetch` answered by the script: pass it as sse-kit's `fetch` option, or stub the global. */
  fetch: MockFetch;
  /** An `EventSource` class (sse-kit's, spec-exact) connected through this server's `fetch`. */
  readonly EventSource: typeof EventSource;
  /** An msw resolver: `http.all('/events', server.resolver)`. */
  resolver: Resolver;
  /** An msw handler: `server.handler(http, 'post', '/chat')`, with msw's `http` passed in. */
  handler<H>(http: HttpNamespace<H>, method: Method, path: string | RegExp): H;
  /** Answers any `Request` (a service worker, a custom router…). */
  respond(request: Request, signal?: AbortSignal): Promise<Response>;
  /** Serves on a real port (Node only): `const { url, close } = await server.listen()`. */
  listen(options?: ListenOptions): Promise<Listening>;
  /** Every connection so far, in order. */
  readonly connections: readonly Connection<E>[];
  /** The n-th connection (1-based), once it has arrived. */
  connection(n: number): Promise<Connection<E>>;
  /** Drops every open connection and stops every `listen()` server. */
  close(): Promise<void>;
}

/**
 * A scripted SSE server for tests. The handler runs for each connection and writes its script;
 * with no handler, every connection answers 200 and stays open for the test to push into
 * (`(await server.connection(1)).script.event(…)`).
 * For instance, a server that drops the first connection and resumes the next from its id:
 * `mockServer<Events>((s, { attempt, lastEventId }) => attempt === 1 ? s.event('tick', { n: 1 }, { id: 1 }).drop()
 * : s.event('tick', { n: Number(lastEventId) + 1 }, { id: 2 }))`, then
 * `createEventStream<Events>(url, { fetch: server.fetch })`. Recipes: docs/testing.md.
 */
export function mockServer<E extends EventMap = EventMap>(handler?: Handler<E>, options: MockServerOptions = {}): MockServer<E> {
  const connections: Connection<E>[] = [];
  const waiters: { n: number; resolve: (c: Connection<E>) => void }[] = [];
  const kills = new Set<() => void>();
  const servers = new Set<Listening>();

  const serve: Serve = (info: RequestInfo, output, stopped) => {
    const { script, queue } = createScript<E>(options.encode);
    const { connection, settle } = createConnection<E>(info, connections.length + 1, script);
    connections.push(connection);
    for (const w of waiters.filter((w) => w.n <= connections.length)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(connections[w.n - 1]!);
    }
    const fail = (error: unknown) => {
      connection.error = error;
      try {
        if (queue.empty) script.status(500).raw(`sse-kit/testing: the handler threw: ${String(error)}`).end();
        else script.drop();
      } catch {
        // The script had already finished: the response stands.
      }
    };
    try {
      Promise.resolve(handler?.(script, connection)).then(() => queue.empty && script.status(200), fail);
    } catch (error) {
      fail(error);
    }
    let kill!: () => void;
    const killed = new Promise<void>((r) => (kill = r));
    const stop = () => {
      settle('drop');
      output.drop();
      kill();
    };
    kills.add(stop);
    play(queue, output, Promise.race([stopped, killed])).then(settle, (error: unknown) => {
      // A step the response cannot take (an invalid status): the connection fails, the test sees why.
      connection.error = error;
      output.drop();
      settle('drop');
    });
    connection.ended.then(() => kills.delete(stop));
  };

  const fetch = createFetch(serve);
  let EventSourceClass: typeof EventSource | undefined;
  // The client aborted before the head: it reads nothing, but a rejection would make msw log an
  // "unhandled exception" for the request.
  const respond = async (request: Request, signal = request.signal) =>
    respondWith(serve, await requestInfo(request), signal).catch(() => Response.error());
  const resolver: Resolver = ({ request }) => respond(request);
  return {
    fetch,
    get EventSource() {
      return (EventSourceClass ??= class extends EventSource {
        constructor(url: string | URL, init: EventSourceInit = {}) {
          super(url, { fetch, ...init });
        }
      });
    },
    resolver,
    handler: (http, method, path) => http[method](path, resolver),
    respond,
    async listen(listenOptions) {
      const listening = await listenHttp(serve, listenOptions);
      servers.add(listening);
      return listening;
    },
    connections,
    connection: (n) =>
      connections[n - 1] ? Promise.resolve(connections[n - 1]!) : new Promise((resolve) => waiters.push({ n, resolve })),
    async close() {
      for (const stop of [...kills]) stop();
      await Promise.all([...servers].map((s) => s.close()));
      servers.clear();
    },
  };
}
