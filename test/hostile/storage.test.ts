import { describe, expect, it } from 'vitest';
import type { IdStorage } from '../../src/index.js';
import { errorsOf, hostileHarness, send, storageSpy } from '../helpers/hostile.js';
import { sseHead } from '../helpers/http-server.js';
import { waitFor } from '../helpers/recorder.js';

// `storage` is the app's code (often a sessionStorage wrapper that throws when storage is denied)
// and is documented as synchronous. Whatever it does, the stream must start.
const { serve, open } = hostileHarness();
const fast = { initialDelay: 50, jitter: 'none' } as const;
const holdOpen = () =>
  serve((_req, res) => {
    sseHead(res);
  });

describe('storage', () => {
  // Defect: the throw escaped from createEventStream.
  it('starts fresh when storage.get throws, reporting one HandlerError with the throw as cause', async () => {
    const server = await holdOpen();
    const denied = new Error('SecurityError: storage is denied');
    const storage: IdStorage = {
      get: () => {
        throw denied;
      },
      set: () => {},
    };
    let opened: ReturnType<typeof open> | undefined;
    expect(() => {
      opened = open(server.url, { storage });
    }).not.toThrow();
    const { stream, log } = opened!;
    await waitFor(() => log.opens === 1, 2000, 'the stream to open');
    expect(server.requests[0]!.headers['last-event-id']).toBeUndefined();
    expect(stream.lastEventId).toBe('');
    const handler = errorsOf(log, 'HANDLER');
    expect(handler).toHaveLength(1);
    expect(handler[0]!.name).toBe('HandlerError');
    expect(handler[0]!.cause).toBe(denied);
  });

  // Defect: an async get put `Last-Event-ID: [object Promise]` on the wire.
  it.each([
    ['a Promise (async get)', async () => '41'],
    ['a number', () => 41],
  ])('ignores a storage.get that returns %s: no Last-Event-ID, one HandlerError', async (_what, get) => {
    const server = await holdOpen();
    const storage = { get, set: () => {} } as unknown as IdStorage;
    const { stream, log } = open(server.url, { storage });
    await waitFor(() => log.opens === 1, 2000, 'the stream to open');
    expect(server.requests[0]!.headers['last-event-id']).toBeUndefined();
    expect(stream.lastEventId).toBe('');
    expect(errorsOf(log, 'HANDLER')).toHaveLength(1);
  });

  it('treats null from storage.get as "nothing stored", without an error', async () => {
    const server = await holdOpen();
    const { log } = open(server.url, { storage: { get: () => null, set: () => {} } });
    await waitFor(() => log.opens === 1, 2000, 'the stream to open');
    expect(server.requests[0]!.headers['last-event-id']).toBeUndefined();
    expect(log.errors).toEqual([]);
  });

  it('goes on and still resumes within the page when storage.set throws', async () => {
    const server = await serve(async (_req, res, index) => {
      sseHead(res);
      if (index > 0) return void (await send(res, 'data: "again"\n\n'));
      await send(res, 'id: 7\ndata: "first"\n\n');
      res.destroy();
    });
    const storage: IdStorage = {
      get: () => null,
      set: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const { stream, log } = open<{ message: string }>(server.url, { storage, retry: fast });
    const received: string[] = [];
    stream.on('message', (data) => void received.push(data));
    await waitFor(() => received.length === 2 || log.closes.length > 0, 2000, 'the event after the reconnect');
    expect(received).toEqual(['first', 'again']);
    expect(server.requests[1]!.headers['last-event-id']).toBe('7');
    expect(stream.state).toBe('open');
  });
});

describe('storage key', () => {
  // Defect: `?token=…` became part of the key, i.e. the secret was written to sessionStorage.
  it('keys storage by origin and path only, never the query', async () => {
    const server = await serve(async (_req, res) => {
      sseHead(res);
      await send(res, 'id: 7\ndata: 1\n\n');
    });
    const spy = storageSpy();
    const { log } = open(`${server.url}/e?token=s3cret&room=5`, { storage: spy.storage });
    await waitFor(() => spy.calls.set.length === 1 || log.closes.length > 0, 2000, 'storage.set');
    const key = `sse-kit:${server.url}/e`;
    expect(new Set(spy.calls.get)).toEqual(new Set([key]));
    expect(spy.calls.set).toEqual([[key, '7']]);
  });

  it('uses the storageKey option as the key when given', async () => {
    const server = await serve(async (_req, res) => {
      sseHead(res);
      await send(res, 'id: 7\ndata: 1\n\n');
    });
    const spy = storageSpy({ chat: '5' });
    const { log } = open(`${server.url}/e?token=s3cret`, { storage: spy.storage, storageKey: 'chat' } as object);
    await waitFor(() => spy.calls.set.length === 1 || log.closes.length > 0, 2000, 'storage.set');
    expect(server.requests[0]!.headers['last-event-id']).toBe('5');
    expect(new Set(spy.calls.get)).toEqual(new Set(['chat']));
    expect(spy.calls.set).toEqual([['chat', '7']]);
  });
});
