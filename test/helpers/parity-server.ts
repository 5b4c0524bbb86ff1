// A node:http SSE server for the browser parity tests (test/browser/native-parity.test.ts,
// page-lifecycle.test.ts). It resumes from the Last-Event-ID HEADER only (a `lastEventId` query
// parameter is ignored, as by most servers written for EventSource), records every request as it
// arrived on the wire, and serves the test page and the bundle itself so the page is same-origin.
// SSE_KIT_BUNDLE=<path> swaps the bundle (bench/parity.mjs measures an older build with it).
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startServer, sseHead, type TestServer } from './http-server.js';
import { testPageHtml } from './page-origin.js';

export const BUNDLE = process.env.SSE_KIT_BUNDLE ?? fileURLToPath(new URL('../../dist/sse-kit.min.js', import.meta.url));

/** One request as the server saw it. */
export interface WireRequest {
  /** Date.now() when it arrived. */
  t: number;
  path: string;
  /** The `client` query parameter: which client in the page made it. */
  client: string;
  /** The Last-Event-ID header, its bytes read as UTF-8 (what browsers send); undefined when absent. */
  lastEventId: string | undefined;
  /** The `lastEventId` query parameter (sse-kit's fallback), which this server ignores. */
  idParam: string | undefined;
}

/** A handler for one path: `nth` counts this client's requests to this path from 0. */
export type Route = (req: IncomingMessage, res: ServerResponse, nth: number, wire: WireRequest) => void;

export interface ParityServer {
  url: string;
  server: TestServer;
  wire: WireRequest[];
  /** Drops made by feeds, in order: when, and whose connection. */
  drops: { t: number; client: string; path: string }[];
  /** This client's requests to `path`, in order. */
  requests(path: string, client: string): WireRequest[];
  close(): Promise<void>;
}

/** What the server records about drops; feeds call it when they cut a connection. */
export type DropLog = (wire: WireRequest) => void;

/**
 * Starts the server: `/page` is a blank page that loads the bundle, `/sse-kit.min.js` the bundle,
 * other paths go to `routes(drop)[path]` (404 when absent). `cors`: pages of any origin may use them.
 */
export async function startParityServer(
  routes: (drop: DropLog) => Record<string, Route>,
  options: { cors?: boolean } = {},
): Promise<ParityServer> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\``);
  const wire: WireRequest[] = [];
  const drops: ParityServer['drops'] = [];
  const table = routes((w) => drops.push({ t: Date.now(), client: w.client, path: w.path }));
  const server = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/page') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(testPageHtml('/sse-kit.min.js'));
    }
    if (url.pathname === '/sse-kit.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(readFileSync(BUNDLE));
    }
    // cors: any origin may read the streams and send Last-Event-ID (the preflight is not recorded).
    if (options.cors) {
      res.setHeader('access-control-allow-origin', '*');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-headers': '*', 'access-control-allow-methods': 'GET' });
        return void res.end();
      }
    }
    const route = table[url.pathname];
    if (!route) return void res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
    const header = req.headers['last-event-id'];
    const entry: WireRequest = {
      t: Date.now(),
      path: url.pathname,
      client: url.searchParams.get('client') ?? '',
      // Node reads header bytes as Latin-1: turn them back into the UTF-8 text the page sent.
      lastEventId: typeof header === 'string' ? Buffer.from(header, 'latin1').toString('utf8') : undefined,
      idParam: url.searchParams.get('lastEventId') ?? undefined,
    };
    const nth = wire.filter((w) => w.path === entry.path && w.client === entry.client).length;
    wire.push(entry);
    route(req, res, nth, entry);
  });
  return {
    url: server.url,
    server,
    wire,
    drops,
    requests: (path, client) => wire.filter((w) => w.path === path && w.client === client),
    close: () => server.close(),
  };
}

/** How a feed connection ends after its batch. */
export type Cut =
  /** Destroy the socket. */
  | 'drop'
  /** Write an id-only block (`id: <idOnly>` and a blank line, no data), then destroy. */
  | 'id-only'
  /** Write half an event (its id and part of its data, no blank line), then destroy. */
  | 'half';

export interface FeedPlan {
  /** Events per connection before the cut. */
  batch: number;
  /** How many connections end with the cut; later ones stream on. @defaultValue 1 */
  cuts?: number;
  /** After the cuts, this many requests are reset at once, with no answer (a server restarting). @defaultValue 0 */
  resets?: number;
  /** For this many ms after a client's first cut, every request of that client is reset (an outage). @defaultValue 0 */
  downFor?: number;
  cut?: Cut;
  /** The id an `id-only` cut writes (a number: the next connection resumes after it). */
  idOnly?: number;
  /** Text before each event number in its id (`é€` gives ids `é€1`, `é€2`...). @defaultValue '' */
  prefix?: string;
  /** `retry:` written at the start of every connection. */
  retry?: number;
  /** Milliseconds between events. @defaultValue 20 */
  interval?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A route that streams events `n = 1, 2, ...` (type `message`, data `{"n":n}`, id `prefix + n`)
 * from the one after the Last-Event-ID header, and cuts the first `cuts` connections after `batch`
 * events. Before a cut it waits 100 ms so the page has every byte of the batch (a chunked body cut
 * right after a write sometimes loses its last chunk in Chromium).
 */
export function feed(plan: FeedPlan, drop: DropLog): Route {
  const { batch, cuts = 1, resets = 0, downFor = 0, cut = 'drop', prefix = '', retry, interval = 20 } = plan;
  const id = (n: number) => `${prefix}${n}`;
  /** Per client: when its outage ends. */
  const upAt = new Map<string, number>();
  return (_req, res, nth, wire) => {
    if ((nth >= cuts && nth < cuts + resets) || Date.now() < (upAt.get(wire.client) ?? 0)) return void res.socket?.resetAndDestroy();
    const from = wire.lastEventId?.startsWith(prefix) ? Number(wire.lastEventId.slice(prefix.length)) + 1 : 1;
    sseHead(res);
    if (retry !== undefined) res.write(`retry: ${retry}\n\n`);
    void (async () => {
      for (let n = from; ; n++) {
        if (res.destroyed || res.writableEnded) return;
        if (nth < cuts && n === from + batch) {
          if (cut === 'id-only') res.write(`id: ${id(plan.idOnly ?? n)}\n\n`);
          if (cut === 'half') res.write(`id: ${id(n)}\ndata: {"n":`);
          await sleep(100);
          if (downFor && !upAt.has(wire.client)) upAt.set(wire.client, Date.now() + downFor);
          drop(wire);
          return void res.socket?.destroy();
        }
        res.write(`id: ${id(n)}\ndata: {"n":${n}}\n\n`);
        await sleep(interval);
      }
    })();
  };
}

/** A route that answers `status` with `headers` and `body` for the first `times` requests, then `next`. */
export function answer(status: number, headers: Record<string, string>, body: string, times = Infinity, next?: Route): Route {
  return (req, res, nth, wire) => {
    if (nth >= times && next) return next(req, res, nth - times, wire);
    res.writeHead(status, headers).end(body);
  };
}

/** A live feed: one event every `interval` ms for every connection, resumed from the header. */
export interface LiveFeed {
  route: Route;
  /** The number of the last event published. */
  head(): number;
  stop(): void;
}

/**
 * Publishes event `n` (id `n`, data `{"n":n}`) every `interval` ms to every open connection. A
 * connection with a Last-Event-ID header first gets every event after it; one without starts live.
 */
export function liveFeed(interval = 50): LiveFeed {
  let n = 0;
  const open = new Set<ServerResponse>();
  const write = (res: ServerResponse, k: number) => res.write(`id: ${k}\ndata: {"n":${k}}\n\n`);
  const timer = setInterval(() => {
    n++;
    for (const res of open) write(res, n);
  }, interval);
  return {
    route: (_req, res, _nth, wire) => {
      sseHead(res);
      res.write('retry: 250\n\n');
      const from = wire.lastEventId === undefined ? n + 1 : Number(wire.lastEventId) + 1;
      for (let k = from; k <= n; k++) write(res, k);
      open.add(res);
      res.on('close', () => open.delete(res));
    },
    head: () => n,
    stop: () => clearInterval(timer),
  };
}
