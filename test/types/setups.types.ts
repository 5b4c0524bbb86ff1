// Type tests for issue 13 ("types that fit every TypeScript setup"), checked by the repo's
// `tsc --noEmit`. What only another tsconfig can show (exactOptionalPropertyTypes, no DOM lib,
// webworker) is checked on the published .d.ts by test/package/types-matrix.test.ts.
import type { StandardSchemaV1 as SpecSchema } from '@standard-schema/spec';
import { expectTypeOf } from 'vitest';
import {
  type BodyLike,
  type CredentialsLike,
  createEventStream,
  type EventSource,
  type EventSourceInit,
  type EventSourceLike,
  type EventStream,
  type HeadersLike,
  type SSEKitError,
  type StandardSchemaV1,
  type StreamEvent,
  type StreamOptions,
} from '../../src/index.js';

// Event maps may be interfaces (no index signature) as well as type aliases.
interface Events {
  tick: { n: number };
  message: string;
}
type AliasEvents = { tick: { n: number }; message: string };
const stream = createEventStream<Events>('/e');
expectTypeOf(stream).toEqualTypeOf<EventStream<Events>>();
stream.on('tick', (tick, event) => {
  expectTypeOf(tick).toEqualTypeOf<{ n: number }>();
  expectTypeOf(event.type).toEqualTypeOf<'tick'>();
});
expectTypeOf<StreamEvent<Events>>().toEqualTypeOf<StreamEvent<AliasEvents>>();
expectTypeOf<StreamEvent<Events>>().toEqualTypeOf<
  { type: 'tick'; data: { n: number }; id: string } | { type: 'message'; data: string; id: string }
>();
declare const tickSchema: StandardSchemaV1<{ n: number }>;
expectTypeOf<StreamOptions<Events>['schemas']>().toEqualTypeOf<
  { tick?: StandardSchemaV1<{ n: number }> | undefined; message?: StandardSchemaV1<string> | undefined } | undefined
>();
createEventStream<Events>('/e', { schemas: { tick: tickSchema } });
// A schema typed by the Standard Schema package itself (what zod, valibot and arktype return) fits.
declare const specSchema: SpecSchema<unknown, { n: number }>;
createEventStream<Events>('/e', { schemas: { tick: specSchema } });
// @ts-expect-error unknown event type on an interface map
stream.on('tock', () => {});
// @ts-expect-error an event map is an object type, not a primitive
createEventStream<string>('/e');
// @ts-expect-error StreamEvent needs an object type too
expectTypeOf<StreamEvent<number>>();

// Untyped streams still take any event type, with unknown data.
const untyped = createEventStream('/e');
untyped.on('anything', (data: unknown) => data);
untyped.on('other', (data) => expectTypeOf(data).toEqualTypeOf<unknown>());
expectTypeOf<StreamEvent>().toEqualTypeOf<{ type: string; data: unknown; id: string }>();

// onUnauthorized: any result (the refreshed token, nothing, a promise of either) is fine.
expectTypeOf<StreamOptions['onUnauthorized']>().toEqualTypeOf<((error: SSEKitError) => unknown) | undefined>();
declare function refresh(): Promise<string>;
createEventStream('/e', { onUnauthorized: () => refresh() });
createEventStream('/e', { onUnauthorized: async (error) => void expectTypeOf(error).toEqualTypeOf<SSEKitError>() });
// @ts-expect-error its argument is the error
createEventStream('/e', { onUnauthorized: (error: number) => error });

// Request types are the runtime's fetch types: with the DOM lib, exactly the DOM's.
expectTypeOf<HeadersLike>().toEqualTypeOf<HeadersInit>();
expectTypeOf<BodyLike>().toEqualTypeOf<BodyInit>();
expectTypeOf<CredentialsLike>().toEqualTypeOf<RequestCredentials>();
expectTypeOf<EventSourceInit['headers']>().toEqualTypeOf<HeadersInit | undefined>();
expectTypeOf<EventSourceInit['body']>().toEqualTypeOf<BodyInit | undefined>();
// @ts-expect-error not a credentials mode
createEventStream('/e', { credentials: 'always' });
// @ts-expect-error not a body
createEventStream('/e', { method: 'POST', body: 42 });

// The runtime's own EventSource and fetch can be injected.
expectTypeOf(globalThis.EventSource).toMatchTypeOf<EventSourceLike>();
createEventStream('/e', { EventSource: globalThis.EventSource, fetch: globalThis.fetch });

// The EventSource class types its standard events like the DOM's.
declare const source: EventSource;
source.addEventListener('message', (event) => expectTypeOf(event).toEqualTypeOf<MessageEvent>());
source.addEventListener('open', (event) => expectTypeOf(event).toEqualTypeOf<Event>());
source.addEventListener('tick', { handleEvent: (event) => expectTypeOf(event).toEqualTypeOf<MessageEvent>() });
source.addEventListener('tick', () => {}, { once: true, signal: new AbortController().signal });
// @ts-expect-error options are a boolean or an options object
source.addEventListener('tick', () => {}, 'once');
