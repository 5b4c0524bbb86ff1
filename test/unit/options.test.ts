import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/options.js';

describe('resolveOptions', () => {
  it('applies defaults', () => {
    const o = resolveOptions('http://example.test/events');
    expect(o).toMatchObject({
      url: 'http://example.test/events',
      method: 'GET',
      transport: 'auto',
      decode: 'json',
      heartbeatTimeout: 45_000,
      connectTimeout: 15_000,
      lastEventIdParam: 'lastEventId',
      maxEventSize: 16 * 2 ** 20,
      reconnectOnEnd: true,
      retry: { initialDelay: 1000, maxDelay: 30_000, factor: 2, jitter: 'full', maxAttempts: Infinity },
    });
  });

  it('resolves a relative URL against the page, and refuses one with no page', () => {
    expect(resolveOptions('/events', {}, 'https://app.test/dash/').url).toBe('https://app.test/events');
    expect(resolveOptions(new URL('http://a.test/x?y=1')).url).toBe('http://a.test/x?y=1');
    expect(() => resolveOptions('/events', {}, undefined)).toThrow(/relative URLs need a page/);
  });

  it('rejects bad URLs with a TypeError naming the value', () => {
    expect(() => resolveOptions('http://exa mple.test:99999/')).toThrow(TypeError);
    expect(() => resolveOptions('ftp://example.test/', {})).toThrow(/url must be http\(s\), got "ftp:/);
    expect(() => resolveOptions(42 as unknown as string)).toThrow(/url must be a string or URL, got 42/);
  });

  it('does not let explicit undefined erase a default', () => {
    expect(resolveOptions('http://x.test/', { heartbeatTimeout: undefined, retry: { factor: undefined } })).toMatchObject({
      heartbeatTimeout: 45_000,
      retry: { factor: 2 },
    });
  });

  it('defaults reconnectOnEnd to false for POST and uppercases the method', () => {
    const o = resolveOptions('http://x.test/', { method: 'post', body: '{}' });
    expect(o.method).toBe('POST');
    expect(o.reconnectOnEnd).toBe(false);
  });

  it.each([
    [{ heartbeatTimeout: -1 }, RangeError, /"heartbeatTimeout": -1/],
    [{ connectTimeout: Number.NaN }, RangeError, /"connectTimeout": NaN/],
    [{ maxEventSize: 0 }, RangeError, /"maxEventSize": 0/],
    [{ retry: { factor: 0.5 } }, RangeError, /"retry.factor": 0.5/],
    [{ retry: { maxAttempts: 1.5 } }, RangeError, /"retry.maxAttempts": 1.5/],
    [{ retry: { jitter: 'some' } }, TypeError, /"retry.jitter": "some"/],
    [{ transport: 'websocket' }, TypeError, /"transport": "websocket"/],
    [{ decode: 'xml' }, TypeError, /"decode": "xml"/],
    [{ method: 'GE T' }, TypeError, /"method": "GE T"/],
    [{ storage: {} }, TypeError, /"storage"/],
    [{ onOpen: 'yes' }, TypeError, /"onOpen": "yes"/],
    [{ heartbeat: 10 }, TypeError, /unknown option "heartbeat"/],
    [{ retry: { delay: 10 } }, TypeError, /unknown option "retry.delay"/],
    [{ body: 'x' }, TypeError, /"body" needs a method other than GET/],
    [{ headers: { 'x-token': '€' } }, TypeError, /invalid option "headers"/],
  ])('rejects %j', (options, ErrorClass, message) => {
    expect(() => resolveOptions('http://x.test/', options as never)).toThrow(ErrorClass);
    expect(() => resolveOptions('http://x.test/', options as never)).toThrow(message);
  });
});
