import { describe, expect, it } from 'vitest';
import * as kit from '../../src/index.js';

describe('errors', () => {
  it('carry a stable code, a literal name, the URL, and the cause', () => {
    const cause = new Error('socket hang up');
    const error = new kit.NetworkError('http://x.test/', 'The connection dropped', cause);
    expect(error).toBeInstanceOf(kit.SSEKitError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('NetworkError');
    expect(error.code).toBe('NETWORK');
    expect(error.url).toBe('http://x.test/');
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('http://x.test/');
  });

  it('HttpStatusError keeps status, body excerpt and Retry-After', () => {
    const error = new kit.HttpStatusError('http://x.test/', 503, '<h1>down</h1>', 2000);
    expect(error).toMatchObject({ code: 'HTTP_STATUS', status: 503, retryable: true, retryAfter: 2000, body: '<h1>down</h1>' });
    expect(error.message).toMatch(/HTTP 503 from http:\/\/x.test\/: <h1>down/);
    expect(new kit.HttpStatusError('u', 404, '').retryable).toBe(false);
  });

  it('isSSEKitError checks the code, so it works across bundle copies', () => {
    const foreign = Object.assign(new Error('x'), { code: 'TIMEOUT' });
    expect(kit.isSSEKitError(foreign)).toBe(true);
    expect(kit.isSSEKitError(foreign, 'TIMEOUT')).toBe(true);
    expect(kit.isSSEKitError(foreign, 'NETWORK')).toBe(false);
    expect(kit.isSSEKitError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
    expect(kit.isSSEKitError({ code: 'TIMEOUT' })).toBe(false);
    expect(kit.isSSEKitError(null)).toBe(false);
  });

  it('RetryExhaustedError keeps the last failure as cause', () => {
    const last = new kit.TimeoutError('u', 'connect', 100);
    const error = new kit.RetryExhaustedError('u', 3, last);
    expect(error).toMatchObject({ code: 'RETRY_EXHAUSTED', attempts: 3, cause: last });
  });
});
