import { storageKey } from './last-event-id.js';
import type { EventMap, RetryOptions, StandardSchemaV1, StreamOptions } from './types.js';

/** Every retry option, resolved. */
export type RetryPolicy = Required<Omit<RetryOptions, 'shouldRetry'>> & Pick<RetryOptions, 'shouldRetry'>;

/** Options after validation: defaults applied, URL resolved. */
export interface Resolved<E extends object = EventMap>
  extends Omit<StreamOptions<E>, 'retry' | 'method' | 'heartbeatTimeout' | 'connectTimeout' | 'maxEventSize' | 'schemas'> {
  url: string;
  /** Looked up by the type on the wire, any string (an interface event map has no string index). */
  schemas?: Partial<Record<string, StandardSchemaV1>> | undefined;
  method: string;
  retry: RetryPolicy;
  heartbeatTimeout: number;
  connectTimeout: number;
  maxEventSize: number;
  lastEventIdParam: string | false;
  reconnectOnEnd: boolean;
  redirect: 'follow' | 'error';
  storageKey: string;
}

const DEFAULTS = Object.freeze({
  transport: 'auto',
  method: 'GET',
  decode: 'json',
  heartbeatTimeout: 45_000,
  connectTimeout: 15_000,
  lastEventIdParam: 'lastEventId',
  maxEventSize: 16 * 2 ** 20,
  redirect: 'follow',
  retry: Object.freeze({ initialDelay: 1000, maxDelay: 30_000, factor: 2, jitter: 'full', maxAttempts: Infinity }),
} as const);

// Listing every option here makes the compiler flag one that skips validation.
const CHECKS: { [K in keyof StreamOptions]-?: (value: unknown) => boolean } = {
  transport: (v) => v === 'auto' || v === 'native' || v === 'fetch',
  // A token, and not one fetch forbids (CONNECT, TRACE, TRACK) or HEAD (no body, so no stream).
  method: (v) => typeof v === 'string' && /^[!#$%&'*+.^`|~\w-]+$/.test(v) && !/^(connect|trace|track|head)$/i.test(v),
  // A plain object or array would be sent as "[object Object]": a forgotten JSON.stringify.
  body: (v) => isObject(v) ? !(Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype) : typeof v === 'string' || typeof v === 'function',
  headers: (v) => (typeof v === 'object' && v !== null) || typeof v === 'function',
  credentials: (v) => v === 'omit' || v === 'same-origin' || v === 'include',
  decode: (v) => v === 'json' || v === 'text' || typeof v === 'function',
  schemas: isObject,
  retry: isObject,
  heartbeatTimeout: isDuration,
  connectTimeout: isDuration,
  // CR, LF or NUL could never be sent back (nor come from a server): a caller's bug.
  lastEventId: (v) => typeof v === 'string' && !/[\r\n\0]/.test(v),
  lastEventIdParam: (v) => v === false || (typeof v === 'string' && v !== ''),
  storage: (v) => typeof (v as { get?: unknown })?.get === 'function' && typeof (v as { set?: unknown }).set === 'function',
  storageKey: (v) => typeof v === 'string' && v !== '',
  redirect: (v) => v === 'follow' || v === 'error',
  maxEventSize: (v) => Number.isInteger(v) && (v as number) > 0,
  signal: (v) => typeof (v as AbortSignal)?.addEventListener === 'function',
  fetch: isFunction,
  EventSource: isFunction,
  reconnectOnEnd: (v) => typeof v === 'boolean',
  onUnauthorized: isFunction,
  flushIncompleteEvent: (v) => typeof v === 'boolean',
  pauseWhenHidden: (v) => typeof v === 'boolean',
  onOpen: isFunction,
  onError: isFunction,
  onRetry: isFunction,
  onStateChange: isFunction,
  onClose: isFunction,
};

const RETRY_CHECKS: { [K in keyof RetryOptions]-?: (value: unknown) => boolean } = {
  initialDelay: isDuration,
  maxDelay: isDuration,
  factor: (v) => typeof v === 'number' && v >= 1 && v < Infinity,
  jitter: (v) => v === 'full' || v === 'equal' || v === 'none',
  maxAttempts: (v) => v === Infinity || (Number.isInteger(v) && (v as number) >= 0),
  shouldRetry: isFunction,
};

const NUMERIC = new Set(['heartbeatTimeout', 'connectTimeout', 'maxEventSize', 'initialDelay', 'maxDelay', 'factor', 'maxAttempts']);

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}

function isFunction(v: unknown): boolean {
  return typeof v === 'function';
}

function isDuration(v: unknown): boolean {
  return typeof v === 'number' && v >= 0 && v < 2 ** 31;
}

function check<T extends object>(checks: { [K in keyof T]-?: (v: unknown) => boolean }, given: T, prefix: string) {
  for (const key of Object.keys(given) as (keyof T & string)[]) {
    const value = given[key];
    if (value === undefined) continue;
    const ok = checks[key];
    if (!ok) throw new TypeError(`sse-kit: unknown option "${prefix}${key}"`);
    if (!ok(value)) {
      // RangeError for a number out of range where a number belongs; TypeError for the wrong kind.
      const Err = typeof value === 'number' && NUMERIC.has(key) ? RangeError : TypeError;
      throw new Err(`sse-kit: invalid option "${prefix}${key}": ${describe(value)}`);
    }
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'function' ? 'a function' : String(value);
}

/** Resolves `url` against the page (if any) and validates every option; throws TypeError/RangeError naming the culprit. */
export function resolveOptions<E extends object>(
  url: string | URL,
  options: StreamOptions<E> = {},
  base: string | undefined = globalThis.document?.baseURI ?? globalThis.location?.href,
): Resolved<E> {
  if (typeof url !== 'string' && !(url instanceof URL)) {
    throw new TypeError(`sse-kit: url must be a string or URL, got ${describe(url)}`);
  }
  let href: string;
  try {
    href = new URL(url, base).href;
  } catch {
    throw new TypeError(`sse-kit: invalid url ${describe(String(url))}${base ? '' : ' (relative URLs need a page to resolve against)'}`);
  }
  if (!/^https?:$/.test(new URL(href).protocol)) throw new TypeError(`sse-kit: url must be http(s), got ${describe(href)}`);
  if (typeof options !== 'object' || options === null) throw new TypeError('sse-kit: options must be an object');
  check(CHECKS, options, '');
  if (options.retry) check(RETRY_CHECKS, options.retry, 'retry.');
  // Static headers are checked now (a header value like "€" would otherwise fail every attempt).
  if (options.headers && typeof options.headers !== 'function') {
    try {
      new Headers(options.headers);
    } catch (cause) {
      throw new TypeError(`sse-kit: invalid option "headers": ${(cause as Error).message}`);
    }
  }
  const method = (options.method ?? DEFAULTS.method).toUpperCase();
  if ((method === 'GET' || method === 'HEAD') && options.body !== undefined) {
    throw new TypeError(`sse-kit: option "body" needs a method other than ${method}`);
  }
  return {
    ...DEFAULTS,
    ...defined(options),
    url: href,
    method,
    retry: { ...DEFAULTS.retry, ...defined(options.retry ?? {}) },
    reconnectOnEnd: options.reconnectOnEnd ?? method === 'GET',
    storageKey: options.storageKey ?? storageKey(href),
  } as Resolved<E>;
}

function defined<T extends object>(given: T): Partial<T> {
  return Object.fromEntries(Object.entries(given).filter((entry) => entry[1] !== undefined)) as Partial<T>;
}
