/**
 * `sse-kit/vue`: a composable over one shared, ref-counted connection per URL and request options.
 * Vue ≥ 3.3 is an optional peer dependency.
 */
export { type EventStreamRefs, useEventStream } from './use-event-stream.js';
export type * from '../hooks-core/types.js';
