// The kit's `fetch` on its own, as any fetch-based client sees it: a real Response whose body the
// script drives, drops that reject like a dropped socket, aborts that behave like fetch's.
import { mockServer } from 'sse-kit/testing';
import { describe, expect, it } from 'vitest';

const url = 'http://sse.test/events';
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

describe('the fetch-compatible function', () => {
  it('returns a Response with SSE headers and one body chunk per write', async () => {
    const server = mockServer((s) => s.comment('hi').raw('data: 1\n\n').end());
    const response = await server.fetch(url);
    expect(response).toBeInstanceOf(Response);
    expect([response.status, response.url, response.headers.get('content-type')]).toEqual([200, url, 'text/event-stream']);
    const reader = response.body!.getReader();
    expect(text((await reader.read()).value)).toBe(': hi\n\n');
    expect(text((await reader.read()).value)).toBe('data: 1\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('drop() makes the body reader reject with a TypeError after the bytes before it', async () => {
    const server = mockServer((s) => s.raw('data: 1\n\n', 'data: ha').drop());
    const reader = (await server.fetch(url)).body!.getReader();
    expect(text((await reader.read()).value)).toBe('data: 1\n\n');
    expect(text((await reader.read()).value)).toBe('data: ha');
    await expect(reader.read()).rejects.toBeInstanceOf(TypeError);
    expect(server.connections[0]?.outcome).toBe('drop');
  });

  it('drop() before anything rejects the fetch itself with a TypeError', async () => {
    const server = mockServer((s) => s.drop());
    await expect(server.fetch(url)).rejects.toBeInstanceOf(TypeError);
  });

  it('hang() never ends until the signal aborts; then the read rejects with the AbortError', async () => {
    const server = mockServer((s) => s.raw('data: 1\n\n').hang());
    const controller = new AbortController();
    const reader = (await server.fetch(url, { signal: controller.signal })).body!.getReader();
    await reader.read();
    const pending = reader.read();
    const raced = await Promise.race([pending.then(() => 'read'), new Promise((r) => setTimeout(() => r('still waiting'), 30))]);
    expect(raced).toBe('still waiting');
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(await server.connections[0]?.ended).toBe('abort');
  });

  it('an abort before the response head rejects the fetch with the AbortError', async () => {
    const server = mockServer((s) => s.hang());
    const controller = new AbortController();
    const pending = server.fetch(url, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(server.fetch(url, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('cancelling the body ends the connection as an abort', async () => {
    const server = mockServer((s) => s.raw('x').hang());
    const response = await server.fetch(url);
    await response.body!.cancel();
    expect(await server.connections[0]?.ended).toBe('abort');
  });

  it('a 204 has a null body; an error status a plain-text body', async () => {
    const server = mockServer((s, { attempt }) => (attempt === 1 ? s.status(204).end() : s.status(500).raw('oops').end()));
    const empty = await server.fetch(url);
    expect([empty.status, empty.body]).toEqual([204, null]);
    const failed = await server.fetch(url);
    expect([failed.status, failed.headers.get('content-type'), await failed.text()]).toEqual([500, 'text/plain; charset=utf-8', 'oops']);
  });

  it('follows redirects like fetch and reports the final URL', async () => {
    const server = mockServer((s, { path }) => (path === '/old' ? s.status(307, { location: '/events' }).end() : s.raw('data: 1\n\n').end()));
    const response = await server.fetch('http://sse.test/old', { method: 'POST', body: 'q' });
    expect(response.url).toBe(url);
    expect(server.connections.map((c) => [c.method, c.path, c.body])).toEqual([
      ['POST', '/old', 'q'],
      ['POST', '/events', 'q'],
    ]);
    const manual = await server.fetch('http://sse.test/old', { redirect: 'manual' });
    expect(manual.status).toBe(307);
  });

  it('resolves relative URLs against http://localhost/ when there is no page', async () => {
    const server = mockServer((s) => s.end());
    await server.fetch('/events?x=1');
    expect(server.connections[0]).toMatchObject({ url: 'http://localhost/events?x=1', path: '/events', query: { x: '1' } });
  });

  it('answers 200 and stays open when the handler queues nothing', async () => {
    const server = mockServer();
    const response = await server.fetch(url);
    expect(response.status).toBe(200);
    expect(server.connections[0]?.outcome).toBeUndefined();
    await server.close();
    expect(server.connections[0]?.outcome).toBe('drop');
  });

  it('a handler that throws answers 500 with its message and keeps the error', async () => {
    const server = mockServer(() => {
      throw new Error('bad script');
    });
    const response = await server.fetch(url);
    expect([response.status, await response.text()]).toEqual([500, 'sse-kit/testing: the handler threw: Error: bad script']);
    expect(server.connections[0]?.error).toMatchObject({ message: 'bad script' });
  });

  it('a verb after the script finished, or status() after a write, throws at the call', () => {
    const server = mockServer((s) => {
      s.end();
      expect(() => s.event('message', 1)).toThrow('event() after end(): the script has already finished');
    });
    const other = mockServer((s) => {
      s.raw('x');
      expect(() => s.status(500)).toThrow('status() must come first');
    });
    return Promise.all([server.fetch(url), other.fetch(url)]).then(() => {
      expect([server.connections[0]?.error, other.connections[0]?.error]).toEqual([undefined, undefined]);
    });
  });
});
