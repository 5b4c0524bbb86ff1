/**
 * What every tab of a sharing group applies to each event before delivering it, whoever sent it:
 * an epoch fence (a leader that was replaced, e.g. frozen and woken, is ignored) and a window of
 * recent ids (a new leader that resumed from an older id, or a woken one whose socket still held
 * buffered events, repeats events this tab already has). Pure: no timers, no globals.
 */
export class Fence {
  /** Highest leader epoch seen: messages from a lower one are stale. */
  #epoch = 0;
  #recent = new Set<string>();
  /** After a repeated id, the events that follow it (up to the next new id) repeat too. */
  #skipping = false;
  /** A new leader began: its first id, if it is the last one again, is a replay, not a batch. */
  #changed = false;
  /** The newest id accepted: where a new leader resumes. */
  last = '';

  constructor(private readonly size = 512) {}

  get epoch(): number {
    return this.#epoch;
  }

  /** Whether a message of leader `epoch` is current; a higher epoch raises the fence. */
  current(epoch: number): boolean {
    if (epoch < this.#epoch) return false;
    if (epoch > this.#epoch) {
      this.#epoch = epoch;
      this.#skipping = false;
      this.#changed = true;
    }
    return true;
  }

  /**
   * Whether an event's `id` field is new here (then it is recorded as the last id). An id seen
   * recently starts a replay: it and the events up to the next new id are repeats. The last id
   * again is a repeat during a replay or as a new leader's first id (it resumed from an older id
   * than this tab has), else the server gave several events one id. An empty id (the server reset
   * it) is always new: it cannot be told apart from another reset.
   */
  id(id: string): boolean {
    const changed = this.#changed;
    this.#changed = false;
    if (id !== '' && this.#recent.has(id) && (id !== this.last || this.#skipping || changed)) {
      this.#skipping = true;
      return false;
    }
    this.#skipping = false;
    this.last = id;
    if (id === '' || this.#recent.has(id)) return true;
    this.#recent.add(id);
    // A Set iterates in insertion order: the first entry is the oldest.
    if (this.#recent.size > this.size) this.#recent.delete(this.#recent.values().next().value as string);
    return true;
  }

  /** Whether a message (its id, if any, already seen by {@link Fence.id}) is to be delivered. */
  message(): boolean {
    return !this.#skipping;
  }
}
