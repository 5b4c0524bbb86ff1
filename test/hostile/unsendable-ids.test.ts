import { describe, expect, it } from 'vitest';
import { errorsOf, hostileHarness, queryParam, type StreamLog, send, storageSpy } from '../helpers/hostile.js';
import { sseHead, type TestServer } from '../helpers/http-server.js';
import { waitFor } from '../helpers/recorder.js';

// The server picks the ids. One that cannot travel as a header value must not stop the stream
// from resuming; one too long to send at all must not turn a reconnect into a fatal 431.
const { serve, open } = hostileHarness();
const fast = { initialDelay: 50, jitter: 'none' } as const;

/** Waits for the second request; fails at once with the close reason if the stream died instead. */
async function reconnected(server: TestServer, log: StreamLog): Promise<void> {
  await waitFor(() => server.requests.length >= 2 || log.closes.length > 0, 2000, 'the reconnect').catch(() => {});
  // On failure, show what the user saw instead of a bare timeout.
  const seen = log.errors.slice(-2).map((error) => `${error.message} / cause: ${String(error.cause)}`);
  const closes = log.closes.map((info) => info.error?.message ?? info.reason);
  if (server.requests.length < 2 || closes.length > 0) {
    throw new Error(`no reconnect: ${server.requests.length} request(s), closes ${JSON.stringify(closes)}, errors ${JSON.stringify(seen)}`);
  }
}

/** First request: one event with `id: <id>`, then a drop; later requests stay open. */
const dropAfterId = (id: string) =>
  serve(async (_req, res, index) => {
    sseHead(res);
    if (index > 0) return;
    await send(res, `id: ${id}\ndata: 1\n\n`);
    res.destroy();
  });

describe('ids that cannot be a header value', () => {
  // Defect: fetch's header check threw before any request left, on every attempt.
  it('resumes an id with a control character through ?lastEventId= instead of the header', async () => {
    const server = await dropAfterId('a\x01b');
    const { stream, log } = open(`${server.url}/e?room=5`, { retry: fast });
    await reconnected(server, log);
    const resumed = server.requests[1]!;
    expect(resumed.headers['last-event-id']).toBeUndefined();
    expect(resumed.url).toContain('lastEventId=a%01b');
    expect(queryParam(resumed, 'lastEventId')).toBe('a\x01b');
    expect(queryParam(resumed, 'room')).toBe('5');
    expect(stream.lastEventId).toBe('a\x01b');
  });

  it.each([
    ['U+001F', 'a\x1fb'],
    ['U+007F', 'a\x7fb'],
  ])('sends an id containing %s in the lastEventIdParam query parameter', async (_what, id) => {
    const server = await dropAfterId(id);
    const { log } = open(server.url, { retry: fast, lastEventIdParam: 'since' });
    await reconnected(server, log);
    expect(server.requests[1]!.headers['last-event-id']).toBeUndefined();
    expect(queryParam(server.requests[1]!, 'since')).toBe(id);
  });

  it('stores a control-character id, since it can be sent in the query', async () => {
    const server = await dropAfterId('a\x01b');
    const spy = storageSpy();
    const { log } = open(server.url, { retry: fast, storage: spy.storage });
    await reconnected(server, log);
    expect(spy.calls.set.map(([, id]) => id)).toEqual(['a\x01b']);
  });

  it('with lastEventIdParam: false, reconnects without a control-character id and does not store it', async () => {
    const server = await dropAfterId('a\x01b');
    const spy = storageSpy();
    const { log } = open(server.url, { retry: fast, storage: spy.storage, lastEventIdParam: false });
    await reconnected(server, log);
    expect(server.requests[1]!.headers['last-event-id']).toBeUndefined();
    expect(server.requests[1]!.url).not.toContain('a%01b');
    expect(spy.calls.set).toEqual([]);
  });
});

describe('ids longer than 1024 UTF-8 bytes', () => {
  // Defect: a 20 KB id came back as a 20 KB header, the server answered 431 and the stream died.
  it('reconnects without a 20 KB id (neither header nor query) instead of failing with 431', async () => {
    const big = 'x'.repeat(20_000);
    const server = await serve(async (req, res, index) => {
      const header = req.headers['last-event-id'];
      if (typeof header === 'string' && header.length > 8192) return void res.writeHead(431).end();
      sseHead(res);
      if (index === 0) {
        await send(res, `id: ${big}\ndata: 1\n\n`);
        res.end();
      }
    });
    const spy = storageSpy();
    const { log } = open(server.url, { retry: fast, storage: spy.storage });
    await waitFor(() => log.opens >= 2 || log.closes.length > 0, 3000, 'the second open');
    expect(errorsOf(log, 'HTTP_STATUS')).toEqual([]);
    expect(log.closes).toEqual([]);
    const resumed = server.requests[1]!;
    expect(resumed.headers['last-event-id']).toBeUndefined();
    expect(queryParam(resumed, 'lastEventId')).toBeNull();
    expect(spy.calls.set).toEqual([]);
  });

  it('counts bytes, not characters: 600 × "é" (1200 bytes) is neither sent nor stored', async () => {
    const server = await dropAfterId('é'.repeat(600));
    const spy = storageSpy();
    const { log } = open(server.url, { retry: fast, storage: spy.storage });
    await reconnected(server, log);
    expect(server.requests[1]!.headers['last-event-id']).toBeUndefined();
    expect(queryParam(server.requests[1]!, 'lastEventId')).toBeNull();
    expect(spy.calls.set).toEqual([]);
  });

  it('still sends an id of exactly 1024 bytes in Last-Event-ID', async () => {
    const id = 'x'.repeat(1024);
    const server = await dropAfterId(id);
    const spy = storageSpy();
    const { log } = open(server.url, { retry: fast, storage: spy.storage });
    await reconnected(server, log);
    expect(server.requests[1]!.headers['last-event-id']).toBe(id);
    expect(spy.calls.set.map(([, stored]) => stored)).toEqual([id]);
  });
});
