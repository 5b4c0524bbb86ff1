import { expect, test } from 'vitest';
import { Fence } from '../../src/share/fence.js';

/** Feeds `events` ([id, data]) through a fence as one tab would; returns the data delivered. */
function deliver(fence: Fence, events: [string, string][]): string[] {
  const out: string[] = [];
  for (const [id, data] of events) {
    fence.id(id);
    if (fence.message()) out.push(data);
  }
  return out;
}

test('messages from a lower epoch than the highest seen are stale; a higher one raises the fence', () => {
  const fence = new Fence();
  expect(fence.current(5)).toBe(true);
  expect(fence.current(7)).toBe(true);
  expect(fence.current(5)).toBe(false);
  expect(fence.current(7)).toBe(true);
  expect(fence.epoch).toBe(7);
});

test('a replay after a resume from an older id is dropped up to the first new id, and the last id tracks the newest', () => {
  const fence = new Fence();
  expect(deliver(fence, [['1', 'a'], ['2', 'b'], ['3', 'c']])).toEqual(['a', 'b', 'c']);
  // A new leader resumed from 1: the server repeats 2 and 3, then goes on.
  expect(deliver(fence, [['2', 'b'], ['3', 'c'], ['4', 'd']])).toEqual(['d']);
  expect(fence.last).toBe('4');
});

test('events without an id field after a repeated id repeat too; after a new id they are delivered', () => {
  const fence = new Fence();
  fence.id('1');
  expect(fence.message()).toBe(true);
  expect(fence.id('1')).toBe(true); // the same id on the next event: the server batches under one id
  expect(fence.id('2')).toBe(true);
  expect(fence.id('1')).toBe(false); // replay
  expect(fence.message()).toBe(false);
  expect(fence.id('2')).toBe(false); // the replay reaches the last id: still a repeat
  expect(fence.message()).toBe(false);
  expect(fence.id('3')).toBe(true);
  expect(fence.message()).toBe(true);
});

test('an empty id (a reset) is never a repeat', () => {
  const fence = new Fence();
  fence.id('');
  expect(fence.id('')).toBe(true);
  expect(fence.message()).toBe(true);
});

test('a new epoch ends a replay in progress', () => {
  const fence = new Fence();
  fence.current(1);
  deliver(fence, [['1', 'a'], ['2', 'b']]);
  fence.id('1');
  expect(fence.message()).toBe(false);
  fence.current(2);
  expect(fence.message()).toBe(true);
});

test('the window forgets the oldest ids beyond its size', () => {
  const fence = new Fence(3);
  deliver(fence, [['1', 'a'], ['2', 'b'], ['3', 'c'], ['4', 'd']]);
  expect(fence.id('1')).toBe(true); // forgotten: taken as new
  expect(fence.id('3')).toBe(false);
});

test('a new leader that resumed one id behind this tab repeats the last id: a replay, not a batch', () => {
  const fence = new Fence();
  fence.current(1);
  expect(deliver(fence, [['1', 'a'], ['2', 'b']])).toEqual(['a', 'b']);
  fence.current(2);
  expect(deliver(fence, [['2', 'b'], ['3', 'c']])).toEqual(['c']);
  // Without a leader change, the same id on the next event is the server's batch.
  expect(deliver(fence, [['3', 'c2']])).toEqual(['c2']);
});
