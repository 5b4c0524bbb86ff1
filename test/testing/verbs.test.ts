// Every script verb, observed through both sse-kit transports: fetch (the kit's `fetch`) and native
// (the kit's `EventSource`, sse-kit's spec-exact class driven by the same script).
import { createEventStream, type SSEKitError, type StreamOptions } from 'sse-kit';
import { type MockServer, mockServer } from 'sse-kit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

type Events = { tick: { n: number }; message: string };
const url = 'http://sse.test/events';

afterEach(() => vi.useRealTimers());

/** A stream on `server` through one transport, recording what an app would observe. */
function connect(server: MockServer<Events>, transport: 'fetch' | 'native', options: StreamOptions<Events> = {}) {
  const log = {
    events: [] as [string, unknown, string][],
    errors: [] as SSEKitError[],
    retries: [] as (number | undefined)[],
    closes: [] as string[],
  };
  const stream = createEventStream<Events>(url, {
    ...(transport === 'fetch' ? { transport, fetch: server.fetch } : { transport, EventSource: server.EventSource }),
    retry: { initialDelay: 1, jitter: 'none' },
    onError: (error) => void log.errors.push(error),
    onRetry: ({ delay }) => void log.retries.push(delay),
    onClose: ({ reason }) => void log.closes.push(reason),
    ...options,
  });
  stream.on('tick', (data, event) => void log.events.push([event.type, data, event.id]));
  stream.on('message', (data, event) => void log.events.push([event.type, data, event.id]));
  return { stream, log };
}

describe.each(['fetch', 'native'] as const)('script verbs through the %s transport', (transport) => {
  it('event() writes typed events with ids; message events carry no event: line', async () => {
    const server = mockServer<Events>((s) => s.event('tick', { n: 1 }, { id: 1 }).event('message', 'hi').hang());
    const { stream, log } = connect(server, transport);
    await vi.waitFor(() => expect(log.events).toEqual([
      ['tick', { n: 1 }, '1'],
      ['message', 'hi', '1'],
    ]));
    stream.close();
  });

  it('id() moves the last id with an id-only block', async () => {
    const server = mockServer<Events>((s) => s.id(7).event('message', 'x').hang());
    const { stream, log } = connect(server, transport);
    await vi.waitFor(() => expect(log.events).toEqual([['message', 'x', '7']]));
    stream.close();
  });

  it('status() answers 503 with Retry-After, and the next attempt opens', async () => {
    const server = mockServer<Events>((s, { attempt }) => {
      if (attempt === 1) s.status(503, { 'retry-after': '0' }).raw('busy').end();
      else s.event('tick', { n: 1 }).hang();
    });
    const { stream, log } = connect(server, transport);
    await vi.waitFor(() => expect(log.events).toEqual([['tick', { n: 1 }, '']]));
    stream.close();
    // The native transport cannot see a status (the browser hides it): a retryable network error.
    expect(log.errors.map((e) => [e.code, (e as SSEKitError & { status?: number }).status])).toEqual(
      transport === 'fetch' ? [['HTTP_STATUS', 503]] : [['NETWORK', undefined]],
    );
    expect(server.connections).toHaveLength(2);
  });

  it('comment() is invisible but keeps a stall detector quiet', async () => {
    vi.useFakeTimers();
    const server = mockServer<Events>((s) =>
      s.event('tick', { n: 1 }).comment('ping').wait(300).comment().wait(300).comment('ping').wait(300).event('tick', { n: 2 }).hang(),
    );
    const { stream, log } = connect(server, transport, { heartbeatTimeout: 400 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(log.events.map(([, data]) => data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect([log.errors, server.connections.length]).toEqual([[], 1]);
    stream.close();
  });

  it('retry() sets the reconnection delay (fetch: the client waits it; native: the browser does)', async () => {
    vi.useFakeTimers();
    const server = mockServer<Events>((s, { attempt }) => (attempt === 1 ? s.retry(300).event('tick', { n: 1 }).end() : s.hang()));
    const { stream, log } = connect(server, transport);
    await vi.advanceTimersByTimeAsync(299);
    expect(server.connections).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(server.connections).toHaveLength(2);
    expect(log.retries).toEqual([transport === 'fetch' ? 300 : undefined]);
    stream.close();
  });

  it('raw() sends bytes as they are: a BOM, CRLF split across chunks, a field split, invalid UTF-8', async () => {
    const invalid = new Uint8Array([...new TextEncoder().encode('data: a'), 0xff, 0x0a, 0x0a]);
    const server = mockServer<Events>((s) =>
      s.raw('\uFEFFda', 'ta: a\r', '\n\r\nid: 7\nevent: ti', 'ck\ndata: {"n":', '1}\n\n', invalid).hang(),
    );
    const { stream, log } = connect(server, transport, { decode: 'text' });
    await vi.waitFor(() => expect(log.events).toEqual([
      ['message', 'a', ''],
      ['tick', '{"n":1}', '7'],
      ['message', 'a\uFFFD', '7'],
    ]));
    stream.close();
  });

  it('split() cuts every write into 1-byte chunks, multi-byte characters included', async () => {
    const server = mockServer<Events>((s) => s.split(1).event('message', 'é€😀', { id: 'é' }).hang());
    const { stream, log } = connect(server, transport);
    await vi.waitFor(() => expect(log.events).toEqual([['message', 'é€😀', 'é']]));
    stream.close();
  });

  it.each(['\r\n', '\r'] as const)('lineEnding(%j) ends every line the script writes with it', async (eol) => {
    const server = mockServer<Events>((s) => s.lineEnding(eol).event('tick', { n: 1 }, { id: 1 }).event('message', 'a\nb').hang());
    const { stream, log } = connect(server, transport);
    await vi.waitFor(() => expect(log.events).toEqual([
      ['tick', { n: 1 }, '1'],
      ['message', 'a\nb', '1'],
    ]));
    stream.close();
  });

  it('wait() pauses on the fake clock', async () => {
    vi.useFakeTimers();
    const server = mockServer<Events>((s) => s.event('tick', { n: 1 }).wait(1000).event('tick', { n: 2 }).hang());
    const { stream, log } = connect(server, transport);
    await vi.advanceTimersByTimeAsync(999);
    expect(log.events.map(([, data]) => data)).toEqual([{ n: 1 }]);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(() => expect(log.events.map(([, data]) => data)).toEqual([{ n: 1 }, { n: 2 }]));
    stream.close();
  });

  it('drop() cuts the connection mid-event; the client resumes from the last complete event', async () => {
    const server = mockServer<Events>((s, { attempt }) => {
      if (attempt === 1) s.retry(10).event('tick', { n: 1 }, { id: 1 }).raw('id: 2\ndata: {"n":').drop();
      else s.event('tick', { n: 2 }, { id: 2 }).hang();
    });
    const { stream, log } = connect(server, transport);
    await vi.waitFor(() => expect(log.events).toHaveLength(2));
    stream.close();
    await server.connections[1]?.ended;
    expect(log.events).toEqual([
      ['tick', { n: 1 }, '1'],
      ['tick', { n: 2 }, '2'],
    ]);
    expect(server.connections.map((c) => [c.outcome, c.lastEventId])).toEqual([
      ['drop', undefined],
      ['abort', '1'],
    ]);
    // fetch tells a drop from a clean end; the browser's EventSource reports both as an end.
    expect(log.errors.map((e) => e.code)).toEqual(transport === 'fetch' ? ['NETWORK'] : []);
  });

  it('end() ends cleanly: a GET stream reconnects', async () => {
    const server = mockServer<Events>((s, { attempt }) => (attempt === 1 ? s.retry(10).event('tick', { n: 1 }, { id: 1 }).end() : s.hang()));
    const { stream, log } = connect(server, transport);
    const second = await server.connection(2);
    stream.close();
    expect(server.connections[0]?.outcome).toBe('end');
    expect(second.lastEventId).toBe('1');
    expect(log.errors).toEqual([]);
  });

  it('hang() sends nothing more until the client gives up', async () => {
    vi.useFakeTimers();
    const server = mockServer<Events>((s, { attempt }) => (attempt === 1 ? s.event('tick', { n: 1 }).hang() : s.hang()));
    const { stream, log } = connect(server, transport, { heartbeatTimeout: 400 });
    await vi.advanceTimersByTimeAsync(600);
    if (transport === 'fetch') {
      // Stall detection is the fetch transport's (the browser hides comments, so native cannot).
      expect(log.errors).toMatchObject([{ code: 'TIMEOUT', phase: 'heartbeat' }]);
      expect(server.connections.map((c) => c.outcome)).toEqual(['abort', undefined]);
    } else {
      expect(server.connections.map((c) => c.outcome)).toEqual([undefined]);
    }
    stream.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(server.connections.every((c) => c.outcome === 'abort')).toBe(true);
    expect(log.events).toEqual([['tick', { n: 1 }, '']]);
  });
});

describe('verbs only the fetch transport can observe', () => {
  it('status(401) is fatal, with the body the script wrote', async () => {
    const server = mockServer<Events>((s) => s.status(401).raw('expired').end());
    const { stream, log } = connect(server, 'fetch');
    await vi.waitFor(() => expect(stream.state).toBe('closed'));
    expect(log.errors).toMatchObject([{ code: 'HTTP_STATUS', status: 401, body: 'expired' }]);
    expect(server.connections).toHaveLength(1);
  });

  it('status(204) closes for good', async () => {
    const server = mockServer<Events>((s) => s.status(204).end());
    const { stream, log } = connect(server, 'fetch');
    await vi.waitFor(() => expect(stream.state).toBe('closed'));
    expect(log.closes).toEqual(['no-content']);
  });

  it('status(200, html) is a ContentTypeError', async () => {
    const server = mockServer<Events>((s) => s.status(200, { 'Content-Type': 'text/html' }).raw('<html>').end());
    const { stream, log } = connect(server, 'fetch');
    await vi.waitFor(() => expect(stream.state).toBe('closed'));
    expect(log.errors).toMatchObject([{ code: 'CONTENT_TYPE', contentType: 'text/html' }]);
  });

  it('wait() before anything holds the response head back: a connect timeout', async () => {
    vi.useFakeTimers();
    const server = mockServer<Events>((s, { attempt }) => (attempt === 1 ? s.wait(10_000).event('tick', { n: 0 }) : s.event('tick', { n: 1 })));
    const { stream, log } = connect(server, 'fetch', { connectTimeout: 500 });
    await vi.advanceTimersByTimeAsync(600);
    expect(log.errors).toMatchObject([{ code: 'TIMEOUT', phase: 'connect' }]);
    expect(log.events).toEqual([['tick', { n: 1 }, '']]);
    expect(server.connections[0]?.outcome).toBe('abort');
    stream.close();
  });

  it('drop() before the head refuses the connection: a NetworkError, then a retry', async () => {
    const server = mockServer<Events>((s, { attempt }) => (attempt === 1 ? s.drop() : s.event('tick', { n: 1 })));
    const { stream, log } = connect(server, 'fetch');
    await vi.waitFor(() => expect(log.events).toHaveLength(1));
    stream.close();
    expect(log.errors.map((e) => [e.code, (e.cause as Error).name])).toEqual([['NETWORK', 'TypeError']]);
  });

  it('end() of a POST stream closes it without a second request', async () => {
    const server = mockServer<Events>((s) => s.event('message', 'answer').end());
    const { stream, log } = connect(server, 'fetch', { method: 'POST', body: '{"q":1}' });
    await vi.waitFor(() => expect(stream.state).toBe('closed'));
    expect(log.closes).toEqual(['end']);
    expect(server.connections.map((c) => [c.method, c.body])).toEqual([['POST', '{"q":1}']]);
  });
});
