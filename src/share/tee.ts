import type { Sink } from '../transports/transport.js';
import type { Fence } from './fence.js';
import type { LeaderMessage } from './protocol.js';
import type { IdCarrier } from './request-id.js';

// The core's Sink, imported as a type (erased from the bundle). Request and End are narrower
// structural views of AttemptRequest and AttemptEnd: the parts the link reads or makes itself.

export type { Sink };

/** The parts of an attempt's request the link reads or rewrites. */
export interface Request extends IdCarrier {
  signal: AbortSignal;
}

/** How an attempt ended (the core's `AttemptEnd`; the link makes only these kinds itself). */
export type End = { kind: 'aborted' | 'end' | 'no-content' } | { kind: string };

/** Activity (bytes arrived) is broadcast at most this often: once per chunk would be too chatty. */
const ACTIVITY_EVERY = 250;

/** Where the leader's reports go besides its own stream. */
export interface Group {
  readonly fence: Fence;
  /** Sends to the other tabs, with this leader's epoch. */
  post(message: LeaderMessage): void;
  epoch(): number;
  now(): number;
  /** The connection opened: remembered for followers that join later. */
  opened(status: number, url: string): void;
  /** The transport's subscription to event types (native): used for the types followers listen to. */
  listen(listen: (type: string) => void): void;
}

/**
 * The leader's sink: every report goes to this tab's stream and to the group, through the fence
 * (a leader woken from a freeze may hold events the new leader already sent). Once `live()` is
 * false (this tab stepped down), the old connection's reports go nowhere.
 */
export function teeSink(sink: Sink, live: () => boolean, group: Group): Sink {
  const { fence } = group;
  const post = (message: LeaderMessage) => live() && group.post(message);
  let activityAt = Number.NEGATIVE_INFINITY;
  return {
    open: (status, url) => {
      if (!live()) return;
      group.opened(status, url);
      sink.open(status, url);
      post({ t: 'open', e: group.epoch(), status, url });
    },
    activity: () => {
      sink.activity();
      const now = group.now();
      if (now - activityAt < ACTIVITY_EVERY) return;
      activityAt = now;
      post({ t: 'act', e: group.epoch() });
    },
    id: (id) => {
      if (!live() || !fence.id(id)) return;
      sink.id(id);
      post({ t: 'id', e: group.epoch(), id });
    },
    message: (type, data) => {
      if (!live() || !fence.message()) return;
      sink.message(type, data);
      post({ t: 'msg', e: group.epoch(), id: fence.last, type, data });
    },
    retry: (ms) => {
      sink.retry(ms);
      post({ t: 'retry', e: group.epoch(), ms });
    },
    backpressure: () => sink.backpressure(),
    types: (listen) => {
      group.listen(listen);
      sink.types(listen);
    },
    reconnecting: () => sink.reconnecting(),
  };
}
