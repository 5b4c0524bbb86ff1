import { describe, expect, it } from 'vitest';
import { errorsOf, hostileHarness } from '../helpers/hostile.js';
import { sseHead } from '../helpers/http-server.js';
import { waitFor } from '../helpers/recorder.js';

// Callbacks are the app's code. When one throws or hangs, the user must still learn what the
// server did (the original error) and what their code did (the throw, as a cause).
const { serve, open } = hostileHarness();

const bug = new Error('bug in shouldRetry');
const throwBug = (): boolean => {
  throw bug;
};

describe('callbacks that throw or hang', () => {
  // Defect: the stream ended with NetworkError "Unexpected failure"; the 503 was lost.
  it('closes with the original 503 when retry.shouldRetry throws, reporting the throw as a HandlerError cause', async () => {
    const server = await serve((_req, res) => void res.writeHead(503).end('busy'));
    const { log } = open(server.url, { retry: { shouldRetry: throwBug } });
    await waitFor(() => log.closes.length === 1, 2000, 'the stream to close');
    const { reason, error } = log.closes[0]!;
    expect(reason).toBe('error');
    expect(error).toMatchObject({ code: 'HTTP_STATUS', status: 503 });
    const handler = errorsOf(log, 'HANDLER');
    expect(handler).toHaveLength(1);
    expect(handler[0]!.cause).toBe(bug);
    expect(server.requests.length).toBe(1);
  });

  it('closes with the original NetworkError when retry.shouldRetry throws on a dropped connection', async () => {
    const server = await serve((_req, res) => {
      sseHead(res);
      setTimeout(() => res.destroy(), 20);
    });
    const { log } = open(server.url, { retry: { shouldRetry: throwBug } });
    await waitFor(() => log.closes.length === 1, 2000, 'the stream to close');
    expect(log.closes[0]!.error?.code).toBe('NETWORK');
    expect(log.closes[0]!.error?.message).not.toContain('Unexpected failure');
    expect(log.closes[0]!.error?.cause).not.toBe(bug);
    expect(errorsOf(log, 'HANDLER').map((error) => error.cause)).toEqual([bug]);
  });

  // Defect: a plain 401 with no cause; the refresh failure vanished.
  it('closes with HttpStatusError 401 whose cause is the error onUnauthorized threw', async () => {
    const server = await serve((_req, res) => void res.writeHead(401).end());
    const refreshFailed = new Error('refresh token expired');
    const { log } = open(server.url, {
      onUnauthorized: async () => {
        throw refreshFailed;
      },
    });
    await waitFor(() => log.closes.length === 1, 2000, 'the stream to close');
    const { reason, error } = log.closes[0]!;
    expect(reason).toBe('error');
    expect(error).toMatchObject({ code: 'HTTP_STATUS', status: 401 });
    expect(error?.cause).toBe(refreshFailed);
    expect(server.requests.length).toBe(1);
  });

  // Defect: the stream stayed `connecting` forever; connectTimeout only started after headers().
  it('times out a headers() function that never settles (TimeoutError, phase connect) and retries', async () => {
    const server = await serve((_req, res) => void sseHead(res));
    let calls = 0;
    const { stream, log } = open(server.url, {
      connectTimeout: 200,
      retry: { initialDelay: 50, jitter: 'none' },
      headers: () => (++calls === 1 ? new Promise<HeadersInit>(() => {}) : { 'x-try': String(calls) }),
    });
    await waitFor(() => log.opens === 1 || log.closes.length > 0, 2500, 'the second attempt to open');
    const timeouts = errorsOf(log, 'TIMEOUT');
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]).toMatchObject({ code: 'TIMEOUT', phase: 'connect' });
    expect(log.retries.map((info) => info.error?.code)).toEqual(['TIMEOUT']);
    expect(server.requests.map((req) => req.headers['x-try'])).toEqual(['2']);
    expect(stream.state).toBe('open');
  });
});
