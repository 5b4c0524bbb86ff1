// The same scripts served through msw (any method and path, msw passed in by the test) and through
// a real node:http socket (for Playwright pages and wire tests).
import { fileURLToPath } from 'node:url';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { createEventStream, EventSource } from 'sse-kit';
import { type Listening, mockServer } from 'sse-kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

type Chat = { token: { t: string }; done: { reason: string } };

describe('through msw', () => {
  const msw = setupServer();
  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => msw.resetHandlers());
  afterAll(() => msw.close());

  it('serves a POST stream at any path with handler(http, method, path)', async () => {
    const server = mockServer<Chat>((s, { body }) => {
      const { prompt } = JSON.parse(body) as { prompt: string };
      s.event('token', { t: prompt.toUpperCase() }).event('done', { reason: 'stop' }).end();
    });
    msw.use(server.handler(http, 'post', 'https://api.test/v1/chat/:id'));
    const stream = createEventStream<Chat>('https://api.test/v1/chat/42', { method: 'POST', body: '{"prompt":"hi"}' });
    const seen: string[] = [];
    for await (const event of stream) seen.push(event.type === 'token' ? event.data.t : event.data.reason);
    expect(seen).toEqual(['HI', 'stop']);
    expect(server.connections).toMatchObject([{ method: 'POST', path: '/v1/chat/42' }]);
  });

  it('serves with http.all(path, server.resolver), next to ordinary msw handlers', async () => {
    const server = mockServer((s, { attempt }) => (attempt === 1 ? s.event('message', 1, { id: 1 }).drop() : s.event('message', 2).hang()));
    msw.use(http.all('https://api.test/events', server.resolver), http.get('https://api.test/user', () => HttpResponse.json({ name: 'ada' })));
    const stream = createEventStream('https://api.test/events', { retry: { initialDelay: 1 } });
    const got: unknown[] = [];
    stream.on('message', (n) => got.push(n));
    await vi.waitFor(() => expect(got).toEqual([1, 2]));
    expect(await (await fetch('https://api.test/user')).json()).toEqual({ name: 'ada' });
    stream.close();
    expect(await server.connections[1]?.ended).toBe('abort');
    expect(server.connections.map((c) => [c.outcome, c.lastEventId])).toEqual([
      ['drop', undefined],
      ['abort', '1'],
    ]);
  });

  it('drop() before the head is a failed fetch through msw too', async () => {
    const server = mockServer((s, { attempt }) => (attempt === 1 ? s.drop() : s.event('message', 'ok').end()));
    msw.use(server.handler(http, 'get', 'https://api.test/events'));
    const errors: string[] = [];
    const stream = createEventStream('https://api.test/events', { retry: { initialDelay: 1 }, reconnectOnEnd: false, onError: (e) => errors.push(e.code) });
    const got = [];
    for await (const event of stream) got.push(event.data);
    expect([got, errors]).toEqual([['ok'], ['NETWORK']]);
  });
});

describe('through msw, quietly', () => {
  const msw = setupServer();
  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => msw.close());

  it('a client that gives up before the response head leaves msw nothing to complain about', async () => {
    const server = mockServer((s, { attempt }) => (attempt === 1 ? s.wait(10_000).event('message', 0) : s.event('message', 1)));
    msw.use(server.handler(http, 'get', 'https://api.test/slow'));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const errors: string[] = [];
    const stream = createEventStream('https://api.test/slow', { connectTimeout: 50, retry: { initialDelay: 1 }, onError: (e) => errors.push(e.code) });
    const got: unknown[] = [];
    stream.on('message', (m) => got.push(m));
    await vi.waitFor(() => expect(got).toEqual([1]));
    stream.close();
    expect([errors, server.connections[0]?.outcome]).toEqual([['TIMEOUT'], 'abort']);
    expect(logged).not.toHaveBeenCalled();
    logged.mockRestore();
  });
});

describe('through a real node:http socket', () => {
  let listening: Listening | undefined;
  afterEach(() => listening?.close());

  it('serves every verb over the wire, and resumes after a drop with Last-Event-ID', async () => {
    const server = mockServer<{ tick: { n: number } }>((s, { attempt, lastEventId }) => {
      if (attempt === 1) s.retry(5).comment('hi').split(3).event('tick', { n: 1 }, { id: 1 }).raw('data: {"n":').drop();
      else s.status(200, { 'x-resumed': String(lastEventId) }).event('tick', { n: Number(lastEventId) + 1 }, { id: 2 }).end();
    });
    listening = await server.listen();
    const stream = createEventStream<{ tick: { n: number } }>(`${listening.url}/events`, { reconnectOnEnd: false });
    const got: unknown[] = [];
    for await (const event of stream) got.push([event.data.n, event.id]);
    expect(got).toEqual([
      [1, '1'],
      [2, '2'],
    ]);
    expect(server.connections.map((c) => [c.outcome, c.lastEventId, c.headers.accept])).toEqual([
      ['drop', undefined, 'text/event-stream'],
      ['end', '1', 'text/event-stream'],
    ]);
  });

  it('hang() holds the socket until the client closes; close() drops what is still open', async () => {
    const server = mockServer((s, { attempt }) => (attempt === 1 ? s.status(200).hang() : s.status(200)));
    listening = await server.listen();
    const first = new EventSource(`${listening.url}/a`);
    const second = new EventSource(`${listening.url}/b`);
    await vi.waitFor(() => expect([first.readyState, second.readyState]).toEqual([1, 1]));
    first.close();
    expect(await server.connections[0]?.ended).toBe('abort');
    const errored = new Promise((resolve) => (second.onerror = resolve));
    await server.close();
    await errored;
    second.close();
    expect(server.connections.map((c) => c.outcome)).toEqual(['abort', 'drop']);
  });

  it('answers CORS preflights without recording them, and allows the page origin', async () => {
    const server = mockServer((s) => s.event('message', 'ok').end());
    listening = await server.listen();
    const preflight = await fetch(`${listening.url}/events`, {
      method: 'OPTIONS',
      headers: { origin: 'http://page.test', 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' },
    });
    expect([preflight.status, preflight.headers.get('access-control-allow-headers')]).toEqual([204, 'last-event-id']);
    const response = await fetch(`${listening.url}/events`, { headers: { origin: 'http://page.test' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('http://page.test');
    expect(await response.text()).toBe('data: "ok"\n\n');
    expect(server.connections).toHaveLength(1);
  });
});

describe('through the EventSource class, for apps that use EventSource directly', () => {
  it('opens, dispatches, and reconnects after retry: with Last-Event-ID, as browsers do', async () => {
    const server = mockServer((s, { attempt }) => (attempt === 1 ? s.retry(10).event('tick', 'a', { id: 1 }).end() : s.event('tick', 'b').hang()), {
      encode: 'text',
    });
    const source = new server.EventSource('http://sse.test/events');
    const seen: string[] = [];
    source.onopen = () => seen.push(`open ${source.readyState}`);
    source.onerror = () => seen.push(`error ${source.readyState}`);
    source.addEventListener('tick', (event: MessageEvent) => seen.push(`${event.data} ${event.lastEventId}`));
    await vi.waitFor(() => expect(seen).toEqual(['open 1', 'a 1', 'error 0', 'open 1', 'b 1']));
    source.close();
    expect(await server.connections[1]?.ended).toBe('abort');
    expect(server.connections.map((c) => c.lastEventId)).toEqual([undefined, '1']);
  });
});

describe('through respond(request), for any router', () => {
  it('answers a Request, with its signal, like the msw resolver', async () => {
    const server = mockServer((s) => s.event('message', 'hi').hang());
    const controller = new AbortController();
    const response = await server.respond(new Request('http://sse.test/x', { method: 'PUT', body: 'b', signal: controller.signal }));
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: "hi"\n\n');
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.connections).toMatchObject([{ method: 'PUT', body: 'b', outcome: 'abort' }]);
  });
});

describe('dependencies', () => {
  it('imports only sse-kit at load time, and node:http only when listen() runs: no msw', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../../src/testing/index.ts', import.meta.url))],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'neutral',
      external: ['sse-kit', 'node:*'],
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => `${i.kind} ${i.path}`));
    expect(imports.sort()).toEqual(['dynamic-import node:http', 'import-statement sse-kit']);
  });
});
