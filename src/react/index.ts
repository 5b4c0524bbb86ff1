/**
 * `sse-kit/react`: hooks over one shared, ref-counted connection per URL and request options.
 * React ≥ 18 is an optional peer dependency.
 */
export { useEvent } from './use-event.js';
export { type EventStreamResult, useEventStream } from './use-event-stream.js';
export type * from '../hooks-core/types.js';
