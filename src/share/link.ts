import type { SharedLink, StreamRole } from 'sse-kit';
import { Fence } from './fence.js';
import { LeaderWatch } from './leader-watch.js';
import type { Message, TabEnv, Timing } from './protocol.js';
import { sendsHeader, withId } from './request-id.js';
import { type End, type Group, type Request, type Sink, teeSink } from './tee.js';

type Connect = (request: Request, sink: Sink) => Promise<End>;

/** One attempt the core asked for. While `lead` is set it runs the real connection; else it follows. */
interface Attempt {
  connect: Connect;
  request: Request;
  sink: Sink;
  /** Whether its transport sends the id as a header (fetch) or in the query (native). */
  header: boolean;
  settle: (end: End | Promise<End>) => void;
  done: boolean;
  lead?: AbortController | undefined;
}

/** How long a leader that broadcast an end keeps the lock when its stream then closes. Milliseconds. */
const END_LINGER = 100;

/** What the link needs to know about the stream's request. */
export interface LinkConfig {
  /** Lock and channel name. */
  name: string;
  /** The stream's `lastEventIdParam`. */
  param: string | false;
  /** Whether the stream could run on EventSource (then an attempt without an id may be native). */
  nativeLikely: boolean;
  timing: Timing;
}

/**
 * One stream's membership in a sharing group. The tab that holds the Web Lock named after the
 * group is the leader: it runs the real connection and broadcasts what its transport reports;
 * the others feed their stream from those broadcasts. A follower that becomes leader does so
 * inside its current attempt, resuming from the newest id it has, so the core sees no drop.
 */
export class TabLink implements SharedLink {
  readonly #c: LinkConfig;
  readonly #env: TabEnv;
  readonly #setRole: (role: StreamRole) => void;
  readonly #channel;
  readonly #fence = new Fence();
  readonly #watch: LeaderWatch;
  readonly #me: string;
  #attempt: Attempt | undefined;
  /** Set while this tab holds the lock: its identity (a stolen lock's late rejection must not touch a newer one) and its release. */
  #held: { token: object; release: () => void; epoch: number } | undefined;
  /** A queued lock request, cancelled by aborting it. */
  #waiting: AbortController | undefined;
  /** The leader's connection is open: what a follower that says hello is told. */
  #open: { status: number; url: string } | undefined;
  /** The leader's native transport subscribes to every type a follower listens to, too. */
  #listen: ((type: string) => void) | undefined;
  readonly #types = new Set<string>();
  #idle: ReturnType<typeof setTimeout> | undefined;
  /** When this leader last broadcast an end. */
  #ended = Number.NEGATIVE_INFINITY;
  #left = false;
  readonly #offPage: () => void;

  constructor(config: LinkConfig, env: TabEnv, setRole: (role: StreamRole) => void) {
    this.#c = config;
    this.#env = env;
    this.#setRole = setRole;
    this.#me = env.random().toString(36).slice(2);
    this.#channel = env.channel(config.name);
    this.#watch = new LeaderWatch(config.timing, env, () => this.#post({ t: 'ping' }), () => this.#steal());
    this.#channel.onmessage = (event) => this.#receive(event.data);
    // A page about to be frozen (a background tab) or to enter the bfcache hands over at once and
    // leaves the lock's queue, instead of leaving the others to notice its silence or waiting for
    // a grant it cannot take; it queues again when it runs again.
    const away = () => {
      this.#stepDown();
      this.#waiting?.abort();
      this.#waiting = undefined;
    };
    const back = () => this.#attempt && !this.#attempt.done && this.#want();
    const on = [
      [globalThis.document, 'freeze', away],
      [globalThis.document, 'resume', back],
      [globalThis.window, 'pagehide', away],
      [globalThis.window, 'pageshow', back],
    ] as const;
    for (const [target, type, listener] of on) target?.addEventListener(type, listener);
    this.#offPage = () => {
      for (const [target, type, listener] of on) target?.removeEventListener(type, listener);
    };
  }

  connect<R, S, E>(connect: (request: R, sink: S) => Promise<E>, request: R, sink: S): Promise<E> {
    return this.#run(connect as unknown as Connect, request as unknown as Request, sink as unknown as Sink) as Promise<E>;
  }

  leave(): void {
    this.#left = true;
    clearTimeout(this.#idle);
    this.#watch.stop();
    this.#offPage();
    // Just after an end was broadcast (a POST stream closes on it), the lock would reach a
    // follower that may not have heard the end yet, and it would send the request again.
    const linger = END_LINGER - (this.#env.now() - this.#ended);
    const release = () => {
      this.#release();
      this.#channel.close();
    };
    if (linger > 0) setTimeout(release, linger);
    else release();
  }

  #run(connect: Connect, request: Request, sink: Sink): Promise<End> {
    clearTimeout(this.#idle);
    return new Promise<End>((resolve) => {
      const { param, nativeLikely } = this.#c;
      const attempt: Attempt = {
        connect,
        request,
        sink,
        header: sendsHeader(request, param, nativeLikely),
        done: false,
        settle: (end) => {
          if (attempt.done) return;
          attempt.done = true;
          if (this.#attempt === attempt) this.#watch.stop();
          resolve(end);
        },
      };
      this.#attempt = attempt;
      const { signal } = request;
      if (signal.aborted) return attempt.settle({ kind: 'aborted' });
      signal.addEventListener('abort', () => {
        attempt.lead?.abort();
        if (attempt.done) return;
        attempt.settle({ kind: 'aborted' });
        // No new attempt in the same task (a reconnect() makes one at once): the stream paused,
        // closed or backs off after a stall — hand the connection to another tab meanwhile.
        this.#idle = setTimeout(() => this.#release(), 0);
      });
      if (this.#held) this.#lead(attempt);
      else {
        this.#follow(attempt);
        this.#want();
      }
    });
  }

  // ── the lock ───────────────────────────────────────────────────────────────

  /** Queues for the lock, once; an uncontended lock is taken at once (one role change, not two). */
  #want(): void {
    if (this.#held || this.#waiting || this.#left) return;
    const waiting = (this.#waiting = new AbortController());
    this.#request({ ifAvailable: true }, waiting, () => {
      this.#setRole('follower');
      this.#request({ signal: waiting.signal }, waiting);
    });
  }

  #request(options: LockOptions, waiting: AbortController | undefined, unavailable?: () => void): void {
    const token = {};
    this.#env.locks
      .request(this.#c.name, options, (lock) => {
        // Cancelled meanwhile (left, paused, or a steal replaced this request): let it go at once.
        if (this.#left || (waiting && waiting !== this.#waiting)) return;
        if (!lock) return unavailable?.();
        return new Promise<void>((release) => this.#hold(token, release));
      })
      // Rejected: a steal took the lock from us (or our own abort cancelled the request).
      .catch(() => this.#held?.token === token && this.#stepDown());
  }

  #hold(token: object, release: () => void): void {
    this.#waiting = undefined;
    // Above every epoch this tab has seen, and above a frozen leader's it has not: clocks of one browser agree.
    const epoch = Math.max(this.#fence.epoch + 1, this.#env.now());
    this.#fence.current(epoch);
    this.#held = { token, release, epoch };
    this.#watch.stop();
    this.#post({ t: 'lead', e: epoch });
    this.#setRole('leader');
    const attempt = this.#attempt;
    if (attempt && !attempt.done && !this.#left) this.#lead(attempt);
  }

  /** Gives the lock up (or the place in its queue); the stream stays, as a follower. */
  #release(): void {
    clearTimeout(this.#idle);
    this.#waiting?.abort();
    this.#waiting = undefined;
    const held = this.#held;
    if (!held) return;
    this.#held = this.#open = this.#listen = undefined;
    held.release();
    if (!this.#left) this.#setRole('follower');
  }

  /** Lost the lock (stolen, a newer leader heard, or this page freezes): follow in the same attempt. */
  #stepDown(): void {
    if (!this.#held) return;
    this.#release();
    const attempt = this.#attempt;
    if (!attempt || attempt.done || this.#left) return;
    const lead = attempt.lead;
    attempt.lead = undefined;
    lead?.abort();
    this.#follow(attempt);
    this.#want();
  }

  // ── leading ────────────────────────────────────────────────────────────────

  #lead(attempt: Attempt): void {
    const lead = (attempt.lead = new AbortController());
    const { request } = attempt;
    const last = this.#fence.last;
    // Resume from the newest id this tab has (it may have become leader long after this attempt began).
    const resumed = last ? withId(request, last, this.#c.param, attempt.header) : request;
    const live = () => attempt.lead === lead;
    attempt
      .connect({ ...resumed, signal: lead.signal }, teeSink(attempt.sink, live, this.#group()))
      .then((end) => {
        if (!live()) return; // stepped down: the attempt goes on as a follower
        this.#open = undefined;
        // The server ended the stream (or said 204: stop): every tab's stream ends the same way,
        // and closes or reconnects by its own options, instead of each re-sending the request.
        if (end.kind === 'end' || end.kind === 'no-content') {
          this.#post({ t: 'end', e: this.#held?.epoch ?? 0, kind: end.kind });
          this.#ended = this.#env.now();
        }
        attempt.settle(end);
      })
      .catch((error: unknown) => live() && attempt.settle(Promise.reject(error)));
  }

  /** The leader's view of the group, for its sink (see tee.ts). */
  #group(): Group {
    return {
      fence: this.#fence,
      post: (message) => this.#post(message),
      epoch: () => this.#held?.epoch ?? 0,
      now: () => this.#env.now(),
      opened: (status, url) => {
        this.#open = { status, url };
      },
      listen: (listen) => {
        this.#listen = listen;
        for (const type of this.#types) listen(type);
      },
    };
  }

  // ── following ──────────────────────────────────────────────────────────────

  #follow(attempt: Attempt): void {
    attempt.sink.types((type) => this.#post({ t: 'types', types: [type] }));
    this.#post({ t: 'hello', from: this.#me });
    this.#watch.start();
  }

  #receive(message: Message): void {
    const held = this.#held;
    switch (message.t) {
      case 'ping':
        if (held) this.#post({ t: 'pong', e: held.epoch });
        return;
      case 'hello':
        if (held && this.#open) this.#post({ t: 'open', e: held.epoch, ...this.#open, to: message.from });
        return;
      case 'types':
        for (const type of message.types) {
          this.#types.add(type);
          this.#listen?.(type);
        }
        return;
    }
    if (!this.#fence.current(message.e)) return;
    // A leader with a higher epoch exists: this one was replaced while frozen.
    if (held) {
      if (message.e <= held.epoch) return;
      this.#stepDown();
    }
    this.#watch.heard();
    const attempt = this.#attempt;
    const following = attempt && !attempt.done && !attempt.lead ? attempt : undefined;
    const sink = following?.sink;
    // Whatever the leader sends shows the stream is alive (the core's stall detection).
    sink?.activity();
    switch (message.t) {
      case 'lead':
        // A new leader: tell it the types this tab listens to (its native transport subscribes to them).
        if (sink) sink.types((type) => this.#post({ t: 'types', types: [type] }));
        return;
      case 'open':
        if (!message.to || message.to === this.#me) sink?.open(message.status, message.url);
        return;
      case 'id':
        if (this.#fence.id(message.id)) sink?.id(message.id);
        return;
      case 'msg':
        // This tab missed the id broadcast before it (it was joining): take the id from here.
        if (message.id !== this.#fence.last && this.#fence.id(message.id)) sink?.id(message.id);
        if (this.#fence.message()) sink?.message(message.type, message.data);
        return;
      case 'retry':
        return sink?.retry(message.ms);
      case 'end':
        return following?.settle({ kind: message.kind });
    }
  }

  #steal(): void {
    this.#waiting?.abort();
    this.#waiting = undefined;
    this.#request({ steal: true }, undefined);
  }

  #post(message: Message): void {
    if (!this.#left) this.#channel.postMessage(message);
  }
}
