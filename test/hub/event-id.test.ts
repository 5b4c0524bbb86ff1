import { describe, expect, test } from 'vitest';
import { compareIds, formatCursor, isEventId, parseCursor } from '../../src/server/event-id.js';

describe('event ids', () => {
  test('orders memory ids numerically, not as text', () => {
    const ids = ['10', '9', '100', '1', '2'];
    expect(ids.sort(compareIds)).toEqual(['1', '2', '9', '10', '100']);
  });

  test('orders Redis stream ids by time, then by sequence', () => {
    const ids = ['1700000000001-0', '1700000000000-10', '1700000000000-2', '999999999999-5'];
    expect(ids.sort(compareIds)).toEqual(['999999999999-5', '1700000000000-2', '1700000000000-10', '1700000000001-0']);
    expect(compareIds('1700000000000-0', '1700000000000')).toBe(0);
  });

  test('sorts malformed ids before every valid one', () => {
    expect(isEventId('abc')).toBe(false);
    expect(isEventId('1-2-3')).toBe(false);
    expect(compareIds('abc', '0')).toBeLessThan(0);
    expect(compareIds('5', 'x')).toBeGreaterThan(0);
  });

  test('uses the store id as is for one topic', () => {
    expect(formatCursor(['chat'], new Map([['chat', '17']]))).toBe('17');
    expect(parseCursor(['chat'], '17')).toEqual(new Map([['chat', '17']]));
  });

  test('joins per-topic positions for several topics and reads them back', () => {
    const topics = ['chat', 'news/eu', 'a=b,c'];
    const cursors = new Map([
      ['a=b,c', '3'],
      ['chat', '1700000000000-1'],
      ['news/eu', '42'],
    ]);
    const id = formatCursor(topics, cursors);
    expect(id).toBe('chat=1700000000000-1,news%2Feu=42,a%3Db%2Cc=3');
    expect(parseCursor(topics, id)).toEqual(cursors);
  });

  test('leaves out topics without a position and ignores unknown ones', () => {
    expect(formatCursor(['a', 'b'], new Map([['b', '2']]))).toBe('b=2');
    expect(parseCursor(['a', 'b'], 'b=2,zzz=9,%E0=1,junk')).toEqual(new Map([['b', '2']]));
    expect(parseCursor(['a', 'b'], '')).toEqual(new Map());
  });
});
