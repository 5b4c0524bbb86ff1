import { TimeoutError } from './errors.js';
import { timer } from './env.js';

/**
 * Connect and stall timeouts of one attempt. The connect timer runs from the attempt's start
 * (a `headers()` function that never settles included) until `opened()`; the stall check then runs
 * every quarter of `heartbeatTimeout` and fires when no byte arrived in a whole period. A flag set per
 * chunk, not Date.now(): that cost 15% at 1-byte reads. A stall is detected between 1× and 1.25×.
 */
export class Watchdog {
  /** Set by the transport on every chunk; cleared by each check. */
  active = false;
  #connect: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    connectTimeout: number,
    private readonly heartbeatTimeout: number,
    /** True while the consumer paused reads: silence is then ours, not the server's. */
    private readonly paused: () => boolean,
    private readonly fire: (error: TimeoutError) => void,
  ) {
    if (connectTimeout) this.#connect = timer(() => fire(new TimeoutError(url, 'connect', connectTimeout)), connectTimeout);
  }

  /** The response arrived; `stalls`: the transport sees heartbeats, so silence means a stall. */
  opened(stalls: boolean): void {
    clearTimeout(this.#connect);
    this.active = true;
    const period = this.heartbeatTimeout;
    if (!stalls || !period) return;
    const tick = period / 4;
    let idle = 0;
    const check = () => {
      idle = this.active || this.paused() ? 0 : idle + tick;
      this.active = false;
      if (idle >= period) this.fire(new TimeoutError(this.url, 'heartbeat', period));
      else this.#heartbeat = timer(check, tick);
    };
    this.#heartbeat = timer(check, tick);
  }

  stop(): void {
    clearTimeout(this.#connect);
    clearTimeout(this.#heartbeat);
  }
}
