// The same scripts over a real socket, for Playwright pages, native EventSource and wire tests.
// node:http is imported when listen() runs, so the kit still loads in browsers and jsdom bundles.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Serve } from './fetch-adapter.js';

// Taken when the kit loads: fake timers installed later must not hold a drop back forever.
const realSetTimeout = globalThis.setTimeout;
const DROP_GRACE = 20;

/** Options of `listen()`. */
export interface ListenOptions {
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /**
   * Allow any page origin: answers preflights (not recorded as connections) and adds
   * `access-control-allow-origin` and `-credentials` to responses for requests with an `Origin`.
   * @defaultValue true
   */
  cors?: boolean;
}

/** A running node:http mock server. */
export interface Listening {
  /** Base URL, e.g. `http://127.0.0.1:43123`; append any path. */
  url: string;
  /** Destroys open connections (a drop, for clients) and stops listening. */
  close(): Promise<void>;
}

/** Serves scripted connections on a real port. */
export async function listenHttp(serve: Serve, options: ListenOptions = {}): Promise<Listening> {
  const { createServer } = await import('node:http');
  const { port = 0, host = '127.0.0.1', cors = true } = options;
  const sockets = new Set<Socket>();
  let base = '';
  const server = createServer((req, res) => {
    const allow = cors && req.headers.origin ? corsHeaders(req) : {};
    if (allow['access-control-allow-origin'] && req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.writeHead(204, allow).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let stop!: () => void;
      const stopped = new Promise<void>((r) => (stop = r));
      // 'close' also fires after a normal end; the runner has returned by then and ignores it.
      res.on('close', () => stop());
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const info = { method: req.method ?? 'GET', url: `${base}${req.url ?? '/'}`, headers, body: Buffer.concat(chunks).toString() };
      serve(info, output(req, res, allow), stopped);
    });
  });
  server.on('connection', (socket) => {
    // Each write is a chunk the client should see at once, not after Nagle's delay.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  base = `http://${host.includes(':') ? `[${host}]` : host}:${typeof address === 'object' && address ? address.port : port}`;
  return {
    url: base,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function output(req: IncomingMessage, res: ServerResponse, allow: Record<string, string>) {
  return {
    head(status: number, headers: Record<string, string>) {
      res.writeHead(status, { ...allow, ...headers });
      res.flushHeaders();
    },
    write: (bytes: Uint8Array) => void res.write(bytes),
    // Closing the socket mid-response leaves a chunked body without its last chunk: a network error
    // for fetch ("terminated") and browsers; before the head, the request fails with no response.
    // Clients discard bytes they received but had not read yet when the socket closes (measured
    // with undici and Chromium), so the close waits a moment: the script's bytes are all seen.
    drop: () => (res.headersSent ? void realSetTimeout(() => req.socket.destroy(), DROP_GRACE) : req.socket.destroy()),
    end: () => void res.end(),
  };
}

function corsHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {
    'access-control-allow-origin': req.headers.origin ?? '*',
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  };
  const asked = req.headers['access-control-request-headers'];
  if (asked) out['access-control-allow-headers'] = asked;
  return out;
}
