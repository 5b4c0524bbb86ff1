// A scripted SSE server behind an injected `fetch`, for the hooks tests: every request becomes a
// FakeConnection the test writes events to, and the counts of opened and still-open connections
// are what the tests assert. (Swap for `sse-kit/testing` once it lands.)
import type { FetchLike } from 'sse-kit';
import { sse } from '../helpers/streams.js';

/** One request the hook made: its URL and init, a way to send events, and whether it is still open. */
export interface FakeConnection {
  url: string;
  init: RequestInit;
  /** True once the client aborted the request or cancelled the body. */
  readonly closed: boolean;
  /** Sends one event (`data` JSON-encoded unless a string). */
  send(data: unknown, fields?: { id?: string | number; event?: string }): void;
  /** Sends raw SSE text as one chunk. */
  write(text: string): void;
  /** Drops the connection (a network error on the client). */
  drop(): void;
}

export interface FakeServer {
  fetch: FetchLike;
  /** Every connection made, in order. */
  connections: FakeConnection[];
  /** Connections not yet closed by the client. */
  open(): FakeConnection[];
  /** The connection number `count` (1-based; default: the one after the last returned), once made. */
  nextConnection(count?: number): Promise<FakeConnection>;
}

/** A fake SSE server; every request answers 200 `text/event-stream` and stays open. */
export function fakeServer(): FakeServer {
  const connections: FakeConnection[] = [];
  const waiters: (() => void)[] = [];
  let returned = 0;
  const encoder = new TextEncoder();
  const fetch: FetchLike = async (url, init) => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let closed = false;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => void (controller = c),
      cancel: () => void (closed = true),
    });
    init.signal?.addEventListener('abort', () => (closed = true));
    const write = (text: string) => {
      if (!closed) controller.enqueue(encoder.encode(text));
    };
    const connection: FakeConnection = {
      url,
      init,
      get closed() {
        return closed || init.signal?.aborted === true;
      },
      write,
      send: (data, fields) => write(sse(data, fields)),
      drop: () => {
        closed = true;
        controller.error(new TypeError('network error'));
      },
    };
    connections.push(connection);
    for (const wake of waiters.splice(0)) wake();
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
  return {
    fetch,
    connections,
    open: () => connections.filter((c) => !c.closed),
    async nextConnection(count = returned + 1) {
      while (connections.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      returned = count;
      return connections[count - 1]!;
    },
  };
}

/** Resolves after `ms` real milliseconds. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Unique URL per test: the registry of shared connections is global to the module. */
let n = 0;
export const uniqueUrl = (path = '/events') => `http://127.0.0.1:1${path}?test=${++n}`;
