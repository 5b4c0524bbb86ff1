import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sink } from './connection.js';
import { SSE_HEADERS } from './format.js';

/** Starts an SSE response on a `node:http` (or Express) response and wraps it as a sink. */
export function nodeSink(res: ServerResponse, headers: Record<string, string> | undefined, onGone: () => void): Sink {
  // writeHead merges headers set earlier with res.setHeader (CORS middleware and the like).
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  // No Nagle delay: each event leaves in its own segment instead of waiting up to 40 ms.
  res.socket?.setNoDelay(true);
  res.once('close', onGone);
  return {
    write: (chunk) => void res.write(chunk),
    buffered: () => res.writableLength,
    end: () => res.end(),
    destroy: () => res.destroy(),
    drained: () =>
      new Promise<void>((resolve) => {
        if (res.writableLength === 0 || res.destroyed) return resolve();
        const done = () => {
          res.off('drain', done).off('close', done);
          resolve();
        };
        res.once('drain', done).once('close', done);
      }),
  };
}

/** The client's id from `Last-Event-ID`, else from the `lastEventId` query parameter. */
export function lastEventIdOf(header: string | null | undefined, url: string | undefined): string | undefined {
  if (header) return header;
  if (!url) return undefined;
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  return new URLSearchParams(url.slice(query + 1)).get('lastEventId') ?? undefined;
}

/** {@link lastEventIdOf} for a `node:http` request. */
export function nodeLastEventId(req: IncomingMessage): string | undefined {
  const header = req.headers['last-event-id'];
  // Node decodes header bytes as Latin-1; clients send the id's UTF-8 bytes (what browsers do).
  const value = typeof header === 'string' ? Buffer.from(header, 'latin1').toString('utf8') : undefined;
  return lastEventIdOf(value, req.url);
}

/**
 * A web `ReadableStream` sink for fetch-style servers (`Response` bodies). The stream's queue is
 * the buffer: a client that does not read makes it grow until the connection's bound cuts it.
 */
export function streamSink(onGone: () => void): { sink: Sink; body: ReadableStream<Uint8Array> } {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let done = false;
  /** Replay waiting for the client to read. */
  const waiting: (() => void)[] = [];
  const wakeAll = () => {
    for (const wake of waiting.splice(0)) wake();
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      // Called when the queue is below the high-water mark of 0, i.e. the client took everything.
      pull: wakeAll,
      cancel: () => {
        done = true;
        wakeAll();
        onGone();
      },
    },
    // Sized in bytes with a high-water mark of 0: -desiredSize is the bytes the client has not taken.
    { highWaterMark: 0, size: (chunk) => chunk.byteLength },
  );
  const sink: Sink = {
    write(chunk) {
      if (done) return;
      controller.enqueue(encoder.encode(chunk));
    },
    buffered: () => (done ? 0 : -(controller.desiredSize ?? 0)),
    end() {
      if (done) return;
      done = true;
      controller.close();
    },
    destroy() {
      if (done) return;
      done = true;
      wakeAll();
      controller.error(new Error('sse-kit/server: client too slow, disconnected'));
    },
    drained: () => (done || (controller.desiredSize ?? 0) >= 0 ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve))),
  };
  return { sink, body };
}
