import { isHidden, listen } from './env.js';
import type { Resolved } from './options.js';

/**
 * Wires a stream to its page and signal: bfcache (`pagehide`/`pageshow`) pauses and resumes it,
 * `pauseWhenHidden` does the same on visibility, a frozen page coming back (`resume`, Page
 * Lifecycle API) is reported, and aborting `signal` closes it.
 * @returns the functions that undo each listener.
 */
export function watchPage(
  o: Resolved,
  on: { pause: () => void; resume: () => void; unfrozen: () => void; abort: () => void },
): (() => void)[] {
  const cleanup = [listen('window', 'pagehide', on.pause), listen('window', 'pageshow', on.resume), listen('document', 'resume', on.unfrozen)];
  if (o.pauseWhenHidden) cleanup.push(listen('document', 'visibilitychange', () => (isHidden() ? on.pause() : on.resume())));
  const { signal } = o;
  if (signal) {
    signal.addEventListener('abort', on.abort);
    cleanup.push(() => signal.removeEventListener('abort', on.abort));
  }
  return cleanup;
}
