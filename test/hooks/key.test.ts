// The sharing key (src/hooks-core/key.ts): which hooks may share one connection.
import { describe, expect, it } from 'vitest';
import { connectionKey } from '../../src/hooks-core/key.js';

const key = (options: Parameters<typeof connectionKey>[1], id = 'a', url = '/events') => connectionKey(url, options, id);

describe('connectionKey', () => {
  it('is equal for options equal by value, whatever the object identity or header spelling', () => {
    expect(key({ headers: { 'X-Room': '1', Accept: 'text/event-stream' } }, 'a')).toBe(
      key({ headers: [['accept', 'text/event-stream'], ['x-room', '1']] }, 'b'),
    );
    expect(key({ method: 'post', body: '{"q":1}' })).toBe(key({ method: 'POST', body: '{"q":1}' }));
    expect(key({ retry: { initialDelay: 5 }, onError: () => {}, throttle: 10 })).toBe(key({}));
    expect(key({ transport: 'fetch', credentials: 'same-origin', decode: 'json' })).toBe(key({}));
  });

  it('differs for a different URL, header value, body, method, transport, credentials or decode', () => {
    const base = key({ headers: { Authorization: 'Bearer a' } });
    expect(key({ headers: { Authorization: 'Bearer b' } })).not.toBe(base);
    expect(key({ headers: { Authorization: 'Bearer a' } }, 'a', '/other')).not.toBe(base);
    const variants = [
      key({}),
      key({ method: 'POST', body: 'a' }),
      key({ method: 'POST', body: 'b' }),
      key({ method: 'PUT' }),
      key({ transport: 'auto' }),
      key({ credentials: 'include' }),
      key({ decode: 'text' }),
    ];
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('makes a connection private when a function or a non-string body cannot be compared, unless a key is given', () => {
    const token = () => ({ Authorization: 'Bearer x' });
    expect(key({ headers: token }, 'a')).not.toBe(key({ headers: token }, 'b'));
    expect(key({ headers: token }, 'a')).toBe(key({ headers: () => ({}) }, 'a'));
    expect(key({ method: 'POST', body: new Blob(['x']) }, 'a')).not.toBe(key({ method: 'POST', body: new Blob(['x']) }, 'b'));
    expect(key({ decode: (raw) => raw }, 'a')).not.toBe(key({ decode: (raw) => raw }, 'b'));
    expect(key({ headers: token, key: 'user-1' }, 'a')).toBe(key({ headers: () => ({}), key: 'user-1' }, 'b'));
    expect(key({ headers: token, key: 'user-1' }, 'a')).not.toBe(key({ headers: token, key: 'user-2' }, 'a'));
    // An explicit key never merges a body the key can see with one it cannot.
    expect(key({ method: 'POST', key: 'k' })).not.toBe(key({ method: 'POST', body: new Blob(['x']), key: 'k' }));
  });
});
