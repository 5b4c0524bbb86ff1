import { expect, test } from 'vitest';
import { groupKey } from '../../src/share/key.js';
import { idHeaderValue, sendsHeader, withId } from '../../src/share/request-id.js';

const url = 'https://api.example/events';

test('streams with equal requests get one key; any difference in URL, method, headers or body separates them', () => {
  const key = groupKey({ url, headers: { authorization: 'Bearer alice', 'x-a': '1' } }, undefined);
  expect(groupKey({ url, headers: [['X-A', '1'], ['Authorization', 'Bearer alice']] }, undefined)).toBe(key);
  expect(groupKey({ url, headers: { authorization: 'Bearer bob', 'x-a': '1' } }, undefined)).not.toBe(key);
  expect(groupKey({ url: `${url}?room=2`, headers: { authorization: 'Bearer alice', 'x-a': '1' } }, undefined)).not.toBe(key);
  expect(groupKey({ url, method: 'POST', body: 'a' }, undefined)).not.toBe(groupKey({ url, method: 'POST', body: 'b' }, undefined));
  expect(groupKey({ url }, undefined)).not.toBe(groupKey({ url, credentials: 'include' }, undefined));
});

test('the key does not reveal a header value or the URL', () => {
  const key = groupKey({ url: `${url}?token=s3cret`, headers: { authorization: 'Bearer s3cret' } }, undefined)!;
  expect(key).not.toContain('s3cret');
  expect(key).not.toContain('example');
});

test('a headers or body function cannot be keyed: solo unless an explicit key is given', () => {
  expect(groupKey({ url, headers: () => ({ authorization: 'Bearer x' }) }, undefined)).toBeUndefined();
  expect(groupKey({ url, method: 'POST', body: () => 'x' }, undefined)).toBeUndefined();
  expect(groupKey({ url, headers: () => ({}) }, 'user-42')).toBe('sse-kit:key:user-42');
});

test('a new leader resumes with the id in the header on fetch, in the query on native, as the core would send it', () => {
  const request = { url: `${url}?a=1`, lastEventId: '' };
  expect(withId(request, '7', 'lastEventId', true)).toEqual({ url: `${url}?a=1`, lastEventId: '7' });
  expect(withId(request, '7', 'lastEventId', false)).toEqual({ url: `${url}?a=1&lastEventId=7`, lastEventId: '' });
  // An id a header cannot carry goes in the query even on fetch; a replaced id leaves no trace.
  expect(withId({ url: `${url}?lastEventId=3`, lastEventId: '' }, ' 8', 'lastEventId', true)).toEqual({ url: `${url}?lastEventId=+8`, lastEventId: '' });
  expect(withId({ url: `${url}?lastEventId=3`, lastEventId: '' }, '8', 'lastEventId', true)).toEqual({ url: `${url}`, lastEventId: '8' });
  expect(idHeaderValue('é')).toBe('\xc3\xa9');
});

test('the transport of an attempt is read from its request: a header means fetch, an id in the query native', () => {
  expect(sendsHeader({ url, lastEventId: '5' }, 'lastEventId', true)).toBe(true);
  expect(sendsHeader({ url: `${url}?lastEventId=5`, lastEventId: '' }, 'lastEventId', false)).toBe(false);
  expect(sendsHeader({ url, lastEventId: '' }, 'lastEventId', true)).toBe(false);
  expect(sendsHeader({ url, lastEventId: '' }, 'lastEventId', false)).toBe(true);
});
