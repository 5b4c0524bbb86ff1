import type { HttpStatusError, SSEKitError } from './errors.js';
import type { AttemptEnd } from './transports/transport.js';
import type { CloseInfo } from './types.js';

/** What the client does after an attempt, whichever transport made it. */
export type Decision =
  /** Done (204, a clean end that is not resumed) or fatal (`info.error`). */
  | { next: 'close'; info: CloseInfo }
  /** Reconnect after the policy's delay; `error` is undefined for a clean end. */
  | { next: 'retry'; error: SSEKitError | undefined }
  /** 401/403 with `onUnauthorized`: let the app refresh, then retry at once. */
  | { next: 'refresh'; error: HttpStatusError }
  /** The browser refused the response without saying why: ask again with fetch, which sees it. */
  | { next: 'probe' };

/**
 * The one place that splits terminal from retriable outcomes (see README, "Responses and errors").
 * Retryable: network drops, timeouts, 408/425/429/5xx, a clean end when `reconnectOnEnd`.
 * Fatal: other statuses, a wrong content type, an oversized event.
 */
export function classify(end: Exclude<AttemptEnd, { kind: 'aborted' }>, reconnectOnEnd: boolean, canRefresh: boolean): Decision {
  if (end.kind === 'no-content') return { next: 'close', info: { reason: 'no-content' } };
  if (end.kind === 'refused') return { next: 'probe' };
  if (end.kind === 'end') return reconnectOnEnd ? { next: 'retry', error: undefined } : { next: 'close', info: { reason: 'end' } };
  const { error } = end;
  const status = (error as HttpStatusError).status;
  if ((status === 401 || status === 403) && canRefresh) return { next: 'refresh', error: error as HttpStatusError };
  return isRetryable(error) ? { next: 'retry', error } : { next: 'close', info: { reason: 'error', error } };
}

/** Retryable: network drops, timeouts, and 408/425/429/5xx. */
export function isRetryable(error: SSEKitError): boolean {
  return error.code === 'NETWORK' || error.code === 'TIMEOUT' || (error as HttpStatusError).retryable === true;
}
