// Type tests of sse-kit/testing: checked by `tsc --noEmit` (npm test's typecheck step), never run.
// Scripts are checked against the app's event map, both ways.
import { http } from 'msw';
import { createEventStream, type FetchLike } from 'sse-kit';
import { type Connection, mockServer, type Script } from 'sse-kit/testing';
import { expectTypeOf } from 'vitest';

type Events = { tick: { n: number }; message: string };

const server = mockServer<Events>((s, connection) => {
  expectTypeOf(s).toEqualTypeOf<Script<Events>>();
  expectTypeOf(connection).toEqualTypeOf<Connection<Events>>();
  expectTypeOf(connection.lastEventId).toEqualTypeOf<string | undefined>();
  s.event('tick', { n: 1 }, { id: 1 }).event('message', 'hi', { id: 'a', retry: 10 });
  // @ts-expect-error 'tock' is not in the map
  s.event('tock', { n: 1 });
  // @ts-expect-error a tick carries { n: number }
  s.event('tick', { n: '1' });
  // @ts-expect-error message data is a string
  s.event('message', 1);
  // Async handlers, and handlers that return the script, both fit.
  return Promise.resolve(s.end());
});

// The kit's fetch is what sse-kit's `fetch` option takes, and its EventSource what `EventSource` takes.
expectTypeOf(server.fetch).toMatchTypeOf<FetchLike>();
createEventStream<Events>('/events', { fetch: server.fetch, EventSource: server.EventSource });

// msw's `http` namespace fits the structural type: the kit never imports msw.
server.handler(http, 'post', '/chat');
http.all('/events', server.resolver);

// The script of a recorded connection keeps the map, for pushing from the test.
void server.connection(1).then((c) => {
  c.script.event('tick', { n: 2 });
  // @ts-expect-error still checked against the map
  c.script.event('tick', 2);
});

// Without a map, any event type and any data.
mockServer((s) => s.event('anything', [1, 2]).event('x', 'y'));
