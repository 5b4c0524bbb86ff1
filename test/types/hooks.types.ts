// Type tests of sse-kit/react and sse-kit/vue: checked by `tsc --noEmit`, never executed.
import type { SSEKitError, StreamEvent } from 'sse-kit';
import { useEvent, useEventStream } from 'sse-kit/react';
import { useEventStream as useVueEventStream } from 'sse-kit/vue';
import { expectTypeOf } from 'vitest';
import { type Ref, ref } from 'vue';

type Events = { tick: { n: number }; message: { text: string } };

// React: data is the last value per type, each possibly not received yet.
function ReactTypes() {
  const stream = useEventStream<Events>('/counter');
  expectTypeOf(stream.data.tick).toEqualTypeOf<{ n: number } | undefined>();
  expectTypeOf(stream.data.message).toEqualTypeOf<{ text: string } | undefined>();
  expectTypeOf(stream.state).toEqualTypeOf<'idle' | 'connecting' | 'open' | 'retrying' | 'paused' | 'closed'>();
  expectTypeOf(stream.lastEventId).toEqualTypeOf<string>();
  expectTypeOf(stream.error).toEqualTypeOf<SSEKitError | undefined>();
  expectTypeOf(stream.close).toEqualTypeOf<() => void>();
  // @ts-expect-error 'tock' is not in the map
  stream.data.tock;
  // @ts-expect-error data is immutable
  stream.data.tick = { n: 1 };

  // A reducer gives its own type to data; the event is the map's discriminated union.
  const sum = useEventStream<Events, number>('/counter', {
    reducer: (total, event) => {
      expectTypeOf(event).toEqualTypeOf<StreamEvent<Events>>();
      return event.type === 'tick' ? total + event.data.n : total;
    },
    initial: 0,
    throttle: 100,
  });
  expectTypeOf(sum.data).toEqualTypeOf<number>();
  // @ts-expect-error the reducer must return the type of initial
  useEventStream<Events, number>('/counter', { reducer: () => 'x', initial: 0 });
  // @ts-expect-error a reducer needs its initial value
  useEventStream<Events, number>('/counter', { reducer: (n: number) => n });

  // Without type arguments, data's type comes from initial.
  const texts = useEventStream('/log', { reducer: (all: string[]) => all, initial: [] as string[] });
  expectTypeOf(texts.data).toEqualTypeOf<string[]>();

  // null: not connected; stream options pass through, signal does not (the hook owns the lifetime).
  useEventStream<Events>(null, { headers: () => ({ Authorization: 'Bearer x' }), key: 'user-1', types: ['tick'] });
  // @ts-expect-error types must name events of the map
  useEventStream<Events>('/counter', { types: ['tock'] });
  // @ts-expect-error the hook closes the stream itself
  useEventStream<Events>('/counter', { signal: new AbortController().signal });

  // useEvent: the handler's value follows the type.
  useEvent(stream, 'tick', (tick, event) => {
    expectTypeOf(tick).toEqualTypeOf<{ n: number }>();
    expectTypeOf(event.type).toEqualTypeOf<'tick'>();
  });
  useEvent(null, 'tick', () => {});
  // @ts-expect-error unknown event type
  useEvent(stream, 'tock', () => {});
  // @ts-expect-error wrong payload type
  useEvent(stream, 'tick', (tick: { n: string }) => tick);
  return null;
}

// Vue: the same map, as refs; the URL may be a ref, a getter or a string. (Named use… so the
// React rules-of-hooks lint accepts composable calls in it.)
function useVueTypes() {
  const room = ref('lobby');
  const { state, data, error, lastEventId, on } = useVueEventStream<Events>(() => `/rooms/${room.value}`);
  expectTypeOf(data.value.tick).toEqualTypeOf<{ n: number } | undefined>();
  expectTypeOf(state.value).toEqualTypeOf<'idle' | 'connecting' | 'open' | 'retrying' | 'paused' | 'closed'>();
  expectTypeOf(error.value).toEqualTypeOf<SSEKitError | undefined>();
  expectTypeOf(lastEventId.value).toEqualTypeOf<string>();
  on('message', (message) => expectTypeOf(message).toEqualTypeOf<{ text: string }>());
  // @ts-expect-error unknown event type
  on('tock', () => {});
  // @ts-expect-error the refs are read-only
  data.value = {};
  const url: Ref<string | null> = ref(null);
  const count = useVueEventStream<Events, number>(url, { reducer: (n) => n + 1, initial: 0 });
  expectTypeOf(count.data.value).toEqualTypeOf<number>();
  // @ts-expect-error not a URL
  useVueEventStream<Events>(42);
}

export { ReactTypes, useVueTypes };
