// Fake browser pieces for test/share: a LockManager and BroadcastChannels shared by "tabs" of one
// test, with tabs that can be frozen (their messages wait), and a transport whose server a test drives.
import type { ChannelLike, LocksLike, Message, TabEnv } from '../../src/share/protocol.js';

interface Holder {
  reject: (reason: unknown) => void;
}

/** Web Locks, exclusive mode, as the spec orders them: a queue per name, `ifAvailable`, `steal`, `signal`. */
export class FakeLocks implements LocksLike {
  readonly #held = new Map<string, Holder>();
  readonly #queues = new Map<string, (() => void)[]>();

  holds(name: string): boolean {
    return this.#held.has(name);
  }

  request(name: string, options: LockOptions, callback: (lock: Lock | null) => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const queue = this.#queues.get(name) ?? [];
      this.#queues.set(name, queue);
      const grant = () => {
        const holder: Holder = { reject };
        this.#held.set(name, holder);
        Promise.resolve()
          .then(() => callback({ name, mode: 'exclusive' } as Lock))
          .then(resolve, reject)
          .finally(() => {
            if (this.#held.get(name) !== holder) return; // stolen meanwhile
            this.#held.delete(name);
            queue.shift()?.();
          });
      };
      if (options.steal) {
        this.#held.get(name)?.reject(new DOMException('The lock was stolen', 'AbortError'));
        return grant();
      }
      if (!this.#held.has(name) && queue.length === 0) return grant();
      if (options.ifAvailable) return void Promise.resolve().then(() => callback(null)).then(resolve, reject);
      queue.push(grant);
      options.signal?.addEventListener('abort', () => {
        const at = queue.indexOf(grant);
        if (at < 0) return;
        queue.splice(at, 1);
        reject(new DOMException('Aborted', 'AbortError'));
      });
    });
  }
}

/** One tab's view: its env for a TabLink, and `frozen` (messages and lock news wait until it thaws). */
export interface FakeTab {
  env: TabEnv;
  frozen: boolean;
  thaw(): void;
  /** Runs `task` now, or when the tab thaws. */
  run(task: () => void): void;
}

/** BroadcastChannels between the tabs it makes; delivery is a task later, in order, cloned. */
export class FakeBrowser {
  readonly locks = new FakeLocks();
  readonly #channels = new Set<{ name: string; tab: FakeTab; port: ChannelLike }>();

  tab(): FakeTab {
    const pending: (() => void)[] = [];
    const locks = this.locks;
    const tab: FakeTab = {
      frozen: false,
      thaw: () => {
        tab.frozen = false;
        for (const task of pending.splice(0)) task();
      },
      run: (task) => (tab.frozen ? pending.push(task) : task()),
      env: {
        // A frozen tab learns of a granted or stolen lock only when it thaws.
        locks: {
          request: (name, options, callback) =>
            new Promise((resolve, reject) => {
              locks
                .request(name, options, (lock) => new Promise((done) => tab.run(() => done(callback(lock)))))
                .then(
                  (value) => tab.run(() => resolve(value)),
                  (error: unknown) => tab.run(() => reject(error)),
                );
            }),
        },
        now: () => Date.now(),
        random: () => Math.random(),
        channel: (name) => {
          const port: ChannelLike = { onmessage: null, postMessage: (message) => this.#post(entry, message), close: () => this.#channels.delete(entry) };
          const entry = { name, tab, port };
          this.#channels.add(entry);
          return port;
        },
      },
    };
    return tab;
  }

  #post(from: { name: string; port: ChannelLike }, message: Message): void {
    const data = structuredClone(message);
    for (const to of this.#channels) {
      if (to === from || to.name !== from.name) continue;
      const deliver = () => this.#channels.has(to) && to.port.onmessage?.({ data });
      setTimeout(() => to.tab.run(deliver), 0);
    }
  }
}
