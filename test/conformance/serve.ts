import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer, type TestServer } from '../helpers/http-server.js';
import type { Chunk, ConformanceCase, ExpectedRequest, Observation } from './cases.js';
import type { ObservePlan } from './observe.js';

/** A request as the case server saw it. */
export interface SeenRequest {
  server: 'main' | 'other';
  path: string;
  lastEventId: string | null;
  headers: Record<string, string>;
  /** Milliseconds since the previous response of the case ended or dropped; undefined for the first. */
  delay: number | undefined;
}

/** Two origins serving the cases by index: `<origin>/c/<index>/...`. */
export interface CaseServers {
  main: TestServer;
  other: TestServer;
  /** The placeholders of cases.ts for one case. */
  vars(index: number): Record<string, string>;
  requests(index: number): SeenRequest[];
  close(): Promise<void>;
}

const CHUNK_PAUSE_MS = 15;

/** Starts the main and the "other" origin; both play the same per-case script. */
export async function startCaseServers(cases: readonly ConformanceCase[]): Promise<CaseServers> {
  const state = cases.map(() => ({ requests: [] as SeenRequest[], lastEnd: undefined as number | undefined }));
  const servers: Partial<Record<'main' | 'other', TestServer>> = {};
  const vars = (index: number) => ({
    origin: servers.main!.url,
    other: servers.other!.url,
    base: `${servers.main!.url}/c/${index}`,
    otherBase: `${servers.other!.url}/c/${index}`,
  });
  const handler = (server: 'main' | 'other') => async (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/c\/(\d+)(\/.*)$/.exec(req.url ?? '');
    const index = Number(match?.[1]);
    const entry = state[index];
    if (!match || !entry) return void res.writeHead(404).end();
    const raw = req.headers['last-event-id'];
    // node:http reads header bytes as Latin-1; the id went out as UTF-8 bytes.
    const lastEventId = typeof raw === 'string' ? Buffer.from(raw, 'latin1').toString('utf8') : null;
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const delay = entry.lastEnd === undefined ? undefined : Date.now() - entry.lastEnd;
    entry.requests.push({ server, path: match[2]!, lastEventId, headers, delay });
    const script = cases[index]!.responses[entry.requests.length - 1];
    if (!script) return; // beyond the script: never answer
    const ended = () => (entry.lastEnd = Date.now());
    if (script.networkError) {
      req.socket.destroy();
      return void ended();
    }
    const fill = (text: string) => substitute(text, { ...vars(index), lastEventId: lastEventId ?? '' });
    const head = script.headers ?? { 'content-type': 'text/event-stream' };
    res.writeHead(script.status ?? 200, Object.fromEntries(Object.entries(head).map(([k, v]) => [k, fill(v)])));
    res.flushHeaders();
    for (const [i, chunk] of (script.body ?? []).entries()) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, CHUNK_PAUSE_MS));
      await new Promise((resolve) => res.write(bytes(chunk, fill), resolve));
    }
    const after = script.after ?? 'end';
    if (after === 'end') res.end(ended);
    else if (after === 'drop') {
      res.socket?.destroy();
      ended();
    }
  };
  servers.main = await startServer(handler('main'));
  servers.other = await startServer(handler('other'));
  return {
    main: servers.main,
    other: servers.other,
    vars,
    requests: (index) => state[index]!.requests,
    close: async () => {
      await Promise.all([servers.main!.close(), servers.other!.close()]);
    },
  };
}

function bytes(chunk: Chunk, fill: (text: string) => string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(fill(chunk), 'utf8') : Buffer.from(chunk.hex.replace(/\s+/g, ''), 'hex');
}

/** Replaces `{{name}}` placeholders in every string of `value`. */
export function substitute<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === 'string') return value.replace(/\{\{(\w+)\}\}/g, (all, name: string) => vars[name] ?? all) as T;
  if (Array.isArray(value)) return value.map((item) => substitute(item, vars)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)])) as T;
  }
  return value;
}

/** How to observe case `index`: close after the last expected event unless that one saw CLOSED. */
export function planFor(c: ConformanceCase, vars: Record<string, string>, timing: { settleMs: number; timeoutMs: number }): ObservePlan {
  const events = c.expect.events;
  const last = events[events.length - 1];
  return {
    url: `${vars.base}${c.path ?? '/'}`,
    listen: c.listen ?? [],
    closeAfter: c.closeAfter ?? (last && last.readyState !== 2 ? events.length : 0),
    expected: events.length,
    ...timing,
  };
}

/** The expected observations with placeholders filled in. */
export function expectedEvents(c: ConformanceCase, vars: Record<string, string>): Observation[] {
  return substitute(c.expect.events, vars);
}

/**
 * The requests seen, in the shape of `c.expect.requests` so that a deep equality gives a readable
 * diff: only the headers the case names, and `minDelayMs` kept when the delay was long enough.
 */
export function requestsAsExpected(c: ConformanceCase, seen: SeenRequest[]): ExpectedRequest[] {
  return seen.map((request, i) => {
    const want = c.expect.requests[i];
    const shaped: ExpectedRequest = { path: request.path, lastEventId: request.lastEventId };
    if (request.server !== 'main' || want?.server) shaped.server = request.server;
    if (want?.headers) shaped.headers = Object.fromEntries(Object.keys(want.headers).map((k) => [k, request.headers[k] ?? '(absent)']));
    if (want?.minDelayMs !== undefined) {
      shaped.minDelayMs = request.delay !== undefined && request.delay >= want.minDelayMs ? want.minDelayMs : (request.delay ?? -1);
    }
    return shaped;
  });
}
