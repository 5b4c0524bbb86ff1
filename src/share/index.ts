import type { SharedLink, StreamOptions, TabSharing } from 'sse-kit';
import { groupKey } from './key.js';
import { TabLink } from './link.js';
import type { ChannelLike } from './protocol.js';

/** Options of {@link shareAcrossTabs}. Times in milliseconds. */
export interface ShareOptions {
  /**
   * Name of the group: tabs whose streams have the same key share one connection. By default the
   * key is derived from the URL, method, credentials, static headers and a string body (hashed).
   * Required to share a stream whose `headers` or `body` is a function (e.g. a token read per
   * attempt): sse-kit cannot see what it sends, so without a key such a stream stays `solo`.
   * Put whatever tells users apart in it (e.g. the user id).
   */
  key?: string | undefined;
  /** How often a follower checks that the leader still answers. @defaultValue 500 */
  pingInterval?: number | undefined;
  /** A leader that has not answered for this long (a frozen tab) is replaced. @defaultValue 2000 */
  takeoverAfter?: number | undefined;
}

/** Runs every attempt itself: where Web Locks or BroadcastChannel is missing, or the stream cannot be keyed. */
const solo: SharedLink = { connect: (connect, request, sink) => connect(request, sink), leave() {} };

/** Whether the core could pick EventSource for this stream (mirrors its transport choice). */
function nativeLikely(o: StreamOptions): boolean {
  if (o.transport === 'native') return true;
  return (
    o.transport !== 'fetch' &&
    (o.method ?? 'GET') === 'GET' &&
    o.body === undefined &&
    o.headers === undefined &&
    o.redirect !== 'error' &&
    !!(o.EventSource ?? globalThis.EventSource)
  );
}

/**
 * Shares one connection between the tabs of this origin that open the same stream: one tab (the
 * leader, elected with Web Locks) connects, the others receive its events over a BroadcastChannel.
 * Each tab's stream behaves as if unshared (its own listeners, state, lastEventId, close()); see
 * `stream.role` and `onRoleChange`. Without Web Locks or BroadcastChannel, each tab connects
 * (`solo`). Usage (docs/share.md):
 *
 * ```ts
 * import { createEventStream } from 'sse-kit';
 * import { shareAcrossTabs } from 'sse-kit/share';
 * const stream = createEventStream('/events', { share: shareAcrossTabs() });
 * stream.role; // 'leader' | 'follower' | 'solo'
 * ```
 */
export function shareAcrossTabs(options: ShareOptions = {}): TabSharing {
  const timing = { pingInterval: options.pingInterval ?? 500, takeoverAfter: options.takeoverAfter ?? 2000 };
  return {
    join(o, setRole) {
      const name = groupKey(o, options.key);
      const locks = globalThis.navigator?.locks;
      if (!name || !locks || typeof BroadcastChannel !== 'function') return solo;
      const env = { locks, channel: (n: string) => new BroadcastChannel(n) as unknown as ChannelLike, now: Date.now, random: Math.random };
      const param = o.lastEventIdParam === undefined ? 'lastEventId' : o.lastEventIdParam;
      return new TabLink({ name, param, nativeLikely: nativeLikely(o), timing }, env, setRole);
    },
  };
}
