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

const DEFAULTS = {
  transport: 'auto',
  method: 'GET',
  decode: 'json',
  heartbeatTimeout: 45_000,
  connectTimeout: 15_000,
  lastEventIdParam: 'lastEventId',
  maxEventSize: 16 * 2 ** 20,
  redirect: 'follow',
  retry: { initialDelay: 1000, maxDelay: 30_000, factor: 2, jitter: 'full', maxAttempts: Infinity },
} as const;

type Check = (value: unknown) => boolean;

// Check builders shared by the tables (measured: options.ts 3,369 → 3,013 B minified).
const oneOf =
  (...values: unknown[]): Check =>
  (v) =>
    values.includes(v);
const either =
  (a: Check, b: Check): Check =>
  (v) =>
    a(v) || b(v);
const isObject: Check = (v) => typeof v === 'object' && v !== null;
const isFunction: Check = (v) => typeof v === 'function';
const isBoolean: Check = (v) => typeof v === 'boolean';
const isName: Check = (v) => typeof v === 'string' && v !== '';
const isDuration: Check = (v) => typeof v === 'number' && v >= 0 && v < 2 ** 31;
/** An object with these methods (duck typing: a storage, a signal, a share link from another bundle copy). */
const hasMethods =
  (...names: string[]): Check =>
  (v) =>
    names.every((name) => typeof (v as Record<string, unknown> | undefined)?.[name] === 'function');

// Listing every option here makes the compiler flag one that skips validation.
const CHECKS: { [K in keyof StreamOptions]-?: Check } = {
  transport: oneOf('auto', 'native', 'fetch'),
  // A token, and not one fetch forbids (CONNECT, TRACE, TRACK) or HEAD (no body, so no stream).
  method: (v) => typeof v === 'string' && /^[!#$%&'*+.^`|~\w-]+$/.test(v) && !/^(connect|trace|track|head)$/i.test(v),
  // A plain object or array would be sent as "[object Object]": a forgotten JSON.stringify.
  body: (v) => isObject(v) ? !(Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype) : typeof v === 'string' || isFunction(v),
  headers: either(isObject, isFunction),
  credentials: oneOf('omit', 'same-origin', 'include'),
  decode: either(oneOf('json', 'text'), isFunction),
  schemas: isObject,
  retry: isObject,
  heartbeatTimeout: isDuration,
  connectTimeout: isDuration,
  // CR, LF or NUL could never be sent back (nor come from a server): a caller's bug.
  lastEventId: (v) => typeof v === 'string' && !/[\r\n\0]/.test(v),
  lastEventIdParam: either(oneOf(false), isName),
  storage: hasMethods('get', 'set'),
  storageKey: isName,
  redirect: oneOf('follow', 'error'),
  maxEventSize: (v) => Number.isInteger(v) && (v as number) > 0,
  signal: hasMethods('addEventListener'),
  share: hasMethods('join'),
  onRoleChange: isFunction,
  fetch: isFunction,
  EventSource: isFunction,
  reconnectOnEnd: isBoolean,
  onUnauthorized: isFunction,
  flushIncompleteEvent: isBoolean,
  pauseWhenHidden: isBoolean,
  onOpen: isFunction,
  onError: isFunction,
  onRetry: isFunction,
  onStateChange: isFunction,
  onClose: isFunction,
};

const RETRY_CHECKS: { [K in keyof RetryOptions]-?: Check } = {
  initialDelay: isDuration,
  maxDelay: isDuration,
  factor: (v) => typeof v === 'number' && v >= 1 && v < Infinity,
  jitter: oneOf('full', 'equal', 'none'),
  maxAttempts: (v) => v === Infinity || (Number.isInteger(v) && (v as number) >= 0),
  shouldRetry: isFunction,
};

function check<T extends object>(checks: { [K in keyof T]-?: Check }, given: T, prefix: string) {
  for (const key of Object.keys(given) as (keyof T & string)[]) {
    const value = given[key];
    if (value === undefined) continue;
    const ok = checks[key];
    if (!ok) throw new TypeError(`sse-kit: unknown option "${prefix}${key}"`);
    if (!ok(value)) {
      // RangeError for a number out of range where a number belongs (the check accepts 1: every
      // numeric option does, no other option does); TypeError for the wrong kind.
      const Err = typeof value === 'number' && ok(1) ? RangeError : TypeError;
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
  // Object.assign, not `{ ...DEFAULTS, ...given }`: in V8 (Node 20) a spread of a constant object
  // followed by more properties made a new hidden class per stream (measured in heap snapshots:
  // 190 maps for 200 streams, ~1.3 KB each with their descriptor arrays); assign() shares one.
  return Object.assign({}, DEFAULTS, defined(options), {
    url: href,
    method,
    retry: Object.assign({}, DEFAULTS.retry, defined(options.retry ?? {})),
    reconnectOnEnd: options.reconnectOnEnd ?? method === 'GET',
    storageKey: options.storageKey ?? storageKey(href),
  }) as Resolved<E>;
}

function defined<T extends object>(given: T): Partial<T> {
  return Object.fromEntries(Object.entries(given).filter((entry) => entry[1] !== undefined)) as Partial<T>;
}
