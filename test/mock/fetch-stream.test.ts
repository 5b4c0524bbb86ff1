// The fetch transport and the client against scripted servers (parsing, decoding, statuses,
// heartbeats), written with the public testing kit (sse-kit/testing): each scenario is one script,
// and what the server received is read from `server.connections`.
import { createEventStream, type SSEKitError, type StreamOptions } from 'sse-kit';
import { type Handler, mockServer } from 'sse-kit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recorder, take, waitFor } from '../helpers/recorder.js';

const url = 'http://sse.test/events';
afterEach(() => vi.useRealTimers());

/** A stream on a fresh mock server that plays `script` for every connection. */
function open<E extends Record<string, unknown> = Record<string, unknown>>(script: Handler<E>, options: StreamOptions<E> = {}) {
  const server = mockServer<E>(script);
  return { server, stream: createEventStream<E>(url, { fetch: server.fetch, ...options }) };
}

/** Everything the stream delivers from these chunks until the server ends it (no reconnect). */
async function collect(chunks: (string | Uint8Array)[], options: StreamOptions = {}, size = 0) {
  const { stream } = open((s) => s.split(size).raw(...chunks).end(), { decode: 'text', reconnectOnEnd: false, ...options });
  const events = [];
  for await (const event of stream) events.push(event);
  return { events, lastEventId: stream.lastEventId };
}

describe('parsing (WHATWG rules), served by the kit', () => {
  const reference = '\uFEFFdata: a\r\n\r\n: comment\nid: 7\nevent: tick\ndata:b1\ndata:  b2\r\rdata: é€😀\nunknown: x\n\n';
  const expected = [
    { type: 'message', data: 'a', id: '' },
    { type: 'tick', data: 'b1\n b2', id: '7' },
    { type: 'message', data: 'é€😀', id: '7' },
  ];

  it.each([0, 1, 2, 3, 5, 7])('gives the same events when the bytes arrive %i at a time (0: whole)', async (size) => {
    expect((await collect([reference], {}, size)).events).toEqual(expected);
  });

  it('updates lastEventId on an id-only block, resets it on an empty id, ignores ids with NUL', async () => {
    expect((await collect(['id: 5\n\n'])).lastEventId).toBe('5');
    expect((await collect(['id: 5\n\nid\ndata: x\n\n'])).events).toEqual([{ type: 'message', data: 'x', id: '' }]);
    expect((await collect(['id: 5\n\nid: 6\u00007\ndata: x\n\n'])).events).toEqual([{ type: 'message', data: 'x', id: '5' }]);
  });

  it('does not dispatch a final event with no blank line, unless flushIncompleteEvent', async () => {
    const chunks = ['data: 1\n\n', 'id: 2\ndata: {"finish_reason":"stop"}'];
    expect((await collect(chunks)).events.map((e) => e.data)).toEqual(['1']);
    const flushed = await collect(chunks, { flushIncompleteEvent: true });
    expect([flushed.events.map((e) => e.data), flushed.lastEventId]).toEqual([['1', '{"finish_reason":"stop"}'], '2']);
  });

  it('dispatches an event with empty data, ignores a block with no data, replaces invalid UTF-8', async () => {
    expect((await collect(['data\n\nevent: x\n\ndata:\n\n'])).events.map((e) => e.data)).toEqual(['', '']);
    const bytes = new Uint8Array([...new TextEncoder().encode('data: a'), 0xff, 0xfe, ...new TextEncoder().encode('b\n\n')]);
    expect((await collect([bytes])).events).toEqual([{ type: 'message', data: 'a\uFFFD\uFFFDb', id: '' }]);
  });
});

describe('decoding and listeners, served by the kit', () => {
  it('parses JSON by default and types it from the event map', async () => {
    const { stream } = open<{ tick: { n: number } }>((s) => s.event('tick', { n: 1 }, { id: 1 }).event('tick', { n: 2 }, { id: 2 }).end(), {
      reconnectOnEnd: false,
    });
    const ns: number[] = [];
    stream.on('tick', (tick, event) => ns.push(tick.n * 10 + Number(event.id)));
    await waitFor(() => stream.state === 'closed');
    expect(ns).toEqual([11, 22]);
  });

  it('reports invalid JSON as DecodeError, skips that event, and goes on', async () => {
    const { log, options } = recorder();
    const { events } = await collect(['data: {"a":1}\n\n', 'data: {oops\n\n', 'data: 2\n\n'], { ...options, decode: 'json' });
    expect(events.map((e) => e.data)).toEqual([{ a: 1 }, 2]);
    expect(log.errors).toMatchObject([{ code: 'DECODE', event: { type: 'message', data: '{oops' } }]);
  });

  it('a throwing listener becomes a HandlerError and the other listeners still run', async () => {
    const { log, options } = recorder();
    const { stream } = open((s) => s.event('tick', 1).event('tick', 2).end(), { ...options, reconnectOnEnd: false });
    const after = vi.fn();
    stream.on('tick', () => {
      throw new Error('boom');
    });
    stream.on('tick', after);
    await waitFor(() => stream.state === 'closed');
    expect(after).toHaveBeenCalledTimes(2);
    expect(log.errors.map((e) => e.code)).toEqual(['HANDLER', 'HANDLER']);
  });

  it('delivers no event after close(), even from the same chunk', async () => {
    const { log, options } = recorder();
    const { stream } = open((s) => s.raw('data: 1\n\ndata: 2\n\ndata: 3\n\n'), options);
    const got: unknown[] = [];
    stream.on('message', (n) => {
      got.push(n);
      stream.close();
    });
    await waitFor(() => stream.state === 'closed');
    expect([got, log.closes]).toEqual([[1], [{ reason: 'close', code: undefined }]]);
  });

  it('closes when the signal aborts, and the server sees the abort', async () => {
    const controller = new AbortController();
    const { server, stream } = open((s) => s.event('message', 1).hang(), { signal: controller.signal });
    await waitFor(() => stream.state === 'open');
    controller.abort();
    expect(stream.state).toBe('closed');
    expect(await server.connections[0]?.ended).toBe('abort');
  });
});

describe('async iteration and bad input, served by the kit', () => {
  it('throws the fatal error that closed the stream', async () => {
    const { stream } = open((s) => s.status(404).raw('gone').end());
    await expect(take(stream, 5)).rejects.toMatchObject({ code: 'HTTP_STATUS', status: 404, body: 'gone' });
  });

  it('breaking out of the loop closes the stream', async () => {
    const { server, stream } = open((s) => s.event('message', 1).event('message', 2).hang());
    expect(await take(stream, 1)).toHaveLength(1);
    expect([stream.state, await server.connections[0]?.ended]).toEqual(['closed', 'abort']);
  });

  it('pauses reading while a slow consumer has 1024 events queued, and loses none', async () => {
    const total = 5000;
    const { stream } = open((s) => s.split(4096).raw(Array.from({ length: total }, (_, i) => `data: ${i}\n\n`).join('')).end(), {
      reconnectOnEnd: false,
    });
    let seen = 0;
    for await (const event of stream) {
      expect(event.data).toBe(seen++);
      if (seen % 500 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(seen).toBe(total);
  });

  it('an event larger than maxEventSize is a fatal EventTooLargeError', async () => {
    const huge = Array.from({ length: 200 }, () => 'x'.repeat(1000));
    const { stream } = open((s) => s.event('message', '1').raw('data: ', ...huge, '\n\n').event('message', '2').end(), {
      decode: 'text',
      maxEventSize: 10_000,
    });
    await expect(take(stream, 3)).rejects.toMatchObject({ code: 'EVENT_TOO_LARGE', limit: 10_000 });
  });

  it('maxAttempts reached gives RetryExhaustedError with the last error as cause', async () => {
    const { log, options } = recorder();
    const { stream } = open((s) => s.status(503).raw('down').end(), { ...options, retry: { maxAttempts: 2, initialDelay: 1 } });
    await waitFor(() => stream.state === 'closed');
    expect(log.retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(log.closes).toEqual([{ reason: 'error', code: 'RETRY_EXHAUSTED' }]);
    expect(log.errors.at(-1)?.cause).toMatchObject({ status: 503 });
  });
});

describe('response rules, served by the kit', () => {
  it('opens on 200 text/event-stream with any charset parameter and case, and reports the URL', async () => {
    const onOpen = vi.fn();
    const { stream } = open((s) => s.status(200, { 'content-type': 'Text/Event-Stream ; Charset=UTF-8' }).event('message', 'hi').end(), {
      onOpen,
      reconnectOnEnd: false,
    });
    expect(await take(stream, 1)).toEqual([{ type: 'message', data: 'hi', id: '' }]);
    expect(onOpen).toHaveBeenCalledWith({ status: 200, url, transport: 'fetch' });
  });

  it.each([
    [204, 'no-content', undefined],
    [200, 'error', 'CONTENT_TYPE'],
    [401, 'error', 'HTTP_STATUS'],
    [410, 'error', 'HTTP_STATUS'],
  ])('closes for good on %i (%s %s) with one request', async (status, reason, code) => {
    const { log, options } = recorder();
    const headers: Record<string, string> = status === 200 ? { 'content-type': 'text/html' } : {};
    const { server, stream } = open((s) => s.status(status, headers).end(), options);
    await waitFor(() => stream.state === 'closed');
    expect([log.closes, log.retries, server.connections.length]).toEqual([[{ reason, code }], [], 1]);
  });

  it.each([408, 425, 429, 500, 502, 503])('retries %i with backoff, then opens', async (status) => {
    const { log, options } = recorder();
    const { stream } = open((s, { attempt }) => (attempt < 3 ? s.status(status).raw('busy').end() : s.event('message', 1, { id: 1 }).hang()), {
      ...options,
      retry: { initialDelay: 1, jitter: 'none' },
    });
    expect(await take(stream, 1)).toEqual([{ type: 'message', data: 1, id: '1' }]);
    expect(log.retries).toEqual([
      { attempt: 1, delay: 1, code: 'HTTP_STATUS' },
      { attempt: 2, delay: 2, code: 'HTTP_STATUS' },
    ]);
  });

  it('honours Retry-After on 503', async () => {
    const { log, options } = recorder();
    const { stream } = open((s, { attempt }) => (attempt === 1 ? s.status(503, { 'retry-after': '0' }).end() : s.event('message', 1)), {
      ...options,
      retry: { initialDelay: 60_000 },
    });
    await take(stream, 1);
    expect(log.retries).toEqual([{ attempt: 1, delay: 0, code: 'HTTP_STATUS' }]);
  });

  it('follows redirects and reports the final URL', async () => {
    const server = mockServer((s, { path }) => (path === '/old' ? s.status(307, { location: '/events' }).end() : s.event('message', 1)));
    const onOpen = vi.fn();
    await take(createEventStream('http://sse.test/old', { fetch: server.fetch, onOpen }), 1);
    expect(onOpen).toHaveBeenCalledWith(expect.objectContaining({ url }));
  });

  it('turns a refused connection and a mid-event drop into retried NetworkErrors', async () => {
    const { log, options } = recorder();
    const { stream } = open(
      (s, { attempt }) => (attempt === 1 ? s.drop() : attempt === 2 ? s.raw('data: 1').drop() : s.event('message', 2)),
      { ...options, retry: { initialDelay: 1 } },
    );
    expect(await take(stream, 1)).toEqual([{ type: 'message', data: 2, id: '' }]);
    expect(log.errors.map((e) => e.code)).toEqual(['NETWORK', 'NETWORK']);
  });
});

describe('requests, as the kit records them', () => {
  it('sends Accept: text/event-stream, custom headers from an async function, no Last-Event-ID or Cache-Control at first', async () => {
    const { server, stream } = open((s) => s.event('message', 1), { headers: async () => ({ Authorization: 'Bearer t0ken' }) });
    await take(stream, 1);
    const { headers } = server.connections[0]!;
    expect(headers).toMatchObject({ accept: 'text/event-stream', authorization: 'Bearer t0ken' });
    expect([headers['last-event-id'], headers['cache-control']]).toEqual([undefined, undefined]);
  });

  it('POSTs a JSON body, reads the reply to the end, and does not re-post', async () => {
    const { log, options } = recorder();
    const { server, stream } = open<{ token: { t: string }; done: object }>(
      (s) => s.event('token', { t: 'Hel' }).event('token', { t: 'lo' }).event('done', {}).end(),
      { ...options, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'hi' }) },
    );
    const tokens: string[] = [];
    for await (const event of stream) if (event.type === 'token') tokens.push(event.data.t);
    expect(tokens).toEqual(['Hel', 'lo']);
    expect(server.connections).toMatchObject([{ method: 'POST', body: '{"prompt":"hi"}', headers: { 'content-type': 'application/json' } }]);
    expect(log.closes).toEqual([{ reason: 'end', code: undefined }]);
  });

  it('calls the body and headers functions again on every attempt', async () => {
    let n = 0;
    const { server, stream } = open((s, { attempt }) => (attempt === 1 ? s.status(503).end() : s.event('message', 1)), {
      method: 'POST',
      headers: () => ({ 'x-attempt': String(++n) }),
      body: () => `body${n}`,
      retry: { initialDelay: 1 },
    });
    await take(stream, 1);
    expect(server.connections.map((c) => `${c.headers['x-attempt']}:${c.body}`)).toEqual(['1:body1', '2:body2']);
  });

  it('sends Last-Event-ID from the lastEventId option and from the stream on reconnect', async () => {
    const { server, stream } = open((s, { attempt }) => s.event('message', attempt, { id: `${attempt}0` }).end(), {
      lastEventId: 'start',
      retry: { initialDelay: 1 },
    });
    await take(stream, 2);
    expect(server.connections.slice(0, 2).map((c) => c.lastEventId)).toEqual(['start', '10']);
  });

  it('onUnauthorized: awaits the hook, then retries once at once with the refreshed header', async () => {
    let token = 'old';
    const { log, options } = recorder();
    const { server, stream } = open(
      (s, { headers }) => (headers.authorization === 'Bearer new' ? s.event('message', 'ok').end() : s.status(401).raw('expired').end()),
      {
        ...options,
        reconnectOnEnd: false,
        retry: { initialDelay: 60_000 },
        headers: () => ({ authorization: `Bearer ${token}` }),
        onUnauthorized: async (error) => {
          expect(error).toMatchObject({ status: 401 });
          token = 'new';
        },
      },
    );
    expect(await take(stream, 1)).toEqual([{ type: 'message', data: 'ok', id: '' }]);
    expect([server.connections.map((c) => c.headers.authorization), log.retries]).toEqual([['Bearer old', 'Bearer new'], []]);
  });

  it('onUnauthorized: fatal when the retry gets 401 again', async () => {
    const hook = vi.fn();
    const { log, options } = recorder();
    const { stream } = open((s) => s.status(401).end(), { ...options, onUnauthorized: hook });
    await waitFor(() => stream.state === 'closed');
    expect([hook.mock.calls.length, log.closes]).toEqual([1, [{ reason: 'error', code: 'HTTP_STATUS' }]]);
  });
});

it('detects a stall no sooner than heartbeatTimeout and within 1.25× of it (kit script, fake timers)', async () => {
  vi.useFakeTimers();
  const { log, options } = recorder();
  const { stream } = open((s) => s.event('message', 1).hang(), { ...options, heartbeatTimeout: 400, retry: { initialDelay: 60_000 } });
  await vi.advanceTimersByTimeAsync(0);
  expect(stream.state).toBe('open');
  await vi.advanceTimersByTimeAsync(399);
  expect(log.errors).toEqual([]);
  await vi.advanceTimersByTimeAsync(101);
  expect(log.errors as SSEKitError[]).toMatchObject([{ code: 'TIMEOUT', phase: 'heartbeat', timeout: 400 }]);
  expect(stream.state).toBe('retrying');
  stream.close();
});
