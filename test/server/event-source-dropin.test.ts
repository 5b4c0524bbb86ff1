// Migrating from the `eventsource` package (v4) is meant to be an import change. Each scenario runs
// against its EventSource and ours over the same kind of real server, and compares what a user
// observes: events and their data and ids, readyState at each event, the requests' Last-Event-ID,
// and the `code`/`message` of error events.
import type { ServerResponse } from 'node:http';
import { EventSource as PackageEventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { EventSource } from '../../src/index.js';
import { sseHead, startServer, type TestServer } from '../helpers/http-server.js';
import { waitFor } from '../helpers/recorder.js';

type Constructor = new (url: string) => EventTarget & { readyState: number; close(): void };
interface Seen {
  type: string;
  readyState: number;
  data?: string;
  lastEventId?: string;
  code?: number;
  message?: 'string' | 'undefined';
}

const IMPLEMENTATIONS: Record<string, Constructor> = { eventsource: PackageEventSource, 'sse-kit': EventSource as unknown as Constructor };
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/**
 * Plays `respond` (one handler per request) to a fresh server for `Impl` until `done` holds for
 * what was seen, then closes the source and returns the events and each request's Last-Event-ID.
 */
async function play(Impl: Constructor, respond: ((res: ServerResponse) => void)[], done: (seen: Seen[]) => boolean, url?: string) {
  const requests: (string | undefined)[] = [];
  const server = await startServer((req, res, index) => {
    requests.push(req.headers['last-event-id'] as string | undefined);
    respond[Math.min(index, respond.length - 1)]!(res);
  });
  servers.push(server);
  const source = new Impl(url ?? `${server.url}/stream`);
  const seen: Seen[] = [];
  for (const type of ['open', 'message', 'error', 'tick']) {
    source.addEventListener(type, (event) => {
      const entry: Seen = { type, readyState: source.readyState };
      if (event instanceof MessageEvent) Object.assign(entry, { data: event.data, lastEventId: event.lastEventId });
      const e = event as Event & { code?: number; message?: string };
      if (type === 'error') Object.assign(entry, { code: e.code, message: typeof e.message });
      seen.push(entry);
    });
  }
  try {
    await waitFor(() => done(seen), 5000, 'the scenario');
  } finally {
    source.close();
  }
  return { seen, requests };
}

const closedOrSecondError = (seen: Seen[]) => seen.some((s) => s.readyState === 2) || seen.filter((s) => s.type === 'error').length >= 2;

describe('sse-kit EventSource observed side by side with the eventsource package', () => {
  it('events, ids, a reconnection with Last-Event-ID, then a 404 that closes', async () => {
    const respond = [
      (res: ServerResponse) => {
        sseHead(res);
        res.end('retry: 20\nid: 1\ndata: a\n\nid: 2\nevent: tick\ndata: b\n\n');
      },
      (res: ServerResponse) => void res.writeHead(404).end('gone'),
    ];
    const theirs = await play(PackageEventSource, respond, (seen) => seen.some((s) => s.readyState === 2));
    const ours = await play(EventSource as unknown as Constructor, respond, (seen) => seen.some((s) => s.readyState === 2));
    expect(ours.requests).toEqual(theirs.requests);
    expect(ours.requests).toEqual([undefined, '2']);
    // The one difference: after the server ends a stream, eventsource's error event has no
    // message; ours says that the server closed it. Everything else is the same.
    const lostConnection = { type: 'error', readyState: 0, code: undefined };
    expect(theirs.seen).toContainEqual({ ...lostConnection, message: 'undefined' });
    expect(ours.seen).toContainEqual({ ...lostConnection, message: 'string' });
    const withoutThatMessage = (seen: Seen[]) => seen.map((s) => (s.readyState === 0 && s.type === 'error' ? { ...s, message: undefined } : s));
    expect(withoutThatMessage(ours.seen)).toEqual(withoutThatMessage(theirs.seen));
    expect(ours.seen).toEqual([
      { type: 'open', readyState: 1 },
      { type: 'message', readyState: 1, data: 'a', lastEventId: '1' },
      { type: 'tick', readyState: 1, data: 'b', lastEventId: '2' },
      { type: 'error', readyState: 0, code: undefined, message: 'string' },
      { type: 'error', readyState: 2, code: 404, message: 'string' },
    ]);
  });

  it.each([
    ['a 204', (res: ServerResponse) => void res.writeHead(204).end(), 204],
    ['a 401', (res: ServerResponse) => void res.writeHead(401).end(), 401],
    ['a 500', (res: ServerResponse) => void res.writeHead(500).end('oops'), 500],
    ['a 200 of JSON', (res: ServerResponse) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 200],
  ])('%s: one error event, CLOSED, with the status as code and a message', async (_, respond, code) => {
    const results = await Promise.all(Object.values(IMPLEMENTATIONS).map((Impl) => play(Impl, [respond], closedOrSecondError)));
    for (const { seen } of results) expect(seen).toEqual([{ type: 'error', readyState: 2, code, message: 'string' }]);
  });

  it('a refused connection: an error event, CONNECTING, no code, a message', async () => {
    const gone = await startServer(() => {});
    const url = `${gone.url}/stream`;
    await gone.close();
    const results = await Promise.all(Object.values(IMPLEMENTATIONS).map((Impl) => play(Impl, [() => {}], (seen) => seen.length > 0, url)));
    for (const { seen } of results) expect(seen).toEqual([{ type: 'error', readyState: 0, code: undefined, message: 'string' }]);
  });
});
