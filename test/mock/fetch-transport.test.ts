import { http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createEventStream, type SSEKitError } from '../../src/index.js';
import { BASE, scenarios, useMockServer } from '../helpers/msw.js';
import { recorder, take, waitFor } from '../helpers/recorder.js';
import { sse, sseResponse } from '../helpers/streams.js';

const server = useMockServer();
const once = { reconnectOnEnd: false } as const;

describe('response rules', () => {
  it('opens on 200 text/event-stream with any charset parameter and case', async () => {
    server.use(scenarios.raw([sse('"hi"')], '/events', { contentType: 'Text/Event-Stream ; Charset=UTF-8' }));
    const { log, options } = recorder();
    const opened = vi.fn();
    const stream = createEventStream(`${BASE}/events`, { ...options, ...once, onOpen: opened });
    expect(stream.transport).toBe('fetch');
    expect(await take(stream, 1)).toEqual([{ type: 'message', data: 'hi', id: '' }]);
    expect(opened).toHaveBeenCalledWith({ status: 200, url: `${BASE}/events`, transport: 'fetch' });
    expect(log.errors).toEqual([]);
  });

  it('closes for good on 204 without retrying', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/events`, () => {
        calls++;
        return new Response(null, { status: 204 });
      }),
    );
    const { log, options } = recorder();
    const stream = createEventStream(`${BASE}/events`, options);
    await waitFor(() => stream.state === 'closed');
    expect(log.closes).toEqual([{ reason: 'no-content', code: undefined }]);
    expect(log.retries).toEqual([]);
    expect(calls).toBe(1);
  });

  it('fails with ContentTypeError on 200 text/html (an HTML error page)', async () => {
    server.use(scenarios.status(200, '<html>login</html>', { 'content-type': 'text/html' }));
    const { log, options } = recorder();
    const stream = createEventStream(`${BASE}/events`, options);
    await waitFor(() => stream.state === 'closed');
    expect(log.closes).toEqual([{ reason: 'error', code: 'CONTENT_TYPE' }]);
    expect(log.errors[0]).toMatchObject({ name: 'ContentTypeError', contentType: 'text/html' });
    expect(log.retries).toEqual([]);
  });

  it.each([400, 401, 403, 404, 410])('fails with HttpStatusError on %i, with status and body excerpt', async (status) => {
    server.use(scenarios.status(status, `{"error":"nope ${status}"}`, { 'content-type': 'application/json' }));
    const { log, options } = recorder();
    const stream = createEventStream(`${BASE}/events`, options);
    await waitFor(() => stream.state === 'closed');
    expect(log.errors).toHaveLength(1);
    expect(log.errors[0]).toMatchObject({ code: 'HTTP_STATUS', status, retryable: false, body: `{"error":"nope ${status}"}` });
    expect(log.retries).toEqual([]);
  });

  it.each([408, 425, 429, 500, 502, 503])('retries %i with backoff, then opens', async (status) => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/events`, () =>
        ++calls < 3 ? new Response('busy', { status }) : sseResponse([sse(1, { id: 1 })], { hold: true }),
      ),
    );
    const { log, options } = recorder();
    const stream = createEventStream(`${BASE}/events`, { ...options, retry: { initialDelay: 1, jitter: 'none' } });
    expect(await take(stream, 1)).toEqual([{ type: 'message', data: 1, id: '1' }]);
    expect(log.retries).toEqual([
      { attempt: 1, delay: 1, code: 'HTTP_STATUS' },
      { attempt: 2, delay: 2, code: 'HTTP_STATUS' },
    ]);
    expect(log.errors.map((e) => (e as SSEKitError & { status: number }).status)).toEqual([status, status]);
  });

  it('honours Retry-After on 503', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/events`, () =>
        ++calls === 1
          ? new Response('', { status: 503, headers: { 'retry-after': '0' } })
          : sseResponse([sse(1)], { hold: true }),
      ),
    );
    const { log, options } = recorder();
    const stream = createEventStream(`${BASE}/events`, { ...options, retry: { initialDelay: 60_000 } });
    await take(stream, 1);
    expect(log.retries).toEqual([{ attempt: 1, delay: 0, code: 'HTTP_STATUS' }]);
  });

  it('follows redirects and reports the final URL', async () => {
    server.use(
      http.get(`${BASE}/old`, () => new Response(null, { status: 307, headers: { location: `${BASE}/events` } })),
      scenarios.raw([sse(1)]),
    );
    const onOpen = vi.fn();
    const stream = createEventStream(`${BASE}/old`, { ...once, onOpen });
    await take(stream, 1);
    expect(onOpen).toHaveBeenCalledWith(expect.objectContaining({ url: `${BASE}/events` }));
  });

  it('turns a network failure into a retried NetworkError', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/events`, () => (++calls === 1 ? Response.error() : sseResponse([sse(1)], { hold: true }))),
    );
    const { log, options } = recorder();
    const stream = createEventStream(`${BASE}/events`, { ...options, retry: { initialDelay: 1 } });
    await take(stream, 1);
    expect(log.errors[0]).toMatchObject({ code: 'NETWORK' });
    expect(log.retries).toHaveLength(1);
  });
});

describe('requests', () => {
  it('sends Accept: text/event-stream, custom headers from an async function, and no Last-Event-ID at first', async () => {
    let headers: Headers | undefined;
    server.use(
      http.get(`${BASE}/events`, ({ request }) => {
        headers = request.headers;
        return sseResponse([sse(1)]);
      }),
    );
    const stream = createEventStream(`${BASE}/events`, {
      ...once,
      headers: async () => ({ Authorization: 'Bearer t0ken' }),
    });
    await take(stream, 1);
    expect(headers?.get('accept')).toBe('text/event-stream');
    expect(headers?.get('authorization')).toBe('Bearer t0ken');
    expect(headers?.has('last-event-id')).toBe(false);
    expect(headers?.has('cache-control')).toBe(false);
  });

  it('POSTs a JSON body and reads the streamed reply to the end without re-posting', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${BASE}/chat`, async ({ request }) => {
        bodies.push({ json: await request.json(), type: request.headers.get('content-type') });
        return sseResponse([sse({ t: 'Hel' }, { event: 'token' }), sse({ t: 'lo' }, { event: 'token' }), sse({}, { event: 'done' })]);
      }),
    );
    const { log, options } = recorder();
    const stream = createEventStream<{ token: { t: string }; done: object }>(`${BASE}/chat`, {
      ...options,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hi' }),
    });
    const tokens: string[] = [];
    for await (const event of stream) if (event.type === 'token') tokens.push(event.data.t);
    expect(tokens).toEqual(['Hel', 'lo']);
    expect(bodies).toEqual([{ json: { prompt: 'hi' }, type: 'application/json' }]);
    expect(log.closes).toEqual([{ reason: 'end', code: undefined }]);
  });

  it('calls the body and headers functions again on every attempt', async () => {
    const seen: string[] = [];
    server.use(
      http.post(`${BASE}/chat`, async ({ request }) => {
        seen.push(`${request.headers.get('x-attempt')}:${await request.text()}`);
        return seen.length === 1 ? new Response('', { status: 503 }) : sseResponse([sse(1)]);
      }),
    );
    let n = 0;
    const stream = createEventStream(`${BASE}/chat`, {
      method: 'POST',
      headers: () => ({ 'x-attempt': String(++n) }),
      body: () => `body${n}`,
      retry: { initialDelay: 1 },
    });
    await take(stream, 1);
    expect(seen).toEqual(['1:body1', '2:body2']);
  });

  it('sends Last-Event-ID from the lastEventId option and from the stream on reconnect', async () => {
    const ids: (string | null)[] = [];
    server.use(
      http.get(`${BASE}/events`, ({ request }) => {
        ids.push(request.headers.get('last-event-id'));
        return sseResponse([sse(ids.length, { id: `${ids.length}0` })]);
      }),
    );
    const stream = createEventStream(`${BASE}/events`, { lastEventId: 'start', retry: { initialDelay: 1 } });
    await take(stream, 2);
    expect(ids.slice(0, 2)).toEqual(['start', '10']);
  });
});

describe('onUnauthorized', () => {
  it('awaits the hook, then retries once at once with the refreshed header', async () => {
    const auth: (string | null)[] = [];
    server.use(
      http.get(`${BASE}/events`, ({ request }) => {
        auth.push(request.headers.get('authorization'));
        return request.headers.get('authorization') === 'Bearer new'
          ? sseResponse([sse('"ok"')])
          : new Response('expired', { status: 401 });
      }),
    );
    let token = 'old';
    const { log, options } = recorder();
    const stream = createEventStream(`${BASE}/events`, {
      ...options,
      ...once,
      retry: { initialDelay: 60_000 },
      headers: () => ({ authorization: `Bearer ${token}` }),
      onUnauthorized: async (error) => {
        expect(error).toMatchObject({ status: 401 });
        token = 'new';
      },
    });
    expect(await take(stream, 1)).toEqual([{ type: 'message', data: 'ok', id: '' }]);
    expect(auth).toEqual(['Bearer old', 'Bearer new']);
    expect(log.retries).toEqual([]);
  });

  it('is fatal when the retry gets 401 again', async () => {
    server.use(scenarios.status(401, 'no'));
    const hook = vi.fn();
    const { log, options } = recorder();
    const stream = createEventStream(`${BASE}/events`, { ...options, onUnauthorized: hook });
    await waitFor(() => stream.state === 'closed');
    expect(hook).toHaveBeenCalledTimes(1);
    expect(log.closes).toEqual([{ reason: 'error', code: 'HTTP_STATUS' }]);
  });
});
