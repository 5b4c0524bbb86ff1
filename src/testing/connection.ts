// What the mock server records about each connection: plain data, so `toMatchObject` and
// `toEqual` read naturally in vitest and jest.
import type { EventMap } from 'sse-kit';
import type { Script } from './script.js';

/** How a connection finished: the script ended or dropped it, or the client went away. */
export type Outcome = 'end' | 'drop' | 'abort';

/** One request the mock server answered, with everything a test asserts on. */
export interface Connection<E extends EventMap = EventMap> {
  /** 1 for the first connection to this server, 2 for the next (the reconnection), and so on. */
  attempt: number;
  method: string;
  /** Absolute URL, query included. */
  url: string;
  /** Path without the query, e.g. `/events`. */
  path: string;
  /** Query parameters as a plain object (the first value of each). */
  query: Record<string, string>;
  /** Request headers, names lowercased. */
  headers: Record<string, string>;
  /** Request body as text (`''` when none). */
  body: string;
  /**
   * The id the client resumes from: the `Last-Event-ID` header (its UTF-8 bytes decoded, as
   * browsers send them), else the `lastEventId` query parameter (sse-kit's native transport),
   * else `undefined`.
   */
  lastEventId: string | undefined;
  /** `Date.now()` when the request arrived (fake timers that fake `Date` move it). */
  at: number;
  /** `Date.now()` when it finished; `undefined` while open. */
  endedAt: number | undefined;
  /** How it finished; `undefined` while open. */
  outcome: Outcome | undefined;
  /** Resolves with the outcome once the connection is over. */
  ended: Promise<Outcome>;
  /** The connection's script: queue more steps here to push events from the test while it is open. */
  script: Script<E>;
  /** What the handler threw, if it threw (the response was then a 500 with the message). */
  error: unknown;
}

/** The request fields of a connection, before it is scripted. */
export type RequestInfo = Pick<Connection, 'method' | 'url' | 'headers' | 'body'>;

/** Fills in the derived fields of a new connection record; the runner settles `ended`. */
export function createConnection<E extends EventMap>(
  info: RequestInfo,
  attempt: number,
  script: Script<E>,
): { connection: Connection<E>; settle: (outcome: Outcome) => void } {
  const url = new URL(info.url);
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) if (!(key in query)) query[key] = value;
  const header = info.headers['last-event-id'];
  let settle!: (outcome: Outcome) => void;
  const connection: Connection<E> = {
    attempt,
    ...info,
    path: url.pathname,
    query,
    lastEventId: header !== undefined ? fromByteString(header) : query.lastEventId,
    at: Date.now(),
    endedAt: undefined,
    outcome: undefined,
    ended: new Promise<Outcome>((resolve) => (settle = resolve)),
    script,
    error: undefined,
  };
  return {
    connection,
    settle: (outcome) => {
      if (connection.outcome) return;
      connection.outcome = outcome;
      connection.endedAt = Date.now();
      settle(outcome);
    },
  };
}

/** Headers as a plain object with lowercased names. */
export function headerObject(headers: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) out[name.toLowerCase()] = value;
  return out;
}

// A header value is a byte string: a non-ASCII id arrives as its UTF-8 bytes, one char per byte.
function fromByteString(value: string): string {
  if (!/[^\x20-\x7e]/.test(value) || /[^\x00-\xff]/.test(value)) return value;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(value, (c) => c.charCodeAt(0)));
  } catch {
    return value;
  }
}
