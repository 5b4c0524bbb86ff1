import { describe, expect, test } from 'vitest';
import { memoryStore } from '../../src/server/memory-store.js';
import type { Store } from '../../src/server/types.js';

async function fill(store: Store, topic: string, count: number) {
  const ids: string[] = [];
  for (let i = 1; i <= count; i++) ids.push(await store.append(topic, 'tick', JSON.stringify({ n: i })));
  return ids;
}
const ns = (events: { data: string }[]) => events.map((event) => (JSON.parse(event.data) as { n: number }).n);

describe('memoryStore', () => {
  test('numbers events 1, 2, 3, ... per topic', async () => {
    const store = memoryStore();
    expect(await fill(store, 'a', 3)).toEqual(['1', '2', '3']);
    expect(await fill(store, 'b', 2)).toEqual(['1', '2']);
  });

  test('reads what came after an id, in order', async () => {
    const store = memoryStore();
    await fill(store, 'a', 5);
    const read = await store.read('a', '2');
    expect(read).toMatchObject({ reset: false, last: '5' });
    expect(read.events.map((event) => event.id)).toEqual(['3', '4', '5']);
    expect(ns(read.events)).toEqual([3, 4, 5]);
    expect((await store.read('a', '5')).events).toEqual([]);
  });

  test('keeps only the last maxHistory events per topic', async () => {
    const store = memoryStore({ maxHistory: 10 });
    await fill(store, 'a', 57);
    const all = await store.read('a', undefined);
    expect(all.events.map((event) => event.id)).toEqual(Array.from({ length: 10 }, (_, i) => String(48 + i)));
    // Resuming from the event just before the window still loses nothing.
    expect(ns((await store.read('a', '47')).events)).toEqual(Array.from({ length: 10 }, (_, i) => 48 + i));
  });

  test('reports a reset when the id is older than the kept history', async () => {
    const store = memoryStore({ maxHistory: 10 });
    await fill(store, 'a', 57);
    expect(await store.read('a', '46')).toEqual({ events: [], reset: true, last: '57' });
    expect(await store.read('a', '0')).toEqual({ events: [], reset: true, last: '57' });
  });

  test('reports a reset for an id it never issued (a restarted process) or a malformed one', async () => {
    const store = memoryStore();
    await fill(store, 'a', 3);
    expect((await store.read('a', '4')).reset).toBe(true);
    expect((await store.read('a', 'abc')).reset).toBe(true);
    expect((await store.read('never', '1')).reset).toBe(true);
    expect(await store.read('never', '0')).toEqual({ events: [], reset: false, last: '0' });
  });

  test('reads the last `limit` events for a client without an id', async () => {
    const store = memoryStore();
    await fill(store, 'a', 8);
    expect(ns((await store.read('a', undefined, 3)).events)).toEqual([6, 7, 8]);
    expect((await store.read('a', undefined, 0)).events).toEqual([]);
  });

  test('delivers appends to subscribers until they unsubscribe', async () => {
    const store = memoryStore();
    const got: string[] = [];
    const off = await store.subscribe('a', (event) => got.push(event.id));
    await fill(store, 'a', 2);
    off();
    await fill(store, 'a', 1);
    expect(got).toEqual(['1', '2']);
  });

  test('rejects a negative history bound', () => {
    expect(() => memoryStore({ maxHistory: -1 })).toThrow(RangeError);
  });
});
