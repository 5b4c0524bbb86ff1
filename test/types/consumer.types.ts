// What an app writes, checked twice: by the repo's `tsc --noEmit` against src, and by
// test/package/types-matrix.test.ts against the published dist/index.d.ts (copied as app.mts) and
// dist/index.d.cts (as app.cts) under several consumer tsconfigs (DOM, Node-only, webworker,
// exactOptionalPropertyTypes, skipLibCheck off). So it imports only 'sse-kit' and uses no test
// library: positive checks are exact-type assertions, negative ones @ts-expect-error.
import {
  createEventStream,
  EventSource,
  type EventSourceInit,
  type EventStream,
  HttpStatusError,
  isSSEKitError,
  type RetryOptions,
  SSEKitError,
  type StandardSchemaV1,
  type StreamEvent,
  type StreamOptions,
} from 'sse-kit';

/** True when A and B are the same type (not merely assignable). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(proof: Equals<A, B>): Equals<A, B> => proof;

const url = 'https://example.com/events';

// An event map declared as an interface, the way most apps declare them.
interface Events {
  tick: { n: number };
  message: string;
}
const stream: EventStream<Events> = createEventStream<Events>(url);
stream.on('tick', (tick, event) => {
  same<typeof tick, { n: number }>(true);
  same<typeof event.type, 'tick'>(true);
});
// @ts-expect-error unknown event type
stream.on('tock', () => {});
// @ts-expect-error wrong payload type
stream.on('tick', (tick: { n: string }) => tick);
export async function lastTick(s: EventStream<Events>): Promise<number> {
  for await (const event of s) {
    same<typeof event, StreamEvent<Events>>(true);
    if (event.type === 'tick') return event.data.n;
  }
  return -1;
}
declare const tickSchema: StandardSchemaV1<{ n: number }>;
declare const wrongSchema: StandardSchemaV1<{ n: string }>;
createEventStream<Events>(url, { schemas: { tick: tickSchema } });
// @ts-expect-error schema output does not match the interface
createEventStream<Events>(url, { schemas: { tick: wrongSchema } });
// @ts-expect-error an event map is an object type
createEventStream<string>(url);

// Without a map every event type is allowed and its data is unknown.
const untyped = createEventStream(url);
untyped.on('anything', (data: unknown) => data);
untyped.on('other', (data) => same<typeof data, unknown>(true));

// Optional values forwarded as they are (exactOptionalPropertyTypes: `T | undefined` everywhere).
interface AppOptions {
  signal?: AbortSignal | undefined;
  lastEventId?: string | undefined;
  headers?: Record<string, string> | undefined;
  maxAttempts?: number | undefined;
  credentials?: 'include' | 'omit' | undefined;
  withCredentials?: boolean | undefined;
  onClose?: (() => void) | undefined;
}
export function connect(opts: AppOptions): EventStream<Events> {
  const retry: RetryOptions = { maxAttempts: opts.maxAttempts, initialDelay: undefined, shouldRetry: undefined };
  const options: StreamOptions<Events> = {
    signal: opts.signal,
    lastEventId: opts.lastEventId,
    headers: opts.headers,
    credentials: opts.credentials,
    retry,
    onClose: opts.onClose,
    schemas: { tick: undefined },
  };
  return createEventStream<Events>(url, options);
}
export function connectStandard(opts: AppOptions): EventSource {
  const init: EventSourceInit = { withCredentials: opts.withCredentials, headers: opts.headers, body: undefined };
  return new EventSource(url, init);
}

// onUnauthorized may return the refreshed token (or anything): sse-kit awaits it and ignores the value.
declare function refresh(): Promise<string>;
let token = '';
createEventStream(url, {
  onUnauthorized: () => refresh(),
  headers: async () => ({ authorization: `Bearer ${token || (token = await refresh())}` }),
});
createEventStream(url, { onUnauthorized: async () => void (token = await refresh()) });
createEventStream(url, { onUnauthorized: () => token });

// Request options accept what fetch accepts in every runtime, and reject what it does not.
createEventStream(url, { method: 'POST', body: JSON.stringify({ q: 1 }), credentials: 'include' });
createEventStream(url, { method: 'POST', body: () => new URLSearchParams({ q: '1' }) });
createEventStream(url, { method: 'POST', body: new Uint8Array([1]), headers: [['x-a', '1']] });
createEventStream(url, { method: 'POST', body: new Blob(['{}']), headers: new Headers({ 'x-a': '1' }) });
createEventStream(url, { fetch: globalThis.fetch, signal: new AbortController().signal });
createEventStream(url, { EventSource: globalThis.EventSource, transport: 'native' });
// @ts-expect-error a number is no body
createEventStream(url, { method: 'POST', body: 42 });
// @ts-expect-error a header value is a string
createEventStream(url, { headers: { 'x-a': 1 } });
// @ts-expect-error credentials is a closed set
createEventStream(url, { credentials: 'always' });
// @ts-expect-error onUnauthorized receives the error, not a string
createEventStream(url, { onUnauthorized: (error: string) => error });

// The standard EventSource, with headers.
const source = new EventSource(url, { headers: { authorization: 'Bearer x' }, method: 'POST', body: '{}' });
source.onmessage = (event) => same<typeof event.lastEventId, string>(true);
source.addEventListener('message', (event) => same<typeof event.lastEventId, string>(true));
source.addEventListener('open', (event) => same<typeof event.type, string>(true));
source.addEventListener('tick', () => source.close(), { once: true });
same<typeof source.readyState, number>(true);
same<typeof EventSource.CLOSED, 2>(true);
// @ts-expect-error headers are not a number
new EventSource(url, { headers: 1 });

// Errors narrow by class and by code.
declare const failure: unknown;
if (isSSEKitError(failure, 'HTTP_STATUS')) same<typeof failure, HttpStatusError>(true);
if (failure instanceof HttpStatusError) same<typeof failure.status, number>(true);
if (failure instanceof SSEKitError) same<typeof failure.code, SSEKitError['code']>(true);
// @ts-expect-error not an error code
isSSEKitError(failure, 'NOPE');
