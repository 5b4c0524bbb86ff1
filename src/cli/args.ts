import { parseArgs } from 'node:util';

/** What the command line asks for, validated. Times in milliseconds. */
export interface CliOptions {
  url: string;
  method: string | undefined;
  /** `Name: value` pairs, in the order given. */
  headers: [string, string][];
  /** `-d`: a literal body, `@file` or `@-` (stdin); read by {@link readBody}. */
  data: string | undefined;
  lastEventId: string | undefined;
  transport: 'auto' | 'fetch' | 'native';
  connectTimeout: number | undefined;
  heartbeatTimeout: number | undefined;
  /** `json` (NDJSON), `pretty` (one line per event, JSON indented), `raw` (the bytes received). */
  format: 'json' | 'pretty' | 'raw' | undefined;
  /** Event types to print; empty = all. */
  events: string[];
  reconnect: boolean;
  maxRetries: number | undefined;
  count: number | undefined;
  until: string | undefined;
  include: boolean;
}

/** The parsed command: run a stream, or print help or the version. */
export type Command = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; options: CliOptions };

/** A bad command line: the message is printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const SPEC = {
  header: { type: 'string', short: 'H', multiple: true },
  request: { type: 'string', short: 'X' },
  data: { type: 'string', short: 'd' },
  'last-event-id': { type: 'string' },
  transport: { type: 'string' },
  timeout: { type: 'string' },
  heartbeat: { type: 'string' },
  json: { type: 'boolean' },
  pretty: { type: 'boolean' },
  raw: { type: 'boolean' },
  event: { type: 'string', short: 'e', multiple: true },
  'no-reconnect': { type: 'boolean' },
  'max-retries': { type: 'string' },
  count: { type: 'string', short: 'n' },
  until: { type: 'string' },
  include: { type: 'boolean', short: 'i' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** Parses `argv` (without `node` and the script); throws {@link UsageError} on anything wrong. */
export function parseCommand(argv: string[]): Command {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof SPEC; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: SPEC, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return { kind: 'help' };
  if (v.version) return { kind: 'version' };
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length ? `expected one URL, got ${positionals.length}: ${positionals.join(' ')}` : 'missing URL');
  }
  const formats = (['json', 'pretty', 'raw'] as const).filter((f) => v[f]);
  if (formats.length > 1) throw new UsageError(`--${formats.join(' and --')} cannot be combined`);
  const transport = v.transport ?? 'fetch';
  if (transport !== 'auto' && transport !== 'fetch' && transport !== 'native') {
    throw new UsageError(`--transport must be auto, fetch or native, got "${transport}"`);
  }
  // -i and --raw read the fetch Response; a native EventSource exposes neither.
  if (transport !== 'fetch' && (v.include || v.raw)) throw new UsageError(`${v.raw ? '--raw' : '-i'} needs --transport fetch`);
  const url = toUrl(positionals[0]!);
  const headers = (v.header ?? []).map(toHeader);
  // fetch refuses a URL with credentials; send them as curl does, as Basic auth.
  if (url.username || url.password) {
    const user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    if (!headers.some(([name]) => name.toLowerCase() === 'authorization')) {
      headers.push(['Authorization', `Basic ${Buffer.from(user).toString('base64')}`]);
    }
    url.username = url.password = '';
  }
  return {
    kind: 'run',
    options: {
      url: url.href,
      method: v.request?.toUpperCase(),
      headers,
      data: v.data,
      lastEventId: v['last-event-id'],
      transport,
      connectTimeout: v.timeout === undefined ? undefined : duration('--timeout', v.timeout),
      heartbeatTimeout: v.heartbeat === undefined ? undefined : duration('--heartbeat', v.heartbeat),
      format: formats[0],
      events: v.event ?? [],
      reconnect: !v['no-reconnect'],
      maxRetries: count('--max-retries', v['max-retries'], 0),
      count: count('--count', v.count, 1),
      until: v.until,
      include: v.include === true,
    },
  };
}

/** `localhost:3000/events` means http, as in curl; anything but http(s) is refused. */
function toUrl(text: string): URL {
  const withScheme = /^[a-z][a-z\d+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`invalid URL "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`URL must be http or https, got "${text}"`);
  return url;
}

function toHeader(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = text.slice(0, colon).trim();
  if (colon < 1 || !/^[!#$%&'*+.^`|~\w-]+$/.test(name)) throw new UsageError(`-H expects "Name: value", got "${text}"`);
  return [name, text.slice(colon + 1).trim()];
}

/** Seconds like curl (`10`, `1.5`), or with a unit: `500ms`, `30s`, `2m`. `0` turns a timeout off. */
function duration(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} expects seconds or a duration like 500ms, 30s, 2m; got "${text}"`);
  const unit = match[2] === 'ms' ? 1 : match[2] === 'm' ? 60_000 : 1000;
  const ms = Math.round(Number(match[1]) * unit);
  if (ms >= 2 ** 31) throw new UsageError(`${flag} is too long: "${text}"`);
  return ms;
}

function count(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || !Number.isSafeInteger(n)) throw new UsageError(`${flag} expects an integer >= ${min}, got "${text}"`);
  return n;
}
