import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { sse, sseResponse } from './streams.js';

export const BASE = 'http://sse.test';

/** Starts an msw server for the calling test file; unhandled requests fail the test. */
export function useMockServer() {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}

/** Scenario handlers, named for what the server does. */
export const scenarios = {
  /** `count` tick events with ids 1..count, then the stream ends. */
  counter: (path = '/events', count = 3) =>
    http.get(BASE + path, () =>
      sseResponse(Array.from({ length: count }, (_, i) => sse({ n: i + 1 }, { id: i + 1, event: 'tick' }))),
    ),
  /** Answers with a fixed status and body. */
  status: (status: number, body = '', headers: Record<string, string> = {}, path = '/events') =>
    http.get(BASE + path, () => new HttpResponse(body || null, { status, headers })),
  /** The given raw chunks, once. */
  raw: (chunks: (string | Uint8Array)[], path = '/events', options: Parameters<typeof sseResponse>[1] = {}) =>
    http.get(BASE + path, () => sseResponse(chunks, options)),
};
