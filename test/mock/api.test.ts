// The API added for 1.0 (once, onAny, opened, reconnect, the initial state) and the state machine's
// guarantees under re-entrant callbacks, over an injected fetch.
import { createEventStream, type EventStream, HandlerError, type StreamState } from 'sse-kit';
import { type Handler, mockServer } from 'sse-kit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

const url = 'http://sse.test/events';
type Events = { tick: { n: number }; note: string };

/** A mock server whose n-th connection runs the n-th script (the last one repeats). */
function scripted(...scripts: Handler<Events>[]) {
  const server = mockServer<Events>((s, connection) => scripts[Math.min(connection.attempt, scripts.length) - 1]!(s, connection));
  return { fetch: server.fetch, calls: server.connections };
}

const ticks =
  (...ns: number[]): Handler<Events> =>
  (s) => {
    s.comment(); // answers at once, even with no event
    for (const n of ns) s.event('tick', { n }, { id: n });
    s.hang();
  };
const status = (code: number): Handler<Events> => (s) => void s.status(code).end();
const never: Handler<Events> = (s) => void s.hang();

afterEach(() => vi.restoreAllMocks());

describe('once and onAny', () => {
  it('once() hears one event of its type, onAny() hears every type with its id', async () => {
    const { fetch } = scripted((s) => void s.event('tick', { n: 1 }, { id: 1 }).event('tick', { n: 2 }, { id: 2 }).event('note', 'hi', { id: 3 }).hang());
    const stream = createEventStream<Events>(url, { fetch });
    const once: number[] = [];
    const any: unknown[] = [];
    stream.once('tick', (tick) => once.push(tick.n));
    stream.onAny((event) => any.push(event));
    await vi.waitFor(() => expect(any).toHaveLength(3));
    expect(once).toEqual([1]);
    expect(any).toEqual([
      { type: 'tick', data: { n: 1 }, id: '1' },
      { type: 'tick', data: { n: 2 }, id: '2' },
      { type: 'note', data: 'hi', id: '3' },
    ]);
    stream.close();
  });

  it('the function onAny() returns stops it', async () => {
    const { fetch } = scripted(ticks(1));
    const stream = createEventStream<Events>(url, { fetch });
    const any = vi.fn();
    stream.onAny(any)();
    const tick = vi.fn();
    stream.on('tick', tick);
    await vi.waitFor(() => expect(tick).toHaveBeenCalled());
    expect(any).not.toHaveBeenCalled();
    stream.close();
  });
});

describe('listener arguments', () => {
  it('the event goes to listeners that declare it (or take ...rest), one object per event; with only (data) => … none is made', async () => {
    const { fetch } = scripted((s) => void s.event('tick', { n: 1 }, { id: 1 }).event('note', 'hi', { id: 2 }).hang());
    const stream = createEventStream<Events>(url, { fetch });
    const seen: unknown[][] = [];
    stream.on('tick', function (tick) {
      // biome-ignore lint/complexity/noArguments: what the listener was passed
      seen.push(['one', tick.n, arguments[1]]);
    });
    stream.on('note', (note, event) => seen.push(['two', note, event]));
    stream.on('note', (...args) => seen.push(['rest', ...args]));
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    stream.close();
    expect(seen[0]).toEqual(['one', 1, undefined]);
    expect(seen[1]).toEqual(['two', 'hi', { type: 'note', id: '2', data: '"hi"' }]);
    expect(seen[2]).toEqual(['rest', 'hi', { type: 'note', id: '2', data: '"hi"' }]);
    expect(seen[2]![2]).toBe(seen[1]![2]);
  });

  it('removing the last listener that declares the event stops making it; a throw from (data) => … still names its event', async () => {
    const { fetch } = scripted(ticks(1, 2));
    const errors: HandlerError[] = [];
    const stream = createEventStream<Events>(url, { fetch, onError: (error) => void errors.push(error as HandlerError) });
    const events: unknown[] = [];
    const off = stream.on('tick', (_tick, event) => events.push(event));
    off();
    off(); // twice: the count must not go below what is registered
    stream.on('tick', (tick) => {
      if (tick.n === 2) throw new Error('boom');
    });
    stream.on('tick', function (tick) {
      // biome-ignore lint/complexity/noArguments: what the listener was passed
      if (tick.n === 1) events.push(arguments[1]);
    });
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    stream.close();
    expect(events).toEqual([undefined]);
    expect(errors[0]).toBeInstanceOf(HandlerError);
    expect(errors[0]!.event).toEqual({ type: 'tick', id: '2', data: '{"n":2}' });
  });
});

describe('async iterators made late', () => {
  it('an iterator made after a fatal close throws its error; after close() it ends', async () => {
    const { fetch } = scripted(status(404));
    const failed = createEventStream(url, { fetch, onError: () => {} });
    await vi.waitFor(() => expect(failed.state).toBe('closed'));
    await expect(failed[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'HTTP_STATUS', status: 404 });
    const closed = createEventStream(url, { fetch: scripted(never).fetch });
    closed.close();
    await expect(closed[Symbol.asyncIterator]().next()).resolves.toEqual({ value: undefined, done: true });
  });
});

describe('opened()', () => {
  it('resolves once the stream is open, and at once when it already is', async () => {
    const { fetch } = scripted(ticks(1));
    const stream = createEventStream(url, { fetch });
    await stream.opened();
    expect(stream.state).toBe('open');
    await expect(stream.opened()).resolves.toBeUndefined();
    stream.close();
  });

  it('rejects with the fatal error that closed the stream', async () => {
    const { fetch } = scripted(status(404));
    const stream = createEventStream(url, { fetch, onError: () => {} });
    await expect(stream.opened()).rejects.toMatchObject({ code: 'HTTP_STATUS', status: 404 });
    await expect(stream.opened()).rejects.toMatchObject({ status: 404 });
  });

  it('rejects with an AbortError when closed before it opened', async () => {
    const { fetch } = scripted(never);
    const stream = createEventStream(url, { fetch });
    const opened = stream.opened();
    stream.close();
    await expect(opened).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('reconnect()', () => {
  it('drops the connection and resumes at once from the last id', async () => {
    const { fetch, calls } = scripted(ticks(1, 2), ticks(3));
    const states: StreamState[] = [];
    const stream = createEventStream<Events>(url, { fetch, onStateChange: (s) => void states.push(s) });
    const seen: number[] = [];
    stream.on('tick', (tick) => seen.push(tick.n));
    await vi.waitFor(() => expect(seen).toEqual([1, 2]));
    stream.reconnect();
    await vi.waitFor(() => expect(seen).toEqual([1, 2, 3]));
    expect(calls).toHaveLength(2);
    expect(calls[1]!.lastEventId).toBe('2');
    expect(states).toEqual(['connecting', 'open', 'connecting', 'open']);
    stream.close();
  });

  it('does nothing on a closed stream', async () => {
    const { fetch, calls } = scripted(ticks());
    const stream = createEventStream(url, { fetch });
    stream.close();
    stream.reconnect();
    await new Promise((r) => setTimeout(r, 20));
    expect(stream.state).toBe('closed');
    expect(calls.length).toBeLessThanOrEqual(1);
  });
});

describe('the initial state', () => {
  it('is reported after the constructor returns, so the callback can read the stream', async () => {
    const { fetch } = scripted(ticks());
    const seen: [StreamState, StreamState | undefined, string][] = [];
    const stream = createEventStream(url, {
      fetch,
      onStateChange: (state, previous) => void seen.push([state, previous, stream.url]),
    });
    expect(seen).toEqual([]);
    await vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(2));
    expect(seen.slice(0, 2)).toEqual([
      ['connecting', undefined, url],
      ['open', 'connecting', url],
    ]);
    stream.close();
  });
});

describe('re-entrant callbacks', () => {
  it.each(['onOpen', 'onStateChange'] as const)('close() inside %s: onClose once, nothing after it', async (name) => {
    const { fetch } = scripted(ticks(1));
    const onClose = vi.fn();
    const tick = vi.fn();
    const after: string[] = [];
    const stream: EventStream<Events> = createEventStream<Events>(url, {
      fetch,
      [name]: () => stream.close(),
      onClose: (info) => {
        onClose(info);
        stream.close();
      },
      onError: (error) => void after.push(error.code),
    });
    stream.on('tick', tick);
    await vi.waitFor(() => expect(onClose).toHaveBeenCalled());
    await new Promise((r) => setTimeout(r, 20));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onClose).toHaveBeenCalledWith({ reason: 'close' });
    expect(tick).not.toHaveBeenCalled();
    expect(after).toEqual([]);
  });

  it('reconnect() inside onRetry starts one attempt, not two', async () => {
    let reconnected = false;
    const { fetch, calls } = scripted(status(503), ticks(1));
    const stream = createEventStream<Events>(url, {
      fetch,
      retry: { initialDelay: 60_000 },
      onRetry: () => {
        if (reconnected) return;
        reconnected = true;
        stream.reconnect();
      },
      onError: () => {},
    });
    await vi.waitFor(() => expect(stream.state).toBe('open'));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toHaveLength(2);
    stream.close();
  });

  it('a throwing lifecycle callback is a HandlerError that names it, and the stream goes on', async () => {
    const { fetch } = scripted(ticks(1));
    const errors: HandlerError[] = [];
    const stream = createEventStream<Events>(url, {
      fetch,
      onOpen: () => {
        throw new Error('boom');
      },
      onError: (error) => void errors.push(error as HandlerError),
    });
    const tick = vi.fn();
    stream.on('tick', tick);
    await vi.waitFor(() => expect(tick).toHaveBeenCalled());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(HandlerError);
    expect(errors[0]).toMatchObject({ code: 'HANDLER', callback: 'onOpen', event: undefined });
    expect((errors[0]!.cause as Error).message).toBe('boom');
    stream.close();
  });
});

describe('a fatal error nobody listens to', () => {
  it('is printed once with console.error', async () => {
    const print = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { fetch } = scripted(status(404));
    const stream = createEventStream(url, { fetch });
    await vi.waitFor(() => expect(stream.state).toBe('closed'));
    expect(print).toHaveBeenCalledTimes(1);
    expect(print.mock.calls[0]![0]).toMatchObject({ code: 'HTTP_STATUS', status: 404 });
  });

  it.each([
    ['onError', { onError: () => {} }],
    ['onClose', { onClose: () => {} }],
  ])('is not printed when %s listens', async (_, options) => {
    const print = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { fetch } = scripted(status(404));
    const stream = createEventStream(url, { fetch, ...options });
    await vi.waitFor(() => expect(stream.state).toBe('closed'));
    expect(print).not.toHaveBeenCalled();
  });

  it('is not printed when a for-await loop gets it', async () => {
    const print = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { fetch } = scripted(status(404));
    const stream = createEventStream(url, { fetch });
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toMatchObject({ status: 404 });
    expect(print).not.toHaveBeenCalled();
  });
});
