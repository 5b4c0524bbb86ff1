import { compareIds, formatCursor } from './event-id.js';
import { formatEvent } from './format.js';
import type { StoredEvent } from './types.js';

/** Where a connection writes: a `node:http` response or a web `ReadableStream` (see sinks.ts). */
export interface Sink {
  write(chunk: string): void;
  /** Bytes written but not yet taken by the client (kernel buffers aside). */
  buffered(): number;
  /** Ends the response cleanly. */
  end(): void;
  /** Cuts the response (the client sees a network error and resumes). */
  destroy(): void;
  /** Resolves once the client took what is buffered (or the response is gone). */
  drained(): Promise<void>;
}

/** How long a client may stay past `maxBufferedBytes` before it is cut, ms. */
const GRACE_MS = 250;
/** A buffer this many times the bound cuts the client at once. */
const HARD_FACTOR = 8;

/** Live events a connection holds while it replays; past this it is cut and resumes later. */
const MAX_PENDING = 10_000;

/**
 * One client stream. Tracks the position in each topic and writes each event at most once, in
 * order: events that arrive live while the history is being replayed wait in `pending`, and
 * anything at or before the position (seen in both the replay and the live feed) is dropped.
 */
export class Connection {
  readonly topics: readonly string[];
  readonly cursors: Map<string, string>;
  /** Live events held back until the replay is written; `undefined` once live. */
  #pending: { topic: string; event: StoredEvent; block?: string }[] | undefined = [];
  #sink: Sink;
  #maxBuffered: number;
  #onClose: (evicted: boolean) => void;
  #closed = false;
  #checking = false;

  constructor(sink: Sink, topics: readonly string[], cursors: Map<string, string>, maxBuffered: number, onClose: (evicted: boolean) => void) {
    this.#sink = sink;
    this.topics = topics;
    this.cursors = cursors;
    this.#maxBuffered = maxBuffered;
    this.#onClose = onClose;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A live event of `topic`. `block` is the event already formatted with its store id, shared by
   * every single-topic connection so a fan-out formats once.
   */
  live(topic: string, event: StoredEvent, block?: string): void {
    if (this.#pending) {
      this.#pending.push({ topic, event, block });
      if (this.#pending.length > MAX_PENDING) this.close(true);
    } else this.deliver(topic, event, block);
  }

  /** Writes `event` unless the connection is already past it. */
  deliver(topic: string, event: StoredEvent, block?: string): void {
    const cursor = this.cursors.get(topic);
    if (cursor !== undefined && compareIds(event.id, cursor) <= 0) return;
    this.cursors.set(topic, event.id);
    const single = this.topics.length === 1;
    this.write(single && block ? block : formatEvent(single ? event.id : formatCursor(this.topics, this.cursors), event.type, event.data));
  }

  /** The replay is written: flush what arrived meanwhile and go live. */
  goLive(): void {
    const pending = this.#pending ?? [];
    this.#pending = undefined;
    for (const { topic, event, block } of pending) this.deliver(topic, event, block);
  }

  /**
   * Writes replayed events at the client's pace: a long history never sits in the buffer all
   * at once (which would cut a client that reads fine).
   */
  async replay(topic: string, events: readonly StoredEvent[]): Promise<void> {
    for (const event of events) {
      if (this.#closed) return;
      this.deliver(topic, event);
      if (this.#sink.buffered() > this.#maxBuffered / 2) await this.#sink.drained();
    }
  }

  /** SSE id of the connection's current position (what a client would resume from). */
  position(): string {
    return formatCursor(this.topics, this.cursors);
  }

  write(chunk: string): void {
    if (this.#closed) return;
    this.#sink.write(chunk);
    const buffered = this.#sink.buffered();
    // Far past the bound: memory comes first, cut at once.
    if (buffered > HARD_FACTOR * this.#maxBuffered) return this.close(true);
    if (this.#checking || buffered <= this.#maxBuffered) return;
    // Past the bound: judged a little later. node:http corks a response for the rest of the tick
    // and the kernel takes a burst over a few ms, so a burst alone must not cut a client that reads.
    this.#checking = true;
    const timer = setTimeout(() => {
      this.#checking = false;
      // A client that does not read: cut, and it resumes from history later.
      if (this.#sink.buffered() > this.#maxBuffered) this.close(true);
    }, GRACE_MS);
    timer.unref?.();
  }

  /** Ends the stream; `evict` cuts it instead (slow client, failure) so the client resumes. */
  close(evict = false, last?: string): void {
    if (this.#closed) return;
    if (last !== undefined) this.#sink.write(last);
    this.#closed = true;
    this.#pending = undefined;
    if (evict) this.#sink.destroy();
    else this.#sink.end();
    this.#onClose(evict);
  }

  /** The client went away: forget it without writing. */
  gone(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending = undefined;
    this.#onClose(false);
  }
}
