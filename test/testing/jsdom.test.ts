// @vitest-environment jsdom
// Under jsdom: relative URLs resolve against the page, jsdom's AbortSignal works with the kit's
// fetch (Node's Request refuses it), and the kit's EventSource class drives the native transport.
import { createEventStream } from 'sse-kit';
import { mockServer } from 'sse-kit/testing';
import { expect, it, vi } from 'vitest';

type Events = { tick: { n: number } };

it.each(['fetch', 'native'] as const)('serves the %s transport in jsdom, relative URL and abort included', async (transport) => {
  const server = mockServer<Events>((s, { attempt }) =>
    attempt === 1 ? s.retry(10).event('tick', { n: 1 }, { id: 1 }).drop() : s.event('tick', { n: 2 }).hang(),
  );
  const controller = new AbortController(); // jsdom's
  const stream = createEventStream<Events>('/events', {
    transport,
    fetch: server.fetch,
    EventSource: server.EventSource,
    signal: controller.signal,
    retry: { initialDelay: 1 },
  });
  const ticks: number[] = [];
  stream.on('tick', ({ n }) => ticks.push(n));
  await vi.waitFor(() => expect(ticks).toEqual([1, 2]));
  controller.abort();
  expect(await server.connections[1]?.ended).toBe('abort');
  expect(server.connections.map((c) => [c.path, c.lastEventId])).toEqual([
    ['/events', undefined],
    ['/events', '1'],
  ]);
  expect(server.connections[0]?.url).toBe(new URL('/events', document.baseURI).href);
});
