// What the tabs of a sharing group say to each other over their BroadcastChannel. `e` is the
// epoch of the leader that sent an event: a leader that was replaced (frozen, then woken) still
// sends with its old epoch, and every tab drops what comes from below the highest it has seen.

/**
 * Sent by the leader: its events, raw (each tab decodes them with its own options). A message
 * carries its id too, for a tab that joined between the two.
 */
export type LeaderMessage =
  | { t: 'lead'; e: number }
  | { t: 'open'; e: number; status: number; url: string; to?: string }
  | { t: 'id'; e: number; id: string }
  | { t: 'msg'; e: number; id: string; type: string; data: string }
  | { t: 'retry'; e: number; ms: number }
  | { t: 'act'; e: number }
  | { t: 'end'; e: number; kind: 'end' | 'no-content' }
  | { t: 'pong'; e: number };

/** Sent by a follower: a liveness check, a greeting (the leader answers with its open state), the event types it listens to. */
export type FollowerMessage = { t: 'ping' } | { t: 'hello'; from: string } | { t: 'types'; types: string[] };

export type Message = LeaderMessage | FollowerMessage;

/** The part of `BroadcastChannel` the link uses (a fake in unit tests). */
export interface ChannelLike {
  postMessage(message: Message): void;
  onmessage: ((event: { data: Message }) => void) | null;
  close(): void;
}

/** The part of `LockManager` the link uses. */
export interface LocksLike {
  request(name: string, options: LockOptions, callback: (lock: Lock | null) => unknown): Promise<unknown>;
}

/** What a link takes from the browser, injected so tests can run it on fakes. */
export interface TabEnv {
  locks: LocksLike;
  channel(name: string): ChannelLike;
  now(): number;
  random(): number;
}

/** How fast a follower notices a leader that stopped answering. Milliseconds. */
export interface Timing {
  pingInterval: number;
  takeoverAfter: number;
}
