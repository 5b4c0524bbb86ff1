// The first example of docs/testing.md, word for word (test/testing/docs.test.ts checks it).
import { createEventStream } from 'sse-kit';
import { mockServer } from 'sse-kit/testing';
import { expect, it, vi } from 'vitest';

type Events = { tick: { n: number } };

it('resumes after a dropped connection', async () => {
  const server = mockServer<Events>((s, { attempt }) => {
    if (attempt === 1) s.event('tick', { n: 1 }, { id: 1 }).raw('data: {"n"').drop();
    else s.event('tick', { n: 2 }, { id: 2 });
  });
  const stream = createEventStream<Events>('http://app.test/events', { fetch: server.fetch, retry: { initialDelay: 1 } });
  const seen: number[] = [];
  stream.on('tick', ({ n }) => seen.push(n));

  await vi.waitFor(() => expect(seen).toEqual([1, 2]));
  expect(server.connections.map((c) => c.lastEventId)).toEqual([undefined, '1']);
  stream.close();
});
