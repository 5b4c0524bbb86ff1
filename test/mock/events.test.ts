import { describe, expect, it, vi } from 'vitest';
import { createEventStream, type SSEKitError } from '../../src/index.js';
import { BASE, scenarios, useMockServer } from '../helpers/msw.js';
import { recorder, take, waitFor } from '../helpers/recorder.js';
import { bytePieces, sse } from '../helpers/streams.js';

const server = useMockServer();
const url = `${BASE}/events`;

/** Everything the stream delivers until the server ends it (no reconnect). */
async function collect(chunks: (string | Uint8Array)[], options: Parameters<typeof createEventStream>[1] = {}) {
  server.use(scenarios.raw(chunks));
  const stream = createEventStream(url, { decode: 'text', reconnectOnEnd: false, ...options });
  const events = [];
  for await (const event of stream) events.push(event);
  return { events, lastEventId: stream.lastEventId };
}

describe('parsing (WHATWG rules)', () => {
  const reference = '\uFEFFdata: a\r\n\r\n: comment\nid: 7\nevent: tick\ndata:b1\ndata:  b2\r\rdata: é€😀\nunknown: x\n\n';
  const expected = [
    { type: 'message', data: 'a', id: '' },
    { type: 'tick', data: 'b1\n b2', id: '7' },
    { type: 'message', data: 'é€😀', id: '7' },
  ];

  it('handles BOM, CR/LF/CRLF, comments, multi-line data, leading space and unknown fields', async () => {
    expect((await collect([reference])).events).toEqual(expected);
  });

  it.each([1, 2, 3, 5, 7])('gives the same events when the bytes arrive %i at a time (UTF-8 and CRLF split)', async (size) => {
    expect((await collect(bytePieces(reference, size))).events).toEqual(expected);
  });

  it('updates lastEventId on an id-only block, resets it on an empty id, ignores ids with NUL', async () => {
    expect((await collect(['id: 5\n\n'])).lastEventId).toBe('5');
    expect((await collect(['id: 5\n\nid\ndata: x\n\n'])).events).toEqual([{ type: 'message', data: 'x', id: '' }]);
    expect((await collect(['id: 5\n\nid: 6\u00007\ndata: x\n\n'])).events).toEqual([{ type: 'message', data: 'x', id: '5' }]);
  });

  it('does not dispatch a final event with no blank line, unless flushIncompleteEvent', async () => {
    const chunks = ['data: 1\n\n', 'id: 2\ndata: {"finish_reason":"stop"}'];
    const plain = await collect(chunks);
    expect(plain.events.map((e) => e.data)).toEqual(['1']);
    expect(plain.lastEventId).toBe('');
    const flushed = await collect(chunks, { flushIncompleteEvent: true });
    expect(flushed.events.map((e) => e.data)).toEqual(['1', '{"finish_reason":"stop"}']);
    expect(flushed.lastEventId).toBe('2');
  });

  it('dispatches an event with empty data, and ignores a block with no data field', async () => {
    expect((await collect(['data\n\nevent: x\n\ndata:\n\n'])).events).toEqual([
      { type: 'message', data: '', id: '' },
      { type: 'message', data: '', id: '' },
    ]);
  });

  it('replaces invalid UTF-8 with U+FFFD instead of failing', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('data: a'), 0xff, 0xfe, ...new TextEncoder().encode('b\n\n')]);
    expect((await collect([bytes])).events).toEqual([{ type: 'message', data: 'a\uFFFD\uFFFDb', id: '' }]);
  });
});

describe('decoding', () => {
  it('parses JSON by default and types it from the event map', async () => {
    server.use(scenarios.counter('/events', 2));
    const stream = createEventStream<{ tick: { n: number } }>(url, { reconnectOnEnd: false });
    const ns: number[] = [];
    stream.on('tick', (tick, event) => ns.push(tick.n * 10 + Number(event.id)));
    await waitFor(() => stream.state === 'closed');
    expect(ns).toEqual([11, 22]);
  });

  it('reports invalid JSON as DecodeError, skips that event, and goes on', async () => {
    const { log, options } = recorder();
    const { events } = await collect(['data: {"a":1}\n\n', 'data: {oops\n\n', 'data: 2\n\n'], { ...options, decode: 'json' });
    expect(events.map((e) => e.data)).toEqual([{ a: 1 }, 2]);
    expect(log.errors).toHaveLength(1);
    expect(log.errors[0]).toMatchObject({ code: 'DECODE', event: { type: 'message', data: '{oops' } });
    expect((log.errors[0] as SSEKitError).cause).toBeInstanceOf(SyntaxError);
  });

  it('uses a custom decode function with the event type', async () => {
    const { events } = await collect([sse('x', { event: 'a' })], { decode: (raw, type) => `${type}:${raw}` });
    expect(events[0]?.data).toBe('a:x');
  });

  it('validates with a Standard Schema (sync and async), in order, and skips failures', async () => {
    const schema = (async: boolean) => ({
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: (value: unknown) => {
          const result =
            typeof value === 'number' ? { value: value * 2 } : { issues: [{ message: 'expected a number' }] };
          return async ? new Promise<typeof result>((r) => setTimeout(() => r(result), 5)) : result;
        },
      },
    });
    const { log, options } = recorder();
    const { events } = await collect(
      [sse(1, { event: 'slow' }), sse(2, { event: 'fast' }), sse('"x"', { event: 'fast' }), sse(3, { event: 'slow' })],
      { ...options, decode: 'json', schemas: { slow: schema(true), fast: schema(false) } },
    );
    expect(events.map((e) => `${e.type}=${e.data}`)).toEqual(['slow=2', 'fast=4', 'slow=6']);
    expect(log.errors.map((e) => e.code)).toEqual(['DECODE']);
  });
});

describe('listeners', () => {
  it('a throwing listener becomes a HandlerError and the other listeners still run', async () => {
    server.use(scenarios.counter('/events', 2));
    const { log, options } = recorder();
    const stream = createEventStream(url, { ...options, reconnectOnEnd: false });
    const boom = new Error('boom');
    const after = vi.fn();
    stream.on('tick', () => {
      throw boom;
    });
    stream.on('tick', after);
    await waitFor(() => stream.state === 'closed');
    expect(after).toHaveBeenCalledTimes(2);
    expect(log.errors.map((e) => [e.code, e.cause])).toEqual([
      ['HANDLER', boom],
      ['HANDLER', boom],
    ]);
  });

  it('on() returns its own unsubscribe; message is the default type', async () => {
    server.use(scenarios.raw([sse(1), sse(2, { event: 'other' }), sse(3)]));
    const stream = createEventStream(url, { reconnectOnEnd: false });
    const got: unknown[] = [];
    const off = stream.on('message', (n) => {
      got.push(n);
      off();
    });
    await waitFor(() => stream.state === 'closed');
    expect(got).toEqual([1]);
  });

  it('delivers no event after close(), even from the same chunk', async () => {
    server.use(scenarios.raw([sse(1) + sse(2) + sse(3)]));
    const { log, options } = recorder();
    const stream = createEventStream(url, options);
    const got: unknown[] = [];
    stream.on('message', (n) => {
      got.push(n);
      stream.close();
      stream.close();
    });
    await waitFor(() => stream.state === 'closed');
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([1]);
    expect(log.closes).toEqual([{ reason: 'close', code: undefined }]);
  });

  it('closes when the signal aborts', async () => {
    server.use(scenarios.raw([sse(1)], '/events', { hold: true }));
    const controller = new AbortController();
    const { log, options } = recorder();
    const stream = createEventStream(url, { ...options, signal: controller.signal });
    await waitFor(() => stream.state === 'open');
    controller.abort();
    expect(stream.state).toBe('closed');
    expect(log.closes).toEqual([{ reason: 'close', code: undefined }]);
  });
});

describe('async iteration', () => {
  it('throws the fatal error that closed the stream', async () => {
    server.use(scenarios.status(404, 'gone'));
    const stream = createEventStream(url);
    await expect(take(stream, 5)).rejects.toMatchObject({ code: 'HTTP_STATUS', status: 404 });
  });

  it('breaking out of the loop closes the stream', async () => {
    server.use(scenarios.raw([sse(1), sse(2)], '/events', { hold: true }));
    const stream = createEventStream(url);
    expect(await take(stream, 1)).toHaveLength(1);
    expect(stream.state).toBe('closed');
  });

  it('drains queued events when the server ends a POST stream', async () => {
    server.use(scenarios.raw([sse(1) + sse(2) + sse(3)]));
    const stream = createEventStream(url, { reconnectOnEnd: false });
    const it = stream[Symbol.asyncIterator]();
    await waitFor(() => stream.state === 'closed');
    const values = [];
    for (let r = await it.next(); !r.done; r = await it.next()) values.push(r.value.data);
    expect(values).toEqual([1, 2, 3]);
  });

  it('pauses reading while a slow consumer has 1024 events queued, and loses none', async () => {
    const total = 5000;
    const body = Array.from({ length: total }, (_, i) => sse(i)).join('');
    server.use(scenarios.raw(bytePieces(body, 4096)));
    const stream = createEventStream(url, { reconnectOnEnd: false });
    let seen = 0;
    for await (const event of stream) {
      expect(event.data).toBe(seen++);
      if (seen % 500 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(seen).toBe(total);
  });
});

describe('bad input', () => {
  it('an event larger than maxEventSize is a fatal EventTooLargeError, with memory bounded', async () => {
    const { log, options } = recorder();
    const huge = Array.from({ length: 200 }, () => 'x'.repeat(1000));
    server.use(scenarios.raw([sse(1), 'data: ', ...huge, '\n\n', sse(2)]));
    const stream = createEventStream(url, { ...options, decode: 'text', maxEventSize: 10_000 });
    const got: unknown[] = [];
    await expect(
      (async () => {
        for await (const event of stream) got.push(event.data);
      })(),
    ).rejects.toMatchObject({ code: 'EVENT_TOO_LARGE', limit: 10_000 });
    expect(got).toEqual(['1']);
    expect(log.closes).toEqual([{ reason: 'error', code: 'EVENT_TOO_LARGE' }]);
  }, 10_000);

  it('raises no unhandled rejection on bad JSON, throwing listeners, throwing callbacks and fatal errors', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      server.use(scenarios.raw(['data: {bad\n\n', sse(1)]));
      const stream = createEventStream(url, {
        reconnectOnEnd: false,
        onStateChange: () => {
          throw new Error('callback');
        },
        onError: () => {
          throw new Error('onError too');
        },
      });
      stream.on('message', () => {
        throw new Error('listener');
      });
      await waitFor(() => stream.state === 'closed');
      server.use(scenarios.status(500, 'x'));
      const failing = createEventStream(url, { retry: { maxAttempts: 1, initialDelay: 1 } });
      await waitFor(() => failing.state === 'closed');
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('maxAttempts reached gives RetryExhaustedError with the last error as cause', async () => {
    server.use(scenarios.status(503, 'down'));
    const { log, options } = recorder();
    const stream = createEventStream(url, { ...options, retry: { maxAttempts: 2, initialDelay: 1 } });
    await waitFor(() => stream.state === 'closed');
    expect(log.retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(log.closes).toEqual([{ reason: 'error', code: 'RETRY_EXHAUSTED' }]);
    expect(log.errors.at(-1)?.cause).toMatchObject({ status: 503 });
  });
});
