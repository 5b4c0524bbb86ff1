import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventStream, type RawEvent } from '../../src/index.js';
import { lastEventIdOf, rawHeader, startTimedServer, type TimedServer } from '../helpers/chaos-server.js';
import { sseHead } from '../helpers/http-server.js';
import { recorder, waitFor } from '../helpers/recorder.js';

let server: TimedServer | undefined;
afterEach(() => server?.close());

/** Writes `text`, waits until it is flushed to the socket, then destroys the socket: a dropped connection. */
function writeThenDrop(res: ServerResponse, text: string | Buffer): void {
  res.write(text, () => res.socket?.destroy());
}

/** A GET stream that records every event (decoded as text) and the Last-Event-ID bytes of every request. */
async function resumeRun(respond: (res: ServerResponse, index: number) => void, until: (events: RawEvent[]) => boolean) {
  const headers: (string | undefined)[] = [];
  server = await startTimedServer((req, res, i) => {
    headers.push(lastEventIdOf(req));
    sseHead(res);
    respond(res, i);
  });
  const { log, options } = recorder();
  const events: RawEvent[] = [];
  const idsAtRetry: string[] = [];
  const stream = createEventStream(server.url, {
    ...options,
    decode: 'text',
    onRetry: (info) => {
      options.onRetry(info);
      idsAtRetry.push(stream.lastEventId);
    },
    retry: { initialDelay: 5, jitter: 'none' },
  });
  stream.on('message', (_data, event) => void events.push({ ...event }));
  await waitFor(() => until(events), 3000, 'the expected events');
  stream.close();
  return { events, headers, idsAtRetry, log, stream, requests: server.requests };
}

describe('a half event cut by a dropped connection', () => {
  it.each([
    ['after its id line', 'id: 2\n'],
    ['in the middle of its data line', 'id: 2\ndata: tw'],
    ['after its data line, before the blank line', 'id: 2\ndata: two\n'],
    ['with CRLF, before the blank line', 'id: 2\r\ndata: two\r\n'],
    ['inside a multi-byte character', Buffer.from('id: 2\ndata: tw€').subarray(0, -1)],
  ])('does not move lastEventId when cut %s, and is replayed whole after the reconnect', async (_where, half) => {
    const run = await resumeRun(
      (res, i) => {
        if (i === 0) writeThenDrop(res, Buffer.concat([Buffer.from('id: 1\ndata: one\n\n'), Buffer.from(half)]));
        else res.write('id: 2\ndata: two\n\nid: 3\ndata: three\n\n');
      },
      (events) => events.length >= 3,
    );
    expect(run.idsAtRetry[0]).toBe('1');
    expect(run.headers).toEqual([undefined, '1']);
    expect(run.events).toEqual([
      { type: 'message', id: '1', data: 'one' },
      { type: 'message', id: '2', data: 'two' },
      { type: 'message', id: '3', data: 'three' },
    ]);
  });

  it('an event completed by a lone CR just before the drop counts: lastEventId moves to it', async () => {
    // CR alone ends a line (spec), so "\r\n\r" already holds the blank line; no LF is awaited.
    const run = await resumeRun(
      (res, i) => {
        if (i === 0) writeThenDrop(res, 'id: 1\r\ndata: one\r\n\r');
        else res.write('id: 2\ndata: two\n\n');
      },
      (events) => events.length >= 2,
    );
    expect(run.idsAtRetry[0]).toBe('1');
    expect(run.headers).toEqual([undefined, '1']);
    expect(run.events.map((e) => e.data)).toEqual(['one', 'two']);
  });
});

describe('ids that are not plain ASCII', () => {
  it.each(['é€', '😀', 'ñ-42 ü'])('id %j survives a reconnect: the server gets its UTF-8 bytes in Last-Event-ID', async (id) => {
    const run = await resumeRun(
      (res, i) => {
        if (i === 0) writeThenDrop(res, `id: ${id}\ndata: one\n\n`);
        else res.write(`data: two\n\n`);
      },
      (events) => events.length >= 2,
    );
    expect(rawHeader(run.requests[1]!, 'last-event-id')).toBe(Buffer.from(id, 'utf8').toString('latin1'));
    expect(run.headers[1]).toBe(id);
    expect(run.events.map((e) => e.id)).toEqual([id, id]);
    expect(run.log.errors.map((e) => e.code)).toEqual(['NETWORK']); // one drop, no failure to send the header
  });
});

describe('id fields that reset or are ignored', () => {
  it.each(['id:', 'id', 'id: '])('an empty id (%j) resets lastEventId: the reconnect sends no Last-Event-ID', async (line) => {
    const run = await resumeRun(
      (res, i) => {
        if (i === 0) res.end(`id: 5\ndata: one\n\n${line}\ndata: two\n\n`);
        else res.write('data: three\n\n');
      },
      (events) => events.length >= 3,
    );
    expect(run.events.map((e) => e.id)).toEqual(['5', '', '']);
    expect(rawHeader(run.requests[0]!, 'last-event-id')).toBeUndefined();
    expect(rawHeader(run.requests[1]!, 'last-event-id')).toBeUndefined();
  });

  it('an id containing NUL is ignored: the previous id stays and is sent on reconnect', async () => {
    const run = await resumeRun(
      (res, i) => {
        if (i === 0) res.end('id: 7\ndata: one\n\nid: 8\0x\ndata: two\n\n');
        else res.write('data: three\n\n');
      },
      (events) => events.length >= 3,
    );
    expect(run.events.map((e) => e.id)).toEqual(['7', '7', '7']);
    expect(run.headers).toEqual([undefined, '7']);
  });

  it('an id-only block (no data) moves lastEventId without dispatching an event', async () => {
    const run = await resumeRun(
      (res, i) => {
        if (i === 0) res.end('id: 1\ndata: one\n\nid: 99\n\n');
        else res.write('data: two\n\n');
      },
      (events) => events.length >= 2,
    );
    expect(run.events).toEqual([
      { type: 'message', id: '1', data: 'one' },
      { type: 'message', id: '99', data: 'two' },
    ]);
    expect(run.headers).toEqual([undefined, '99']);
  });
});
