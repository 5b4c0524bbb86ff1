export { createEventStream, EventStream } from './client.js';
export { EventSource } from './event-source.js';
export { EventSourceErrorEvent } from './event-source-error.js';
export type { EventSourceInit } from './event-source.js';
export {
  ContentTypeError,
  DecodeError,
  EventTooLargeError,
  HandlerError,
  HttpStatusError,
  isSSEKitError,
  NetworkError,
  RetryExhaustedError,
  SSEKitError,
  TimeoutError,
} from './errors.js';
export type { ErrorByCode, ErrorCode, RawEvent } from './errors.js';
export type {
  BodyLike,
  BodyOption,
  CloseInfo,
  CredentialsLike,
  EventMap,
  EventSourceLike,
  FetchLike,
  HeadersLike,
  HeadersOption,
  IdStorage,
  Listener,
  OpenInfo,
  RetryInfo,
  RetryOptions,
  StandardSchemaV1,
  StreamEvent,
  SharedLink,
  StreamOptions,
  StreamRole,
  StreamState,
  TabSharing,
  TransportName,
} from './types.js';
