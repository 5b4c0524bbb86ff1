import type { TabEnv, Timing } from './protocol.js';

/**
 * A follower's check that the leader still runs: a ping every `pingInterval`, which the leader
 * answers from its message handler (so a frozen or hung tab cannot). Nothing heard for
 * `takeoverAfter` (plus a per-tab jitter, so one follower goes first) → `takeOver`. A tick that
 * comes late means this tab was frozen or throttled itself: the leader gets a fresh chance.
 */
export class LeaderWatch {
  #timer: ReturnType<typeof setInterval> | undefined;
  #tickAt = 0;
  /** When the oldest unanswered ping was sent. */
  #unanswered: number | undefined;

  constructor(
    private readonly timing: Timing,
    private readonly env: Pick<TabEnv, 'now' | 'random'>,
    private readonly ping: () => void,
    private readonly takeOver: () => void,
  ) {}

  start(): void {
    this.stop();
    const { pingInterval, takeoverAfter } = this.timing;
    const patience = takeoverAfter + this.env.random() * pingInterval;
    this.#tickAt = this.env.now();
    this.#timer = setInterval(() => {
      const now = this.env.now();
      const late = now - this.#tickAt > 2 * pingInterval + 1000;
      this.#tickAt = now;
      if (late || this.#unanswered === undefined) this.#unanswered = now;
      else if (now - this.#unanswered >= patience) {
        this.stop();
        return this.takeOver();
      }
      this.ping();
    }, pingInterval);
  }

  /** The leader was heard (an answer, or any of its messages). */
  heard(): void {
    this.#unanswered = undefined;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unanswered = undefined;
  }
}
