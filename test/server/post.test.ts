import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventStream, type SSEKitError } from '../../src/index.js';
import { lastEventIdOf, startTimedServer, type TimedServer } from '../helpers/chaos-server.js';
import { sseHead } from '../helpers/http-server.js';
import { recorder, waitFor } from '../helpers/recorder.js';

let server: TimedServer | undefined;
afterEach(() => server?.close());

/** The request body, as text. */
async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

describe('POST streams (an LLM answer must not be requested twice behind the user\'s back)', () => {
  it('a clean end closes the stream with reason end and does not re-POST', async () => {
    const bodies: string[] = [];
    server = await startTimedServer(async (req, res) => {
      bodies.push(await bodyOf(req));
      sseHead(res);
      res.end('id: 1\ndata: {"token":"Hel"}\n\nid: 2\ndata: {"token":"lo"}\n\n');
    });
    const { log, options } = recorder();
    const seen: unknown[] = [];
    const stream = createEventStream(server.url, {
      ...options,
      method: 'POST',
      body: '{"prompt":"hi"}',
      retry: { initialDelay: 5, jitter: 'none' },
    });
    stream.on('message', (data) => seen.push(data));
    await waitFor(() => stream.state === 'closed', 2000, 'the end of the answer');
    await sleep(100); // 20× initialDelay: a re-POST would have arrived
    expect(seen).toEqual([{ token: 'Hel' }, { token: 'lo' }]);
    expect(bodies).toEqual(['{"prompt":"hi"}']);
    expect(log.closes).toEqual([{ reason: 'end', code: undefined }]);
    expect(log.retries).toEqual([]);
  });

  it('a dropped POST stream is not re-sent when shouldRetry says no: closed with the NetworkError', async () => {
    server = await startTimedServer((_req, res) => {
      sseHead(res);
      res.write('id: 1\ndata: {"token":"Hel"}\n\n', () => res.socket?.destroy());
    });
    const { log, options } = recorder();
    const asked: [string, number][] = [];
    const stream = createEventStream(server.url, {
      ...options,
      method: 'POST',
      body: '{"prompt":"hi"}',
      retry: {
        initialDelay: 5,
        shouldRetry: (error, attempt) => {
          asked.push([error.code, attempt]);
          return false;
        },
      },
    });
    await waitFor(() => stream.state === 'closed', 2000, 'the stream to close');
    await sleep(100);
    expect(server.requests.length).toBe(1);
    expect(asked).toEqual([['NETWORK', 1]]);
    expect(log.closes).toEqual([{ reason: 'error', code: 'NETWORK' }]);
  });

  it('a dropped POST stream is re-sent when shouldRetry allows it, with a fresh body and Last-Event-ID', async () => {
    const bodies: string[] = [];
    const ids: (string | undefined)[] = [];
    server = await startTimedServer(async (req, res, i) => {
      bodies.push(await bodyOf(req));
      ids.push(lastEventIdOf(req));
      sseHead(res);
      if (i === 0) res.write('id: 1\ndata: {"token":"Hel"}\n\n', () => res.socket?.destroy());
      else res.end('id: 2\ndata: {"token":"lo"}\n\n');
    });
    const { log, options } = recorder();
    const asked: [string, number][] = [];
    let built = 0;
    const seen: unknown[] = [];
    const stream = createEventStream(server.url, {
      ...options,
      method: 'POST',
      body: () => JSON.stringify({ prompt: 'hi', attempt: ++built }),
      retry: {
        initialDelay: 5,
        shouldRetry: (error, attempt) => {
          asked.push([error.code, attempt]);
          return true;
        },
      },
    });
    stream.on('message', (data) => seen.push(data));
    await waitFor(() => stream.state === 'closed', 2000, 'the resumed answer to end');
    expect(asked).toEqual([['NETWORK', 1]]);
    expect(bodies).toEqual(['{"prompt":"hi","attempt":1}', '{"prompt":"hi","attempt":2}']);
    expect(ids).toEqual([undefined, '1']);
    expect(seen).toEqual([{ token: 'Hel' }, { token: 'lo' }]);
    expect(log.closes).toEqual([{ reason: 'end', code: undefined }]);
  });
});

describe('per-attempt request parts', () => {
  it.each(['GET', 'POST'])('%s: the headers and body functions run again for every attempt (a fresh token each time)', async (method) => {
    const tokens: (string | undefined)[] = [];
    const bodies: string[] = [];
    server = await startTimedServer(async (req, res, i) => {
      tokens.push(req.headers.authorization);
      bodies.push(await bodyOf(req));
      if (i < 2) return void res.writeHead(503).end();
      sseHead(res);
      res.end('data: {"ok":true}\n\n');
    });
    let issued = 0;
    let built = 0;
    const seen: unknown[] = [];
    const stream = createEventStream(server.url, {
      method,
      // async, like a token refresh
      headers: async () => ({ authorization: `Bearer token-${++issued}` }),
      ...(method === 'POST' ? { body: () => `attempt ${++built}` } : {}),
      reconnectOnEnd: false,
      retry: { initialDelay: 5, jitter: 'none' },
    });
    stream.on('message', (data) => seen.push(data));
    await waitFor(() => stream.state === 'closed', 2000, 'the third attempt to succeed');
    expect(tokens).toEqual(['Bearer token-1', 'Bearer token-2', 'Bearer token-3']);
    expect(bodies).toEqual(method === 'POST' ? ['attempt 1', 'attempt 2', 'attempt 3'] : ['', '', '']);
    expect(seen).toEqual([{ ok: true }]);
  });

  // fetch needs `duplex: 'half'` for a ReadableStream body (Node's undici, and Chromium); without it
  // every attempt would throw a TypeError, reported as a NetworkError and retried forever.
  it('a ReadableStream body (built per attempt) is sent, not failed as a network error', async () => {
    const bodies: string[] = [];
    server = await startTimedServer(async (req, res) => {
      bodies.push(await bodyOf(req));
      sseHead(res);
      res.end('data: {"ok":true}\n\n');
    });
    const { log, options } = recorder();
    const errors: SSEKitError[] = [];
    const stream = createEventStream(server.url, {
      ...options,
      onError: (error) => void errors.push(error),
      method: 'POST',
      body: () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"prompt":"streamed"}'));
            controller.close();
          },
        }),
      retry: { initialDelay: 20, maxAttempts: 2 },
    });
    await waitFor(() => stream.state === 'closed', 2000, 'the stream to close');
    expect(errors.map((e) => `${e.code}: ${(e.cause as Error | undefined)?.message ?? e.message}`)).toEqual([]);
    expect(bodies).toEqual(['{"prompt":"streamed"}']);
    expect(log.closes).toEqual([{ reason: 'end', code: undefined }]);
  });
});
