import type { SSEKitError } from '../errors.js';
import type { EventSourceLike, FetchLike, TransportName } from '../types.js';

/** One connection attempt's inputs, resolved for this attempt: only what a transport needs. */
export interface AttemptRequest {
  /** The URL to connect to (with the id in the query where it must travel there). */
  url: string;
  method: string;
  headers: Headers;
  body: BodyInit | undefined;
  credentials: RequestCredentials | undefined;
  /** `error`: a redirect fails the attempt with its 3xx status instead of being followed. */
  redirect: 'follow' | 'error';
  /** `Last-Event-ID` header value, already encoded; empty: send none. */
  lastEventId: string;
  maxEventSize: number;
  flushIncompleteEvent: boolean;
  signal: AbortSignal;
  /** Which statuses open the stream (others end the attempt with an HttpStatusError). */
  opens: (status: number) => boolean;
  fetch?: FetchLike | undefined;
  EventSource?: EventSourceLike | undefined;
}

/** How a transport reports what happens during one attempt. */
export interface Sink {
  open(status: number, url: string): void;
  /** Bytes arrived (comments and partial events count): feeds stall detection. */
  activity(): void;
  id(id: string): void;
  message(type: string, data: string): void;
  retry(ms: number): void;
  /** Resolves when the consumer has room again; undefined when it has room now. */
  backpressure(): Promise<void> | undefined;
  /** Calls `listen` for every event type with a listener, now and whenever one is added. */
  types(listen: (type: string) => void): void;
  /** The browser lost an open connection and is reconnecting by itself; false: stop it. */
  reconnecting(): boolean;
}

/**
 * How an attempt ended. `aborted`: our own signal fired (the client knows why). `refused`: the
 * browser failed the connection without saying why (a status or content type it refused).
 */
export type AttemptEnd =
  | { kind: 'end' }
  | { kind: 'no-content' }
  | { kind: 'aborted' }
  | { kind: 'refused' }
  | { kind: 'error'; error: SSEKitError };

/** A transport makes one connection attempt and never retries by itself (see native.ts for the one exception). */
export interface Transport {
  name: TransportName;
  /** Whether it sees comments (so stalls can be detected from heartbeats). */
  seesComments: boolean;
  connect(request: AttemptRequest, sink: Sink): Promise<AttemptEnd>;
}
