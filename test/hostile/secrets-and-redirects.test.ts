import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { bodyText, hostileHarness, send } from '../helpers/hostile.js';
import { sseHead, startServer } from '../helpers/http-server.js';
import { waitFor } from '../helpers/recorder.js';

// Error messages end up in logs and error trackers; redirects can hand requests to another origin.
const { serve, open } = hostileHarness();

describe('secrets in the URL', () => {
  // Defect: `?token=…` was repeated verbatim in every error message.
  it('masks query values in the message of an HTTP error', async () => {
    const server = await serve((_req, res) => void res.writeHead(404).end());
    const { log } = open(`${server.url}/e?token=s3cret&room=5`);
    await waitFor(() => log.closes.length === 1, 2000, 'the fatal 404');
    const error = log.closes[0]!.error!;
    expect(error).toMatchObject({ code: 'HTTP_STATUS', status: 404 });
    expect(error.message).toContain(`${server.url}/e?token=***&room=***`);
    expect(error.message).not.toContain('s3cret');
  });

  it('masks query values in the message of a network error', async () => {
    const gone = await startServer(() => {});
    await gone.close(); // nothing listens on that port any more: connection refused
    const { log } = open(`${gone.url}/e?token=s3cret`, { retry: { maxAttempts: 0 } });
    await waitFor(() => log.closes.length === 1, 2000, 'the stream to give up');
    const messages = log.errors.map((error) => error.message).join('\n');
    expect(messages).toContain(`${gone.url}/e?token=***`);
    expect(messages).not.toContain('s3cret');
  });
});

describe('redirects', () => {
  /** A server on another port (another origin) that records what reaches it. */
  async function target() {
    const seen: { method: string; headers: Record<string, unknown>; body: string }[] = [];
    const server = await serve(async (req, res) => {
      seen.push({ method: req.method!, headers: { ...req.headers }, body: await bodyText(req) });
      sseHead(res);
      await send(res, 'data: 1\n\n');
    });
    return { server, seen };
  }

  it("with redirect: 'error', a redirect is a fatal HttpStatusError with the 3xx status and the target sees nothing", async () => {
    const other = await target();
    const origin = await serve((_req, res) => void res.writeHead(307, { location: `${other.server.url}/e` }).end());
    const { log } = open(origin.url, { redirect: 'error' } as object);
    await waitFor(() => log.closes.length === 1, 2000, 'the fatal redirect');
    const error = log.closes[0]!.error;
    expect(log.closes[0]!.reason).toBe('error');
    expect(error).toMatchObject({ code: 'HTTP_STATUS', status: 307 });
    await sleep(200);
    expect(other.server.requests.length).toBe(0);
    expect(origin.requests.length).toBe(1);
  });

  // Documents (for the README) what Node's fetch forwards on a cross-origin 307 with the default
  // redirect: 'follow': Authorization and Cookie are dropped, other custom headers, Last-Event-ID
  // and a POST body are not.
  it('by default follows a cross-origin 307: drops Authorization and Cookie, forwards X-Api-Key, Last-Event-ID and the POST body', async () => {
    const other = await target();
    const origin = await serve((_req, res) => void res.writeHead(307, { location: `${other.server.url}/e` }).end());
    const { log } = open(origin.url, {
      method: 'POST',
      body: '{"q":1}',
      lastEventId: '42',
      headers: { authorization: 'Bearer t0ken', cookie: 'sid=s3cret', 'x-api-key': 'k3y' },
    });
    await waitFor(() => log.opens === 1 || log.closes.length > 0, 2000, 'the redirected stream to open');
    expect(other.seen).toHaveLength(1);
    const { method, headers, body } = other.seen[0]!;
    expect(method).toBe('POST');
    expect(body).toBe('{"q":1}');
    expect(headers.authorization).toBeUndefined();
    expect(headers.cookie).toBeUndefined();
    expect(headers['x-api-key']).toBe('k3y');
    expect(headers['last-event-id']).toBe('42');
  });
});
