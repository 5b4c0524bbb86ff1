/**
 * EventSource conformance cases, as plain JSON-serialisable data, written from the WHATWG HTML
 * "Server-sent events" section (§9.2) and the web-platform-tests `eventsource/` folder (named in
 * `source`). The same cases run against sse-kit's EventSource in Node
 * (test/server/event-source-conformance.test.ts) and can run against a browser's own EventSource.
 *
 * How a runner plays a case:
 * 1. Serve: `serveCase` (serve.ts) answers the n-th request of the case with `responses[n]`; a
 *    request beyond the script gets no answer at all (it shows up in `requests`, never as an event).
 *    Two origins: the main server and "other" (for cross-origin redirects); they share the script.
 * 2. Observe: `observe` (observe.ts, self-contained so a page can run it as is) opens
 *    `new EventSource(base + path)`, records every `open`, `message`, `error` and `listen` event as
 *    `{ type, readyState }` plus `data`, `lastEventId`, `origin` for MessageEvents, calls `close()`
 *    inside the listener of observation number `closeAfter`, and stops `settle` ms after the last
 *    expected observation (so extra events or reconnections are caught).
 * 3. Compare: observations deep-equal `expect.events`, requests match `expect.requests` (after the
 *    placeholders below are filled in).
 *
 * Placeholders: `{{origin}}` / `{{other}}` the two servers' origins; `{{base}}` / `{{otherBase}}`
 * the case's URL prefix on each (`<origin>/c/<case index>`); in a response body, `{{lastEventId}}`
 * is the request's Last-Event-ID header decoded as UTF-8 ('' when absent).
 *
 * Timing: reconnections here wait for a `retry:` the case sends (a few ms) except where the point
 * is the first connection failing: browsers then wait their default (~3 s), sse-kit's runner passes
 * `reconnectionTime`. `minDelayMs` checks lower bounds only; nothing asserts an upper bound.
 */

/** A piece of the response body: text (sent as UTF-8), or raw bytes as hex (`'ef bb bf'`). */
export type Chunk = string | { hex: string };

/** What the server does for one request. */
export interface ScriptedResponse {
  /** Destroy the connection before sending anything: a network error before the response. */
  networkError?: true;
  /** @defaultValue 200 */
  status?: number;
  /** @defaultValue `{ 'content-type': 'text/event-stream' }` (give `{}` for no Content-Type) */
  headers?: Record<string, string>;
  /** Written in order, each flushed, ~15 ms apart so that they reach the client as separate reads. */
  body?: Chunk[];
  /** After the body: `end` the response, `hang` (keep it open), or `drop` the connection. @defaultValue 'end' */
  after?: 'end' | 'hang' | 'drop';
}

/** One event as a listener saw it, with `readyState` read inside the listener. */
export interface Observation {
  type: string;
  readyState: 0 | 1 | 2;
  /** MessageEvents only. */
  data?: string;
  lastEventId?: string;
  origin?: string;
}

/** One request as the server saw it. */
export interface ExpectedRequest {
  /** @defaultValue 'main' */
  server?: 'main' | 'other';
  /** Path after the case prefix, with the query. */
  path: string;
  /** The Last-Event-ID header decoded as UTF-8, or null when the request had none. */
  lastEventId: string | null;
  /** Headers that must have exactly these values (names in lower case). */
  headers?: Record<string, string>;
  /** At least this many ms after the previous response ended or dropped. */
  minDelayMs?: number;
}

export interface ConformanceCase {
  name: string;
  /** The spec sentence or web-platform-tests file the case comes from. */
  source: string;
  /** @defaultValue '/' */
  path?: string;
  /** Event types to listen to besides open, message and error. */
  listen?: string[];
  /** 1-based observation in whose listener the runner calls close(). @defaultValue the last expected one, unless that one already saw CLOSED */
  closeAfter?: number;
  responses: ScriptedResponse[];
  expect: { events: Observation[]; requests: ExpectedRequest[] };
}

const open: Observation = { type: 'open', readyState: 1 };
/** `error` fired when reestablishing: readyState CONNECTING. */
const reconnecting: Observation = { type: 'error', readyState: 0 };
/** `error` fired when the connection failed: readyState CLOSED. */
const failed: Observation = { type: 'error', readyState: 2 };
const msg = (data: string, lastEventId = '', type = 'message', origin = '{{origin}}'): Observation => ({
  type,
  readyState: 1,
  data,
  lastEventId,
  origin,
});
const get = (lastEventId: string | null = null, more: Partial<ExpectedRequest> = {}): ExpectedRequest => ({
  path: '/',
  lastEventId,
  ...more,
});
const sse = (...body: Chunk[]): ScriptedResponse => ({ body });
/** One response with this body, read to the end: the expected events are `open` then `events`. */
const stream = (name: string, source: string, body: Chunk[], events: Observation[], more: Partial<ConformanceCase> = {}): ConformanceCase => ({
  name,
  source,
  responses: [{ body }],
  expect: { events: [open, ...events], requests: [get()] },
  ...more,
});

const PARSING = 'HTML §9.2.6 Interpreting an event stream';
const MODEL = 'HTML §9.2.3 Processing model';
const LONG = 'x'.repeat(2048);

const parsing: ConformanceCase[] = [
  stream('dispatches a message event with the data', 'eventsource-eventtarget.js', ['data: data\n\n'], [msg('data')]),
  stream('joins data lines with a line feed', 'event-data.js', ['data:msg\ndata: msg\n\n'], [msg('msg\nmsg')]),
  stream('removes one leading space from a value, no more', PARSING, ['data:  two\n\ndata:none\n\n'], [msg(' two'), msg('none')]),
  stream('keeps a tab and trailing spaces in a value', PARSING, ['data:\tx  \n\n'], [msg('\tx  ')]),
  stream('splits a line at its first colon only', PARSING, ['data:a:b\n\ndata: : c\n\n'], [msg('a:b'), msg(': c')]),
  stream('treats "data" without a colon as an empty data line', 'format-field-data.js', ['data:\n\ndata\ndata\n\ndata:test\n\n'], [
    msg(''),
    msg('\n'),
    msg('test'),
  ]),
  stream(
    'compares field names case-sensitively and dispatches nothing for blocks without data',
    'event-data.js',
    [':\n\nfalsefield:msg\n\nfalsefield:msg\nData:data\n\ndata\n\ndata:end\n\n'],
    [msg(''), msg('end')],
  ),
  stream('ignores a field whose name has a space before the colon', PARSING, ['data : x\n\ndata: y\n\n'], [msg('y')]),
  stream('ignores blank lines between events', PARSING, ['\n\n\ndata: x\n\n\n\ndata: y\n\n'], [msg('x'), msg('y')]),
  stream('dispatches an event named by the event field', 'format-field-event.htm', ['event:test\ndata:x\n\ndata:x\n\n'], [msg('x', '', 'test'), msg('x')], {
    listen: ['test'],
  }),
  stream('uses "message" for an empty event field', 'format-field-event-empty.htm', ['event: \ndata:data\n\n'], [msg('data')]),
  stream('resets the event type after each block, even one without data', PARSING, ['event: add\ndata: 1\n\nevent: add\n\ndata: 2\n\n'], [
    msg('1', '', 'add'),
    msg('2'),
  ], { listen: ['add'] }),
  stream('uses the last event field of a block', PARSING, ['event: a\nevent: b\ndata: x\n\n'], [msg('x', '', 'b')], { listen: ['a', 'b'] }),
  stream(
    'ignores comments of any length with any line ending',
    'format-comments.js',
    [`data:1\r:\0\n:\r\ndata:2\n:${LONG}\rdata:3\n:data:fail\r:${LONG}\ndata:4\n\n`],
    [msg('1\n2\n3\n4')],
  ),
  stream('ends lines at CRLF', PARSING, ['data: a\r\ndata: b\r\n\r\n'], [msg('a\nb')]),
  stream('ends lines at a lone CR', PARSING, ['data: a\rdata: b\r\r'], [msg('a\nb')]),
  stream('mixes CRLF, CR and LF in one stream', PARSING, ['data: a\r\ndata: b\rdata: c\n\n'], [msg('a\nb\nc')]),
  stream('reads LF then CR as two line endings', PARSING, ['data: a\n\rdata: b\n\n'], [msg('a'), msg('b')]),
  stream('treats a CRLF split across chunks as one line ending', PARSING, ['data: a\r', '\ndata: b\r\n\r\n'], [msg('a\nb')]),
  {
    name: 'dispatches at a CR that ends a chunk without waiting for the next chunk',
    source: PARSING,
    responses: [{ body: ['data: a\r\r'], after: 'hang' }],
    expect: { events: [open, msg('a')], requests: [get()] },
  },
  stream('builds an event from many small chunks', PARSING, ['da', 'ta: sl', 'ow\n', '\n'], [msg('slow')]),
  stream('strips one leading BOM only', 'format-bom.js', ['\uFEFFdata:1\n\n\uFEFFdata:2\n\ndata:3\n\n'], [msg('1'), msg('3')]),
  stream('does not strip a second BOM', 'format-bom-2.any.js', ['\uFEFF\uFEFFdata:1\n\ndata:2\n\ndata:3\n\n'], [msg('2'), msg('3')]),
  stream('strips a BOM split across chunks', PARSING, [{ hex: 'ef' }, { hex: 'bb bf' }, 'data: x\n\n'], [msg('x')]),
  stream('decodes UTF-8 split across chunks', PARSING, [{ hex: '64 61 74 61 3a 20 c3' }, { hex: 'a9 e2 82' }, { hex: 'ac 0a 0a' }], [msg('é€')]),
  stream('decodes as UTF-8 whatever the charset parameter says', 'format-utf-8.any.js', ['data:ok…\n\n'], [msg('ok…')], {
    responses: [{ headers: { 'content-type': 'text/event-stream;charset=windows-1252' }, body: ['data:ok…\n\n'] }],
  }),
  stream('replaces invalid UTF-8 with U+FFFD', 'HTML §9.2.6 "UTF-8 decode"', [{ hex: '64 61 74 61 3a ff 0a 0a' }], [msg('\uFFFD')]),
  stream('keeps a NUL character in data', 'format-null-character.html', ['data:\0\n\n'], [msg('\0')]),
  stream('delivers a hundred events from one chunk in order', PARSING, [Array.from({ length: 100 }, (_, i) => `data: ${i}\n\n`).join('')], Array.from({ length: 100 }, (_, i) => msg(String(i)))),
  stream('delivers a 64 KiB event whole', PARSING, [`data: ${'y'.repeat(65536)}\n\n`], [msg('y'.repeat(65536))]),
];

const ids: ConformanceCase[] = [
  stream('keeps the last event id for events without an id field', 'format-field-id-3.htm (persists)', ['id: 1\ndata: 1\n\ndata:2\n\n'], [msg('1', '1'), msg('2', '1')]),
  stream('changes the last event id and keeps it', 'format-field-id-3.htm (changes and persists)', ['id: 1\ndata: 1\n\nid: 2\ndata:2\n\ndata:3\n\n'], [
    msg('1', '1'),
    msg('2', '2'),
    msg('3', '2'),
  ]),
  stream('resets the last event id with an empty id field', 'format-field-id-3.htm (resets)', ['id: 1\ndata: 1\n\nid:\ndata:2\n\ndata:3\n\n'], [
    msg('1', '1'),
    msg('2', ''),
    msg('3', ''),
  ]),
  stream('resets the last event id with "id" and no colon', PARSING, ['id: 1\ndata: a\n\nid\ndata: b\n\n'], [msg('a', '1'), msg('b', '')]),
  stream('takes the id of a block that has no data', PARSING, ['id: 7\n\ndata: x\n\n'], [msg('x', '7')]),
  stream('applies an id that comes after the data in a block', PARSING, ['data: a\nid: 2\n\n'], [msg('a', '2')]),
  stream('ignores an id containing NUL', 'format-field-id-null', ['id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n'], [msg('a', '1'), msg('b', '1')]),
  stream('removes one leading space from an id', PARSING, ['id:  x\ndata: a\n\n'], [msg('a', ' x')]),
  stream('keeps a non-ASCII id', PARSING, ['id: é€\ndata: a\n\n'], [msg('a', 'é€')]),
];

/** The first response ends after `body` (which should set `retry:`); the second sends `then`. */
const reconnect = (name: string, source: string, body: Chunk[], first: Observation[], then: Chunk[], second: Observation[], lastEventId: string | null = null, more: Partial<ConformanceCase> = {}): ConformanceCase => ({
  name,
  source,
  responses: [sse(...body), sse(...then)],
  expect: { events: [open, ...first, reconnecting, open, ...second], requests: [get(), get(lastEventId)] },
  ...more,
});

const statusFails: ConformanceCase[] = [201, 204, 205, 206, 299, 400, 401, 403, 404, 410, 500, 502, 503].map((status) => ({
  name: `fails the connection on status ${status}`,
  source: status === 204 ? `${MODEL}: "a client can be told to stop reconnecting using the HTTP 204"` : 'request-status-error.htm',
  responses: [{ status, body: status === 204 || status === 205 ? [] : ['data: data\n\n'] }],
  expect: { events: [failed], requests: [get()] },
}));

const contentTypeFails: ConformanceCase[] = [undefined, 'text/plain', 'text/x-bogus', 'text/html', 'text/event-streams', 'text/event-stream-x', 'application/json'].map((type) => ({
  name: `fails the connection on Content-Type ${type ?? '(none)'}`,
  source: type === 'text/x-bogus' ? 'format-mime-valid-bogus.htm' : `${MODEL}: "an unsupported type, or that have no Content-Type at all"`,
  responses: [{ headers: type ? { 'content-type': type } : ({} as Record<string, string>), body: ['data: data\n\n'] }],
  expect: { events: [failed], requests: [get()] },
}));

const redirects: ConformanceCase[] = [301, 302, 303, 307, 308].map((status) => ({
  name: `follows a ${status} redirect`,
  source: 'request-redirect.htm',
  responses: [{ status, headers: { location: '{{base}}/moved' } }, sse('data: data\n\n')],
  expect: { events: [open, msg('data')], requests: [get(), get(null, { path: '/moved' })] },
}));

const model: ConformanceCase[] = [
  stream('sends Accept: text/event-stream and Cache-Control: no-cache', 'request-accept.htm, request-cache-control.any.js', ['data: x\n\n'], [msg('x')], {
    expect: { events: [open, msg('x')], requests: [get(null, { headers: { accept: 'text/event-stream', 'cache-control': 'no-cache' } })] },
  }),
  {
    name: 'announces the connection on the response headers, before any event',
    source: `${MODEL}: "announce the connection"`,
    responses: [{ body: [], after: 'hang' }],
    expect: { events: [open], requests: [get()] },
  },
  stream('ignores Content-Type case and parameters', MODEL, ['data: x\n\n'], [msg('x')], {
    responses: [{ headers: { 'content-type': 'Text/Event-Stream; charset=UTF-8' }, body: ['data: x\n\n'] }],
  }),
  ...statusFails,
  {
    name: 'fails the connection on a 500 whose body never comes',
    source: MODEL,
    responses: [{ status: 500, body: [], after: 'hang' }],
    expect: { events: [failed], requests: [get()] },
  },
  ...contentTypeFails,
  ...redirects,
  {
    name: 'reports the origin of the final URL after a cross-origin redirect',
    source: `${PARSING}: "the origin of the event stream's final URL (i.e., the URL after redirects)"`,
    responses: [
      { status: 307, headers: { location: '{{otherBase}}/moved' } },
      { headers: { 'content-type': 'text/event-stream', 'access-control-allow-origin': '*' }, body: ['data: data\n\n'] },
    ],
    expect: { events: [open, msg('data', '', 'message', '{{other}}')], requests: [get(), get(null, { server: 'other', path: '/moved' })] },
  },
  {
    name: 'fails the connection when a redirect leads to a 404',
    source: 'request-redirect.htm, request-status-error.htm',
    responses: [{ status: 302, headers: { location: '{{base}}/gone' } }, { status: 404, body: ['data: no\n\n'] }],
    expect: { events: [failed], requests: [get(), get(null, { path: '/gone' })] },
  },
  reconnect('reconnects after the stream ends', 'eventsource-reconnect.js', ['retry: 10\ndata: ok\n\n'], [msg('ok')], ['data: data\n\n'], [msg('data')]),
  reconnect('reconnects after the connection drops', MODEL, ['retry: 10\ndata: a\n\n'], [msg('a')], ['data: b\n\n'], [msg('b')], null, {
    responses: [{ body: ['retry: 10\ndata: a\n\n'], after: 'drop' }, sse('data: b\n\n')],
  }),
  {
    name: 'reconnects after a network error on the first connection',
    source: `${MODEL}: "Network errors that prevents the connection from being established in the first place"`,
    responses: [{ networkError: true }, sse('data: b\n\n')],
    expect: { events: [reconnecting, open, msg('b')], requests: [get(), get()] },
  },
  reconnect('sends the last event id as Last-Event-ID and keeps it after reconnecting', 'format-field-id.htm', ['id: …\nretry: 10\ndata: hello\n\n'], [msg('hello', '…')], ['data: {{lastEventId}}\n\n'], [msg('…', '…')], '…'),
  reconnect('sends the latest id of the stream', 'HTML §9.2.4 The Last-Event-ID header', ['retry: 10\nid: 1\ndata: a\n\nid: 2\ndata: b\n\n'], [msg('a', '1'), msg('b', '2')], ['data: {{lastEventId}}\n\n'], [msg('2', '2')], '2'),
  reconnect('sends the id of a block without data', PARSING, ['retry: 10\nid: 1\ndata: a\n\nid: 5\n\n'], [msg('a', '1')], ['data: {{lastEventId}}\n\n'], [msg('5', '5')], '5'),
  reconnect('sends no Last-Event-ID once the id was reset', `${MODEL}: "If the EventSource object's last event ID string is not the empty string"`, ['retry: 10\nid: 1\ndata: a\n\nid\ndata: b\n\n'], [msg('a', '1'), msg('b', '')], ['data: [{{lastEventId}}]\n\n'], [msg('[]', '')]),
  reconnect('sends no Last-Event-ID for an id with NUL', 'format-field-id-null', ['id: \0\0\nretry: 10\ndata: hello\n\n'], [msg('hello', '')], ['data: [{{lastEventId}}]\n\n'], [msg('[]', '')]),
  reconnect('sends a non-ASCII id as UTF-8', `${MODEL}: "last event ID string, encoded as UTF-8"`, ['retry: 10\nid: é€\ndata: a\n\n'], [msg('a', 'é€')], ['data: {{lastEventId}}\n\n'], [msg('é€', 'é€')], 'é€'),
  reconnect('discards an event the end of the stream cut off, and its id', 'format-data-before-final-empty-line.js', ['retry:10\ndata:test1\n\nid:test\ndata:test2'], [msg('test1')], ['retry:10\ndata:test1\n\nid:test\ndata:test2'], [msg('test1')]),
  reconnect('discards an event a dropped connection cut off, and its id', MODEL, ['retry: 10\nid: 1\ndata: a\n\nid: 2\ndata: b'], [msg('a', '1')], ['data: {{lastEventId}}\n\n'], [msg('1', '1')], '1', {
    responses: [{ body: ['retry: 10\nid: 1\ndata: a\n\nid: 2\ndata: b'], after: 'drop' }, sse('data: {{lastEventId}}\n\n')],
  }),
  reconnect('waits the retry time before reconnecting', 'format-field-retry.htm', ['retry: 150\ndata: a\n\n'], [msg('a')], ['data: b\n\n'], [msg('b')], null, {
    expect: { events: [open, msg('a'), reconnecting, open, msg('b')], requests: [get(), get(null, { minDelayMs: 150 })] },
  }),
  reconnect('reads retry as decimal even with leading zeros', 'format-field-retry.htm ("02000")', ['retry: 0150\ndata: a\n\n'], [msg('a')], ['data: b\n\n'], [msg('b')], null, {
    expect: { events: [open, msg('a'), reconnecting, open, msg('b')], requests: [get(), get(null, { minDelayMs: 150 })] },
  }),
  reconnect('ignores retry values that are not only ASCII digits', 'format-field-retry-bogus.htm', ['retry: 150\nretry: 10x\nretry: -1\nretry: 1.5\nretry: 1e1\nretry: \uFF11\nretry\nretry: \ndata: a\n\n'], [msg('a')], ['data: b\n\n'], [msg('b')], null, {
    expect: { events: [open, msg('a'), reconnecting, open, msg('b')], requests: [get(), get(null, { minDelayMs: 150 })] },
  }),
  {
    name: 'keeps the retry time for later reconnections',
    source: `${PARSING}: "set the event stream's reconnection time to that integer"`,
    responses: [sse('retry: 120\n\ndata: a\n\n'), sse('data: b\n\n'), sse('data: c\n\n')],
    expect: {
      events: [open, msg('a'), reconnecting, open, msg('b'), reconnecting, open, msg('c')],
      requests: [get(), get(null, { minDelayMs: 120 }), get(null, { minDelayMs: 120 })],
    },
  },
  {
    name: 'fails the connection on a 204 after reconnecting, without reconnecting again',
    source: 'eventsource-close.window.js (test events)',
    responses: [sse('retry: 10\ndata: opened\n\n'), sse('data: reconnected\n\n'), { status: 204 }],
    expect: {
      events: [open, msg('opened'), reconnecting, open, msg('reconnected'), reconnecting, failed],
      requests: [get(), get(), get()],
    },
  },
  {
    name: 'fails the connection on a 503 after reconnecting',
    source: MODEL,
    responses: [sse('retry: 10\ndata: a\n\n'), { status: 503, body: ['data: b\n\n'] }],
    expect: { events: [open, msg('a'), reconnecting, failed], requests: [get(), get()] },
  },
  {
    name: 'fails the connection on a wrong Content-Type after reconnecting',
    source: MODEL,
    responses: [sse('retry: 10\ndata: a\n\n'), { headers: { 'content-type': 'text/html' }, body: ['data: b\n\n'] }],
    expect: { events: [open, msg('a'), reconnecting, failed], requests: [get(), get()] },
  },
  {
    name: 'dispatches nothing after close() in a message listener, even from the same chunk',
    source: `${PARSING}: "if the readyState attribute is set to a value other than CLOSED, dispatches"`,
    closeAfter: 2,
    responses: [sse('data: 1\n\ndata: 2\n\ndata: 3\n\n')],
    expect: { events: [open, msg('1')], requests: [get()] },
  },
  {
    name: 'dispatches no message after close() in the open listener',
    source: 'eventsource-close.window.js',
    closeAfter: 1,
    responses: [sse('data: 1\n\n')],
    expect: { events: [open], requests: [get()] },
  },
  {
    name: 'does not reconnect after close() in the error listener',
    source: `${MODEL}: "If the EventSource object's readyState attribute is not set to CONNECTING, then return"`,
    responses: [sse('retry: 10\ndata: a\n\n')],
    expect: { events: [open, msg('a'), reconnecting], requests: [get()] },
  },
  stream('keeps the connection through comment-only blocks', PARSING, [': hi\n\n', ': again\n\n', 'data: x\n\n'], [msg('x')]),
];

/** Every case, in a stable order (a case's index is part of its URL). */
export const CASES: ConformanceCase[] = [...parsing, ...ids, ...model];
