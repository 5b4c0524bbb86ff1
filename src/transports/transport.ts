import type { SSEKitError } from '../errors.js';
import type { EventSourceLike, FetchLike, TransportName } from '../types.js';

/** One connection attempt's inputs, already resolved for this attempt. */
export interface AttemptRequest {
  url: string;
  method: string;
  headers: Headers;
  body: BodyInit | undefined;
  credentials: RequestCredentials | undefined;
  lastEventId: string;
  lastEventIdParam: string | false;
  maxEventSize: number;
  flushIncompleteEvent: boolean;
  signal: AbortSignal;
  fetch: FetchLike | undefined;
  EventSource: EventSourceLike | undefined;
  /** Event types with a listener (the native transport must subscribe to each by name). */
  types: Iterable<string>;
  /** Set by a transport that must be told about event types that get a listener later. */
  listen?: (type: string) => void;
}

/** How a transport reports what happens during one attempt. */
export interface Sink {
  open(status: number, url: string): void;
  /** Bytes arrived (comments and partial events count): feeds stall detection. */
  activity(): void;
  id(id: string): void;
  message(type: string, data: string): void;
  retry(ms: number): void;
  /** A non-fatal problem (oversized event); the attempt goes on. */
  error(error: SSEKitError): void;
  /** Resolves when the consumer has room again; undefined when it has room now. */
  backpressure(): Promise<void> | undefined;
}

/** How an attempt ended. `aborted` means our own signal fired: the client knows why. */
export type AttemptEnd =
  | { kind: 'end' }
  | { kind: 'no-content' }
  | { kind: 'aborted' }
  | { kind: 'error'; error: SSEKitError };

/** A transport makes exactly one connection attempt and never retries by itself. */
export interface Transport {
  name: TransportName;
  connect(request: AttemptRequest, sink: Sink): Promise<AttemptEnd>;
}
