// Type tests: checked by `tsc --noEmit` (npm test's typecheck step), never executed.
// Both ways: what must compile (expectTypeOf) and what must not (@ts-expect-error).
import { expectTypeOf } from 'vitest';
import {
  createEventStream,
  type EventStream,
  HttpStatusError,
  isSSEKitError,
  type RawEvent,
  type SSEKitError,
  type StandardSchemaV1,
  type StreamEvent,
  type StreamState,
} from '../../src/index.js';

type Events = { tick: { n: number }; message: string };
declare const stream: EventStream<Events>;

// Listener values are inferred from the event map.
stream.on('tick', (tick, event) => {
  expectTypeOf(tick).toEqualTypeOf<{ n: number }>();
  expectTypeOf(event).toMatchTypeOf<RawEvent>();
  expectTypeOf(event.type).toEqualTypeOf<'tick'>();
});
stream.on('message', (text) => expectTypeOf(text).toEqualTypeOf<string>());
expectTypeOf(stream.on('tick', () => {})).toEqualTypeOf<() => void>();

// @ts-expect-error unknown event type
stream.on('tock', () => {});
// @ts-expect-error wrong payload type
stream.on('tick', (tick: { n: string }) => tick);

// The iterator yields a discriminated union.
async function iterate() {
  for await (const event of stream) {
    expectTypeOf(event).toEqualTypeOf<StreamEvent<Events>>();
    if (event.type === 'tick') expectTypeOf(event.data).toEqualTypeOf<{ n: number }>();
    else expectTypeOf(event.data).toEqualTypeOf<string>();
  }
}
void iterate;

// Without a map, any type is allowed and values are unknown.
const loose = createEventStream('/e');
loose.on('anything', (value) => expectTypeOf(value).toEqualTypeOf<unknown>());

expectTypeOf(stream.state).toEqualTypeOf<StreamState>();
expectTypeOf(stream.lastEventId).toEqualTypeOf<string>();
expectTypeOf(stream.transport).toEqualTypeOf<'native' | 'fetch'>();

// Options: schemas must match the map; callbacks get typed arguments.
declare const tickSchema: StandardSchemaV1<{ n: number }>;
declare const wrongSchema: StandardSchemaV1<{ n: string }>;
createEventStream<Events>('/e', {
  schemas: { tick: tickSchema },
  retry: {
    jitter: 'equal',
    shouldRetry: (error, attempt) => {
      expectTypeOf(error).toEqualTypeOf<SSEKitError>();
      return attempt < 5;
    },
  },
  onRetry: ({ attempt, error }) => {
    expectTypeOf(attempt).toEqualTypeOf<number>();
    expectTypeOf(error).toEqualTypeOf<SSEKitError | undefined>();
  },
  onClose: ({ reason }) => expectTypeOf(reason).toEqualTypeOf<'close' | 'end' | 'no-content' | 'error'>(),
  headers: async () => ({ Authorization: 'Bearer x' }),
  body: () => JSON.stringify({}),
});
// @ts-expect-error schema output does not match the event map
createEventStream<Events>('/e', { schemas: { tick: wrongSchema } });
// @ts-expect-error unknown transport
createEventStream('/e', { transport: 'websocket' });
// @ts-expect-error jitter is a closed set
createEventStream('/e', { retry: { jitter: 'some' } });

// Error narrowing.
declare const error: unknown;
if (isSSEKitError(error)) expectTypeOf(error.code).toEqualTypeOf<SSEKitError['code']>();
if (error instanceof HttpStatusError) expectTypeOf(error.status).toEqualTypeOf<number>();
