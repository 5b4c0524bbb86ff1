import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach } from 'vitest';
import {
  type CloseInfo,
  createEventStream,
  type EventMap,
  type EventStream,
  type IdStorage,
  type RetryInfo,
  type SSEKitError,
  type StreamOptions,
} from '../../src/index.js';
import { startServer, type TestServer } from './http-server.js';

/** Everything a stream reported through its callbacks, kept whole (errors with their causes). */
export interface StreamLog {
  errors: SSEKitError[];
  retries: RetryInfo[];
  closes: CloseInfo[];
  opens: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void | Promise<void>;

/**
 * Servers and streams that are torn down after each test, so a test that fails half-way (a hot
 * reconnect loop, a stream stuck connecting) cannot leak into the next one.
 */
export function hostileHarness() {
  const servers: TestServer[] = [];
  const streams: EventStream[] = [];
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return {
    /** A real server on 127.0.0.1, closed after the test. */
    async serve(handler: Handler): Promise<TestServer> {
      const server = await startServer(handler);
      servers.push(server);
      return server;
    },
    /** Opens a stream whose callbacks are recorded in `log`; closed after the test. */
    open<E extends EventMap = EventMap>(url: string, options: StreamOptions<E> = {}) {
      const log: StreamLog = { errors: [], retries: [], closes: [], opens: 0 };
      const stream = createEventStream<E>(url, {
        onError: (error) => void log.errors.push(error),
        onRetry: (info) => void log.retries.push(info),
        onClose: (info) => void log.closes.push(info),
        onOpen: () => void log.opens++,
        ...options,
      });
      streams.push(stream as unknown as EventStream);
      return { stream, log };
    },
  };
}

/** An `IdStorage` backed by a Map that records the key of every call. */
export function storageSpy(initial: Record<string, string> = {}) {
  const map = new Map(Object.entries(initial));
  const calls = { get: [] as string[], set: [] as [string, string][] };
  const storage: IdStorage = {
    get: (key) => {
      calls.get.push(key);
      return map.get(key) ?? null;
    },
    set: (key, id) => {
      calls.set.push([key, id]);
      map.set(key, id);
    },
  };
  return { storage, calls, map };
}

/** Writes `text` and resolves once it is handed to the socket. */
export function send(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => res.write(text, () => resolve()));
}

/** The request's query parameter `name` (null when absent). */
export function queryParam(req: IncomingMessage, name: string): string | null {
  return new URL(req.url ?? '/', 'http://x').searchParams.get(name);
}

/** Reads a request body as text. */
export async function bodyText(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

/** The errors of one code that a stream reported. */
export function errorsOf(log: StreamLog, code: SSEKitError['code']): SSEKitError[] {
  return log.errors.filter((error) => error.code === code);
}
