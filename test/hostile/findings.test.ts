import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createEventStream, type StandardSchemaV1, type StreamOptions } from '../../src/index.js';
import { hostileHarness, queryParam, send } from '../helpers/hostile.js';
import { sseHead } from '../helpers/http-server.js';
import { waitFor } from '../helpers/recorder.js';

// Defects found while probing the option surface and the server fields, beyond the decided list.
// The behaviour asserted here is PROPOSED (see the report); each test failed on the code it was
// written against.
const { serve, open } = hostileHarness();
const fast = { initialDelay: 50, jitter: 'none' } as const;

describe('schemas', () => {
  // Found: `schemas[type]` read inherited properties, so `event: constructor` found Object and
  // threw inside the parser; the stream dropped and reconnected for ever, each time re-receiving it.
  it.each(['constructor', 'toString', '__proto__'])(
    'delivers an event named %s unvalidated instead of dropping the connection',
    async (type) => {
      const server = await serve(async (_req, res) => {
        sseHead(res);
        await send(res, `event: ${type}\ndata: 1\n\n`);
      });
      const { stream, log } = open<Record<string, number>>(server.url, { schemas: {}, retry: fast });
      const received: number[] = [];
      stream.on(type, (data) => void received.push(data));
      await waitFor(() => received.length > 0 || log.errors.length > 0, 2000, 'the event');
      await sleep(200);
      expect(received).toEqual([1]);
      expect(log.errors).toEqual([]);
      expect(server.requests.length).toBe(1);
    },
  );

  // Found: a throwing validate() escaped into the parser: NetworkError, reconnect, same event, for ever.
  it('reports a schema whose validate() throws as a DecodeError with that cause and keeps the connection', async () => {
    const server = await serve(async (_req, res) => {
      sseHead(res);
      await send(res, 'data: 1\n\ndata: 2\n\n');
    });
    const bug = new Error('schema bug');
    const schema: StandardSchemaV1<number> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => {
          throw bug;
        },
      },
    };
    const { stream, log } = open<{ message: number }>(server.url, { schemas: { message: schema }, retry: fast });
    const received: number[] = [];
    stream.on('message', (data) => void received.push(data));
    await waitFor(() => log.errors.length >= 2 || server.requests.length > 1, 2000, 'two reports');
    await sleep(200);
    expect(log.errors.map((error) => [error.code, error.cause])).toEqual([
      ['DECODE', bug],
      ['DECODE', bug],
    ]);
    expect(received).toEqual([]);
    expect(server.requests.length).toBe(1);
  });
});

describe('options that can never work', () => {
  const call = (options: unknown) => () => createEventStream('http://127.0.0.1:9/e', options as StreamOptions).close();

  // Found: fetch refuses these methods before sending; the stream retried the refusal for ever.
  it.each(['TRACE', 'CONNECT', 'TRACK'])('rejects method %s with a TypeError at the call', (method) => {
    expect(call({ method })).toThrow(TypeError);
    expect(call({ method })).toThrow(/method/);
  });

  // Found: HEAD has no body; the stream closed with `Expected text/event-stream, got "text/event-stream"`.
  it('rejects method HEAD with a TypeError at the call', () => {
    expect(call({ method: 'HEAD' })).toThrow(TypeError);
    expect(call({ method: 'head' })).toThrow(/method/);
  });

  // Found: fetch stringified it and the server received "[object Object]".
  it('rejects a plain object body (forgotten JSON.stringify) with a TypeError naming the option', () => {
    expect(call({ method: 'POST', body: { q: 1 } })).toThrow(TypeError);
    expect(call({ method: 'POST', body: { q: 1 } })).toThrow(/body/);
    expect(call({ method: 'POST', body: '{"q":1}' })).not.toThrow();
    expect(call({ method: 'POST', body: new URLSearchParams('q=1') })).not.toThrow();
  });

  // Found: any number got a RangeError, even where a number is the wrong type.
  it.each([
    ['transport', 1],
    ['method', 5],
    ['reconnectOnEnd', 1],
    ['decode', 0],
  ])('rejects %s given as a number with a TypeError (RangeError is for numbers out of range)', (name, value) => {
    expect(call({ [name]: value })).toThrow(TypeError);
  });

  it('keeps RangeError for a number out of range', () => {
    expect(call({ heartbeatTimeout: -1 })).toThrow(RangeError);
    expect(call({ retry: { factor: 0.5 } })).toThrow(RangeError);
  });
});

describe('resume edge cases', () => {
  // Found: a header value loses leading/trailing whitespace, so the server got "7" for the id " 7 ".
  it('sends an id with leading or trailing spaces in the query, where it arrives intact', async () => {
    const server = await serve(async (_req, res, index) => {
      sseHead(res);
      if (index > 0) return;
      await send(res, 'id:  7 \ndata: 1\n\n');
      res.destroy();
    });
    const { stream } = open(server.url, { retry: fast });
    await waitFor(() => server.requests.length >= 2, 2000, 'the reconnect');
    expect(stream.lastEventId).toBe(' 7 ');
    expect(server.requests[1]!.headers['last-event-id']).toBeUndefined();
    expect(queryParam(server.requests[1]!, 'lastEventId')).toBe(' 7 ');
  });

  // Found: a stored id with CR/LF (an older version, another tab, tampering) ended the stream
  // with NetworkError "Unexpected failure" before any request.
  it('opens without a stored id that contains CR/LF instead of failing', async () => {
    const server = await serve((_req, res) => void sseHead(res));
    const { log } = open(server.url, { storage: { get: () => '1\r\nX: y', set: () => {} } });
    await waitFor(() => log.opens === 1 || log.closes.length > 0, 2000, 'the stream to open');
    expect(log.closes).toEqual([]);
    expect(server.requests[0]!.headers.x).toBeUndefined();
  });
});

describe('delays the client chooses', () => {
  // Found: initialDelay 0 × factor^n stays 0: ~340 requests/s against a server answering 503.
  it('does not hammer a failing server when retry.initialDelay is 0 (at most ~10 requests in 2 s)', async () => {
    const server = await serve((_req, res) => void res.writeHead(503).end());
    open(server.url, { retry: { initialDelay: 0 } });
    await sleep(2000);
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(server.requests.length).toBeLessThanOrEqual(12);
  });

  // Found: an onUnauthorized that never settles left the stream `connecting` for ever (like
  // headers()). Proposed: bounded by connectTimeout and then handled like a throw (item 7).
  it('ends with the 401 whose cause is a TimeoutError when onUnauthorized does not settle within connectTimeout', async () => {
    const server = await serve((_req, res) => void res.writeHead(401).end());
    const { stream, log } = open(server.url, {
      connectTimeout: 200,
      onUnauthorized: () => new Promise<void>(() => {}),
    });
    await waitFor(() => log.closes.length > 0, 2000, 'the stream to end');
    const { error } = log.closes[0]!;
    expect(error).toMatchObject({ code: 'HTTP_STATUS', status: 401 });
    expect(error?.cause).toMatchObject({ code: 'TIMEOUT', phase: 'connect' });
    expect(stream.state).toBe('closed');
  });
});
