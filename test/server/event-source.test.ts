// sse-kit's EventSource class: its interface, the extras browsers lack (headers, method, body,
// fetch), exact reconnection timing under fake timers, task ordering, close(), tree-shaking.
// Wire-level behaviour against the spec lives in event-source-conformance.test.ts.
import { build } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventStream, EventSource } from '../../src/index.js';
import { sseHead, startServer, type TestServer } from '../helpers/http-server.js';
import { waitFor } from '../helpers/recorder.js';
import { sseResponse } from '../helpers/streams.js';

const URL_ = 'https://sse.test/events';
let server: TestServer | undefined;
const sources: EventSource[] = [];
afterEach(async () => {
  for (const source of sources.splice(0)) source.close();
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

/** An EventSource that afterEach closes. */
function open(url: string | URL, init?: ConstructorParameters<typeof EventSource>[1]): EventSource {
  const source = new EventSource(url, init);
  sources.push(source);
  return source;
}

/** A fetch that answers the n-th call with `responses[n]()`, and never answers beyond them (until aborted). */
function scriptedFetch(...responses: (() => Response)[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (url: string, init: RequestInit): Promise<Response> => {
    calls.push({ url, init });
    const make = responses[calls.length - 1];
    if (make) return Promise.resolve(make());
    return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('Aborted', 'AbortError'))));
  };
  return { fetch, calls };
}

/** Every open/message/error event as `type readyState data lastEventId`. */
function record(source: EventSource, ...types: string[]): string[] {
  const log: string[] = [];
  for (const type of ['open', 'message', 'error', ...types]) {
    source.addEventListener(type, (event: Event) => {
      const m = event as MessageEvent;
      log.push([type, source.readyState, ...('data' in event ? [m.data, m.lastEventId] : [])].join(' '));
    });
  }
  return log;
}

describe('EventSource interface', () => {
  it('has the readyState constants on the class and its instances, not as own properties', () => {
    const source = open(URL_, scriptedFetch());
    expect([EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED]).toEqual([0, 1, 2]);
    expect([source.CONNECTING, source.OPEN, source.CLOSED]).toEqual([0, 1, 2]);
    expect(Object.keys(source)).toEqual([]);
    expect(source).toBeInstanceOf(EventTarget);
  });

  it('is CONNECTING right after construction and CLOSED right after close()', () => {
    const source = open(URL_, scriptedFetch());
    expect(source.readyState).toBe(EventSource.CONNECTING);
    source.close();
    expect(source.readyState).toBe(EventSource.CLOSED);
  });

  it('serializes the URL and reports withCredentials', () => {
    expect(open('https://sse.test/a b?x=é', scriptedFetch()).url).toBe('https://sse.test/a%20b?x=%C3%A9');
    expect(open(new URL(URL_), scriptedFetch()).withCredentials).toBe(false);
    expect(open(URL_, { ...scriptedFetch(), withCredentials: true }).withCredentials).toBe(true);
  });

  it('throws a SyntaxError DOMException for an invalid URL, and for a relative one without a page', () => {
    const { fetch, calls } = scriptedFetch();
    for (const url of ['http://this is invalid/', '/events']) {
      const error = (() => {
        try {
          new EventSource(url, { fetch });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(DOMException);
      expect((error as DOMException).name).toBe('SyntaxError');
    }
    expect(calls).toEqual([]);
  });

  it('resolves a relative URL against the document base URL', () => {
    vi.stubGlobal('document', { baseURI: 'https://app.test/app/page' });
    try {
      const { fetch, calls } = scriptedFetch();
      expect(open('events?x=1', { fetch }).url).toBe('https://app.test/app/events?x=1');
      expect(calls[0]?.url).toBe('https://app.test/app/events?x=1');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('rejects a body on GET and a negative reconnection time at the call', () => {
    expect(() => new EventSource(URL_, { ...scriptedFetch(), body: 'x' })).toThrow(TypeError);
    expect(() => new EventSource(URL_, { ...scriptedFetch(), reconnectionTime: -1 })).toThrow(RangeError);
  });

  it('asks for credentials only with withCredentials (fetch defaults to same-origin)', () => {
    const plain = scriptedFetch();
    const credentialed = scriptedFetch();
    open(URL_, plain);
    open(URL_, { ...credentialed, withCredentials: true });
    expect(plain.calls[0]?.init.credentials).toBeUndefined();
    expect(credentialed.calls[0]?.init.credentials).toBe('include');
    expect(plain.calls[0]?.init.cache).toBe('no-store');
  });
});

describe('event handler attributes', () => {
  const dispatch = (source: EventSource) => source.dispatchEvent(new MessageEvent('message', { data: 'x' }));

  it('start null, hold the function given, and treat a non-function as null', () => {
    const source = open(URL_, scriptedFetch());
    expect([source.onopen, source.onmessage, source.onerror]).toEqual([null, null, null]);
    const fn = () => {};
    source.onmessage = fn;
    expect(source.onmessage).toBe(fn);
    source.onmessage = 'nope' as unknown as null;
    expect(source.onmessage).toBeNull();
  });

  it('keep the place of the first assignment when replaced, and move to the end after null', () => {
    const source = open(URL_, scriptedFetch());
    const order: string[] = [];
    source.onmessage = () => order.push('A');
    source.addEventListener('message', () => order.push('listener'));
    source.onmessage = () => order.push('C');
    dispatch(source);
    source.onmessage = null;
    source.onmessage = () => order.push('D');
    dispatch(source);
    expect(order).toEqual(['C', 'listener', 'listener', 'D']);
  });

  it('call the handler with the EventSource as this, for its own event type only', async () => {
    const { fetch } = scriptedFetch(() => sseResponse(['event: tick\ndata: 1\n\ndata: 2\n\n'], { hold: true }));
    const source = open(URL_, { fetch });
    const seen: unknown[] = [];
    source.onmessage = function (event) {
      seen.push(this === source, event.data);
    };
    const ticks = record(source, 'tick');
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual([true, '2']);
    expect(ticks).toEqual(['open 1', 'tick 1 1 ', 'message 1 2 ']);
  });
});

describe('requests', () => {
  it('sends its headers, method and body on every connection, and Last-Event-ID on reconnection', async () => {
    server = await startServer((_req, res, index) => {
      sseHead(res);
      if (index === 0) res.end('retry: 10\nid: 7\ndata: a\n\n');
    });
    const bodies: string[] = [];
    server.server.on('request', (req) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk)).on('end', () => bodies.push(body));
    });
    const source = open(`${server.url}/stream`, { method: 'POST', body: 'q=1', headers: { authorization: 'Bearer t', accept: 'text/html' } });
    await waitFor(() => server!.requests.length === 2 && bodies.length === 2 && source.readyState === EventSource.OPEN);
    const [first, second] = server.requests.map((r) => ({ method: r.method, ...r.headers }));
    expect(first).toMatchObject({ method: 'POST', authorization: 'Bearer t', accept: 'text/event-stream' });
    expect(first).not.toHaveProperty('last-event-id');
    expect(second).toMatchObject({ method: 'POST', authorization: 'Bearer t', 'last-event-id': '7' });
    expect(bodies).toEqual(['q=1', 'q=1']);
    expect(source.readyState).toBe(EventSource.OPEN);
  });

  it('keeps the given URL after a redirect and reports the final origin', async () => {
    const final = await startServer((_req, res) => {
      sseHead(res);
      res.end('data: x\n\n');
    });
    server = await startServer((_req, res) => void res.writeHead(302, { location: `${final.url}/final` }).end());
    try {
      const source = open(`${server.url}/start`);
      const origins: string[] = [];
      source.onmessage = (event) => origins.push(event.origin);
      await waitFor(() => origins.length === 1);
      expect(origins).toEqual([final.url]);
      expect(source.url).toBe(`${server.url}/start`);
    } finally {
      await final.close();
    }
  });
});

describe('reconnection timing', () => {
  // Queued tasks run in a setImmediate (not faked here): no clock time passes between the
  // reconnection timer and the request.
  /** Lets fetch and stream promises settle and due tasks run, without moving the clock. */
  const flush = async () => {
    for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
  };

  it('waits the default 3000 ms, and fires error with CONNECTING before waiting', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fetch, calls } = scriptedFetch(() => sseResponse(['data: a\n\n']), () => sseResponse(['data: b\n\n'], { hold: true }));
    const log = record(open(URL_, { fetch }));
    await flush();
    expect(log).toEqual(['open 1', 'message 1 a ', 'error 0']);
    await vi.advanceTimersByTimeAsync(2999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(10);
    expect(log.slice(3)).toEqual(['open 1', 'message 1 b ']);
  });

  it("waits exactly the server's retry: time, kept for later reconnections", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fetch, calls } = scriptedFetch(
      () => sseResponse(['retry: 500\ndata: a\n\n']),
      () => sseResponse(['data: b\n\n']),
      () => sseResponse([], { hold: true }),
    );
    open(URL_, { fetch });
    await flush();
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(calls).toHaveLength(3);
  });

  it('caps a retry: time beyond the longest timer instead of reconnecting at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fetch, calls } = scriptedFetch(() => sseResponse(['retry: 99999999999\ndata: a\n\n']));
    open(URL_, { fetch });
    await flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
  });

  it('close() during the reconnection wait cancels it: no request, no event', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fetch, calls } = scriptedFetch(() => sseResponse(['retry: 100\ndata: a\n\n']), () => sseResponse(['data: b\n\n']));
    const source = open(URL_, { fetch });
    const log = record(source);
    await flush();
    source.close();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(1);
    expect(log).toEqual(['open 1', 'message 1 a ', 'error 0']);
    expect(source.readyState).toBe(EventSource.CLOSED);
  });
});

describe('tasks and close()', () => {
  it('dispatches each event in its own task: microtasks run between events of one chunk', async () => {
    const { fetch } = scriptedFetch(() => sseResponse(['data: 1\n\ndata: 2\n\n'], { hold: true }));
    const source = open(URL_, { fetch });
    const log: string[] = [];
    source.onmessage = (event) => {
      log.push(`event ${event.data}`);
      queueMicrotask(() => log.push(`microtask ${event.data}`));
    };
    await waitFor(() => log.length === 4);
    expect(log).toEqual(['event 1', 'microtask 1', 'event 2', 'microtask 2']);
  });

  it('dispatches nothing after close() from a microtask queued by a listener', async () => {
    const { fetch } = scriptedFetch(() => sseResponse(['data: 1\n\ndata: 2\n\n']));
    const source = open(URL_, { fetch });
    const log = record(source);
    source.onmessage = () => queueMicrotask(() => source.close());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(log).toEqual(['open 1', 'message 1 1 ']);
  });

  it('close() while connecting aborts the request without events or unhandled rejections', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      server = await startServer(() => {}); // never answers
      const source = open(`${server.url}/slow`);
      const log = record(source);
      await waitFor(() => server!.requests.length === 1);
      const aborted = new Promise((resolve) => server!.requests[0]!.socket.once('close', resolve));
      source.close();
      await aborted;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(log).toEqual([]);
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('fails the connection on an event larger than maxEventSize, without reconnecting', async () => {
    // Split across reads: the limit bounds what the parser buffers while it waits for the blank line.
    const { fetch, calls } = scriptedFetch(() => sseResponse([`data: ${'x'.repeat(40)}`, 'x'.repeat(40), 'x'.repeat(40), '\n\n']));
    const log = record(open(URL_, { fetch, maxEventSize: 50, reconnectionTime: 0 }));
    await waitFor(() => log.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(log).toEqual(['open 1', 'error 2']);
    expect(calls).toHaveLength(1);
  });
});

describe('packaging', () => {
  const bundle = async (contents: string) => {
    const result = await build({
      stdin: { contents, resolveDir: process.cwd(), loader: 'ts' },
      bundle: true,
      minify: true,
      format: 'esm',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    return result.outputFiles[0]!.text;
  };

  it('tree-shakes away from an app that imports only createEventStream', async () => {
    const marker = 'invalid EventSource URL';
    const core = await bundle(`import { createEventStream } from './src/index.ts'; globalThis.s = createEventStream;`);
    const withClass = await bundle(`import { EventSource } from './src/index.ts'; globalThis.s = EventSource;`);
    expect(withClass).toContain(marker);
    expect(core).not.toContain(marker);
    expect(typeof createEventStream).toBe('function');
  });
});
