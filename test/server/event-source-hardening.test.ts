// sse-kit's EventSource class against hostile or careless input: ids that cannot travel as a
// header, fast streams that must not starve the process, URLs and options that could only ever
// fail (refused at construction instead of erroring forever), and the `code`/`message` that
// error events carry (as in the `eventsource` package).
import { afterEach, describe, expect, it } from 'vitest';
import { EventSource } from '../../src/index.js';
import { sseHead, startServer, type TestServer } from '../helpers/http-server.js';
import { waitFor } from '../helpers/recorder.js';
import { sseResponse } from '../helpers/streams.js';

const URL_ = 'https://sse.test/events';
type Init = ConstructorParameters<typeof EventSource>[1];

let server: TestServer | undefined;
const sources: EventSource[] = [];
afterEach(async () => {
  for (const source of sources.splice(0)) source.close();
  await server?.close();
  server = undefined;
});

/** An EventSource that afterEach closes. */
function open(url: string | URL, init?: Init): EventSource {
  const source = new EventSource(url, init);
  sources.push(source);
  return source;
}

/** A fetch that never answers (until aborted), recording its calls. */
function silentFetch() {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (url: string, init: RequestInit): Promise<Response> => {
    calls.push({ url, init });
    return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('Aborted', 'AbortError'))));
  };
  return { fetch, calls };
}

/** What the constructor throws, or undefined. */
function thrown(url: string, init?: Init): unknown {
  try {
    open(url, init);
  } catch (error) {
    return error;
  }
  return undefined;
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Last-Event-ID that cannot travel as a header value', () => {
  /** Serves `id: <id>` then ends, and records each request's Last-Event-ID. */
  async function resumeWith(id: string) {
    const seen: (string | undefined)[] = [];
    server = await startServer((req, res, index) => {
      seen.push(req.headers['last-event-id'] as string | undefined);
      sseHead(res);
      if (index === 0) res.end(`retry: 5\nid: ${id}\ndata: x\n\n`);
    });
    const source = open(`${server.url}/`);
    const ids: string[] = [];
    source.onmessage = (event) => ids.push(event.lastEventId);
    await waitFor(() => seen.length === 2 && source.readyState === EventSource.OPEN, 3000, 'the reconnection');
    return { seen, ids };
  }

  it.each([
    ['a control character', 'a\x01b'],
    ['a tab', 'a\tb'],
    ['DEL', 'a\x7fb'],
    ['more than 1024 UTF-8 bytes', 'é'.repeat(513)],
  ])('reconnects without Last-Event-ID when the id has %s, and events still report the id', async (_, id) => {
    const { seen, ids } = await resumeWith(id);
    expect(seen).toEqual([undefined, undefined]);
    expect(ids).toEqual([id]);
  });

  it('still sends an id of exactly 1024 UTF-8 bytes, as its bytes', async () => {
    const id = `${'é'.repeat(511)}ab`;
    const { seen } = await resumeWith(id);
    expect(seen[1]).toBe(Buffer.from(id, 'utf8').toString('latin1'));
  });

  it('does not send a Last-Event-ID header given in headers once the stream has an unsendable id', async () => {
    const seen: (string | undefined)[] = [];
    server = await startServer((req, res, index) => {
      seen.push(req.headers['last-event-id'] as string | undefined);
      sseHead(res);
      if (index === 0) res.end('retry: 5\nid: a\x02\ndata: x\n\n');
    });
    const source = open(`${server.url}/`, { headers: { 'last-event-id': 'from-app' } });
    await waitFor(() => seen.length === 2 && source.readyState === EventSource.OPEN);
    expect(seen).toEqual(['from-app', undefined]);
  });
});

describe('dispatch under a fast stream', () => {
  /** A body of `reads` network reads of `perRead` events each, counting how many reads were pulled. */
  function fastBody(reads: number, perRead: number) {
    const chunk = new TextEncoder().encode('data: x\n\n'.repeat(perRead));
    const state = { pulls: 0 };
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (state.pulls++ < reads) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const fetch = () => Promise.resolve(new Response(body, { headers: { 'content-type': 'text/event-stream' } }));
    return { fetch, state };
  }

  it('dispatches the events of one network read in one macrotask, in order', async () => {
    const { fetch } = fastBody(2, 3);
    const source = open(URL_, { fetch });
    const log: string[] = [];
    let n = 0;
    source.onmessage = () => {
      log.push(`event ${++n}`);
      if (n === 1) setImmediate(() => log.push('immediate'));
    };
    await waitFor(() => n === 6 && log.includes('immediate'));
    expect(log.filter((entry) => entry !== 'immediate')).toEqual(['event 1', 'event 2', 'event 3', 'event 4', 'event 5', 'event 6']);
    expect(log.indexOf('immediate')).toBeGreaterThan(2);
  });

  it('lets a timer set by a listener run long before a 50,000-event burst is dispatched', async () => {
    const { fetch } = fastBody(500, 100);
    const source = open(URL_, { fetch });
    let n = 0;
    let atTimer = -1;
    source.onmessage = () => {
      if (++n === 1) setTimeout(() => (atTimer = n), 0);
    };
    await waitFor(() => n === 50_000, 9000, 'every event');
    expect(atTimer).toBeGreaterThan(0);
    expect(atTimer).toBeLessThan(25_000);
  });

  it('lets timers run between events of one read when listeners are slow (8 ms slices)', async () => {
    const { fetch } = fastBody(1, 64);
    const source = open(URL_, { fetch });
    let n = 0;
    let atTimer = -1;
    source.onmessage = () => {
      if (++n === 1) setTimeout(() => (atTimer = n), 0);
      const until = Date.now() + 2;
      while (Date.now() < until); // a listener that takes 2 ms
    };
    await waitFor(() => n === 64, 5000, 'every event');
    expect(atTimer).toBeGreaterThan(0);
    expect(atTimer).toBeLessThan(64);
  });

  it('reads ahead of dispatch by about 1 MiB at most (memory stays bounded)', async () => {
    // 500 reads of 100 events of 1 character: 5.1 MiB by the queue's measure (128 per event).
    const { fetch, state } = fastBody(500, 100);
    const source = open(URL_, { fetch });
    let pullsAtFirstEvent = -1;
    source.onmessage = () => {
      if (pullsAtFirstEvent < 0) pullsAtFirstEvent = state.pulls;
    };
    await waitFor(() => pullsAtFirstEvent >= 0);
    expect(pullsAtFirstEvent).toBeLessThan(100);
  });

  it('stops the rest of a read when a listener calls close()', async () => {
    const { fetch } = fastBody(1, 5);
    const source = open(URL_, { fetch });
    const seen: number[] = [];
    source.onmessage = () => {
      seen.push(seen.length + 1);
      if (seen.length === 2) source.close();
    };
    await waitFor(() => seen.length === 2);
    await tick(20);
    expect(seen).toEqual([1, 2]);
  });
});

describe('URLs refused at construction', () => {
  it.each(['javascript:alert(1)', 'file:///etc/passwd', 'ftp://example.com/x', 'data:text/event-stream,data: x', 'ws://example.com/'])(
    'throws a SyntaxError DOMException for %s and makes no request',
    (url) => {
      const { fetch, calls } = silentFetch();
      const error = thrown(url, { fetch });
      expect(error).toBeInstanceOf(DOMException);
      expect((error as DOMException).name).toBe('SyntaxError');
      expect(calls).toEqual([]);
    },
  );

  it('redacts query values and passwords from the message', () => {
    const { fetch } = silentFetch();
    for (const url of ['ftp://user:hunter2@example.com/x?token=s3cret&a=1', 'http://bad host/?token=s3cret']) {
      const message = (thrown(url, { fetch }) as DOMException).message;
      expect(message).not.toMatch(/s3cret|hunter2/);
      expect(message).toContain('token=***');
    }
  });

  it('refuses a URL with credentials (fetch would reject it on every reconnection)', () => {
    const { fetch, calls } = silentFetch();
    const error = thrown('https://user:pass@example.com/events', { fetch });
    expect((error as DOMException).name).toBe('SyntaxError');
    expect((error as DOMException).message).not.toContain('pass@');
    expect(calls).toEqual([]);
  });
});

describe('options refused at construction', () => {
  it.each<[string, Init]>([
    ['a header value with a control character', { headers: { 'x-a': 'a\x01b' } }],
    ['a header value with CR LF', { headers: { 'x-a': 'a\r\nx-injected: 1' } }],
    ['a header name that is not a token', { headers: { 'x a': '1' } }],
    ['a forbidden method', { method: 'CONNECT' }],
    ['a method that is not a token', { method: 'GE T' }],
    ['HEAD, which has no body to stream', { method: 'HEAD' }],
    ['a ReadableStream body, which cannot be sent again', { method: 'POST', body: new ReadableStream() }],
    ['a fetch that is not a function', { fetch: 'fetch' as unknown as typeof globalThis.fetch }],
    ['a non-boolean withCredentials', { withCredentials: 'false' as unknown as boolean }],
    ['a non-number reconnectionTime', { reconnectionTime: '10' as unknown as number }],
    ['a non-number maxEventSize', { maxEventSize: '10' as unknown as number }],
  ])('throws a TypeError for %s, before any request', (_, init) => {
    const { fetch, calls } = silentFetch();
    expect(thrown(URL_, { fetch, ...init })).toBeInstanceOf(TypeError);
    expect(calls).toEqual([]);
  });

  it('accepts null as init, like browsers', () => {
    expect(() => open('http://127.0.0.1:9/', null as unknown as Init)).not.toThrow();
  });

  it('sends headers given as a one-shot iterable on every connection', async () => {
    const seen: unknown[] = [];
    server = await startServer((req, res, index) => {
      seen.push(req.headers['x-token']);
      sseHead(res);
      if (index === 0) res.end('retry: 5\ndata: x\n\n');
    });
    function* headers(): Generator<[string, string]> {
      yield ['x-token', 't'];
    }
    const source = open(`${server.url}/`, { headers: headers() as unknown as HeadersInit });
    await waitFor(() => seen.length === 2 && source.readyState === EventSource.OPEN);
    expect(seen).toEqual(['t', 't']);
  });

  it('waits at most 2^31-1 ms for a huge reconnectionTime instead of reconnecting at once', async () => {
    const calls: string[] = [];
    const fetch = (url: string) => {
      calls.push(url);
      return Promise.resolve(sseResponse(['data: a\n\n']));
    };
    const source = open(URL_, { fetch, reconnectionTime: 2 ** 40 });
    await waitFor(() => source.readyState === EventSource.CONNECTING && calls.length === 1);
    await tick(50);
    expect(calls).toHaveLength(1);
  });

  it('waits at most 2^31-1 ms for a retry: of hundreds of digits instead of reconnecting at once', async () => {
    const calls: string[] = [];
    const fetch = (url: string) => {
      calls.push(url);
      return Promise.resolve(sseResponse([`retry: ${'9'.repeat(400)}\ndata: a\n\n`]));
    };
    const source = open(URL_, { fetch });
    await waitFor(() => source.readyState === EventSource.CONNECTING && calls.length === 1);
    await tick(50);
    expect(calls).toHaveLength(1);
  });
});

describe('error events carry code and message (as in the eventsource package)', () => {
  /** The first error event of a source, with readyState at dispatch. */
  async function firstError(init: Init, url = URL_) {
    const source = open(url, init);
    const errors: { readyState: number; code: unknown; message: unknown }[] = [];
    source.onerror = (event) => errors.push({ readyState: source.readyState, code: event.code, message: event.message });
    await waitFor(() => errors.length > 0);
    return errors[0]!;
  }
  const answer = (response: () => Response) => ({ fetch: () => Promise.resolve(response()), reconnectionTime: 5 });

  it.each([404, 500, 204, 201])('a %i response: code is the status, message names it, connection closed', async (status) => {
    const error = await firstError(answer(() => new Response(status === 204 ? null : 'nope', { status })));
    expect(error).toMatchObject({ readyState: EventSource.CLOSED, code: status });
    expect(error.message).toContain(String(status));
  });

  it('a 200 with the wrong content type: code 200, message names the type', async () => {
    const error = await firstError(answer(() => sseResponse(['{}'], { contentType: 'application/json' })));
    expect(error).toMatchObject({ readyState: EventSource.CLOSED, code: 200 });
    expect(error.message).toContain('application/json');
  });

  it('a network error: no code, a message that says what failed, reconnecting', async () => {
    server = await startServer(() => {});
    const url = `${server.url}/?token=s3cret`;
    await server.close();
    const error = await firstError({ reconnectionTime: 5 }, url);
    expect(error).toMatchObject({ readyState: EventSource.CONNECTING, code: undefined });
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).not.toContain('s3cret');
  });

  it('the end of the stream: no code, a message, reconnecting', async () => {
    const error = await firstError(answer(() => sseResponse(['data: a\n\n'])));
    expect(error).toMatchObject({ readyState: EventSource.CONNECTING, code: undefined });
    expect(typeof error.message).toBe('string');
  });

  it('an event larger than maxEventSize: the message says so, connection closed', async () => {
    // Split across reads: the limit bounds what the parser buffers while it waits for the blank line.
    const error = await firstError({ ...answer(() => sseResponse([`data: ${'x'.repeat(40)}`, 'x'.repeat(40), '\n\n'])), maxEventSize: 50 });
    expect(error).toMatchObject({ readyState: EventSource.CLOSED });
    expect(error.message).toMatch(/maxEventSize|larger/i);
  });
});
