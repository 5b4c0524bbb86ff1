// Feature detection in one place: nothing else reads these globals directly.
import type { EventSourceLike, FetchLike } from './types.js';

type Env = typeof globalThis & { EventSource?: EventSourceLike };
const g = globalThis as Env;

/** The runtime's fetch, bound so that calling it detached works in browsers. */
export const defaultFetch = (): FetchLike | undefined => (g.fetch ? g.fetch.bind(g) : undefined);

/** The runtime's EventSource (browsers, Deno; not Node 20). */
export const defaultEventSource = (): EventSourceLike | undefined => g.EventSource;

/** Listen on a global event target (window/document) if there is one; returns the remover. */
export function listen(target: 'window' | 'document', type: string, fn: (event: Event) => void): () => void {
  const t = target === 'window' ? (typeof window === 'object' ? window : undefined) : g.document;
  // Nothing to listen to (Node, workers): nothing kept, so `fn` is not held for the stream's life.
  if (!t) return noop;
  t.addEventListener(type, fn);
  return () => t.removeEventListener(type, fn);
}

const noop = () => {};

/** True when the browser says it is offline (undefined navigator.onLine counts as online). */
export const isOffline = (): boolean => g.navigator?.onLine === false;

/** True when there is a document and it is hidden. */
export const isHidden = (): boolean => g.document?.visibilityState === 'hidden';

/** setTimeout that never keeps a Node process alive. */
export function timer(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const t = setTimeout(fn, ms);
  (t as { unref?: () => void }).unref?.();
  return t;
}

/** True when `url` has the page's origin (so a request to it needs no CORS preflight). */
export const isSameOrigin = (url: string): boolean => new URL(url).origin === g.location?.origin;

/**
 * Runs `fn` after `delay`, then, if the browser is offline, once it is online again (attempts
 * that cannot succeed are not spent). Not unref'd: a Node process waiting to reconnect stays alive.
 * @returns a function that cancels whichever wait is pending.
 */
export function afterDelayOnline(delay: number, fn: () => void): () => void {
  let cancel: () => void;
  const fire = () => {
    if (!isOffline()) return fn();
    const off = listen('window', 'online', () => {
      off();
      fire();
    });
    cancel = off;
  };
  const timer = setTimeout(fire, delay);
  cancel = () => clearTimeout(timer);
  return () => cancel();
}
