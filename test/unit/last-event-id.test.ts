import { describe, expect, it } from 'vitest';
import { idHeaderValue, storageKey, withIdParam } from '../../src/last-event-id.js';

describe('idHeaderValue', () => {
  it('passes ASCII ids through', () => {
    expect(idHeaderValue('42')).toBe('42');
    expect(idHeaderValue('3f2b-uuid')).toBe('3f2b-uuid');
  });
  it('sends a non-ASCII id as its UTF-8 bytes, which fetch accepts as a header value', () => {
    const value = idHeaderValue('é€');
    expect(value).toBe(Buffer.from('é€', 'utf8').toString('latin1'));
    expect(() => new Headers({ 'last-event-id': value })).not.toThrow();
    expect(() => new Headers({ 'last-event-id': 'é€' })).toThrow();
  });
});

describe('withIdParam', () => {
  it('adds or replaces the query parameter', () => {
    expect(withIdParam('http://x.test/e?a=1', 'lastEventId', '7')).toBe('http://x.test/e?a=1&lastEventId=7');
    expect(withIdParam('http://x.test/e?lastEventId=1', 'lastEventId', 'é')).toBe('http://x.test/e?lastEventId=%C3%A9');
  });
  it('leaves the URL alone with no id or no parameter', () => {
    expect(withIdParam('http://x.test/e', 'lastEventId', '')).toBe('http://x.test/e');
    expect(withIdParam('http://x.test/e', false, '7')).toBe('http://x.test/e');
  });
});

it('keys storage by URL', () => {
  expect(storageKey('http://x.test/e')).toBe('sse-kit:http://x.test/e');
});
