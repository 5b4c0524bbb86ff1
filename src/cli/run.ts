import { type CloseInfo, createEventStream, type EventStream, isSSEKitError } from 'sse-kit';
import type { CliOptions } from './args.js';
import { COLOURS, ndjsonLine, PLAIN, prettyEvent, type Received } from './format.js';
import { describeResponse, isJson, readBody, tappedFetch } from './request.js';

/** The process the CLI runs in: its streams, environment and Ctrl-C, passed in rather than read from globals. */
export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Registers the Ctrl-C handler. */
  onInterrupt(handler: () => void): void;
}

/** Exit codes: see `--help`. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/**
 * Streams `options.url` to `io.stdout` until a stop condition, an unrecoverable failure or
 * Ctrl-C, and resolves with the process exit code.
 */
export async function run(options: CliOptions, io: Io): Promise<number> {
  // NO_COLOR (no-color.org): present and not empty means no colours; never colour a pipe or file.
  const palette = io.stdout.isTTY && !io.env.NO_COLOR ? COLOURS : PLAIN;
  const notes = io.stderr.isTTY && !io.env.NO_COLOR ? COLOURS : PLAIN;
  const note = (line: string) => io.stderr.write(notes.note(`sse-kit: ${line}`) + '\n');
  const fail = (line: string) => io.stderr.write(notes.error(`sse-kit: ${line}`) + '\n');
  const format = options.format ?? (io.stdout.isTTY ? 'pretty' : 'json');
  const print = (event: Received) =>
    io.stdout.write(format === 'json' ? ndjsonLine(event) : prettyEvent(event, palette, io.stdout.columns || 100));

  let body: Uint8Array<ArrayBuffer> | undefined;
  try {
    body = options.data === undefined ? undefined : await readBody(options.data, io.stdin);
  } catch (error) {
    fail(`-d ${options.data}: ${(error as Error).message}`);
    return EXIT.usage;
  }
  const headers = new Headers(options.headers);
  if (body && !headers.has('content-type') && isJson(body)) headers.set('content-type', 'application/json');

  let stream: EventStream | undefined;
  let closed: CloseInfo | undefined;
  let stopped = false;
  let retried = false;
  const finished = new Promise<number>((resolve) => {
    io.onInterrupt(() => {
      const id = stream?.lastEventId;
      note(id ? `last id: ${id} (resume with --last-event-id ${shellQuote(id)})` : 'no event id received');
      stream?.close();
      resolve(EXIT.interrupted);
    });
    // A closed pipe (`| head -1`) is the reader saying it has enough: stop quietly.
    io.stdout.on('error', (error: NodeJS.ErrnoException) => {
      stream?.close();
      resolve(error.code === 'EPIPE' ? EXIT.ok : EXIT.failed);
    });
    try {
      stream = createEventStream(options.url, {
        transport: options.transport,
        method: options.method ?? (body ? 'POST' : 'GET'),
        // Only when there are some: any headers at all rule out the native transport.
        headers: [...headers.keys()].length ? headers : undefined,
        // Bytes, not a stream: the same body can be sent again if a POST stream is resumed.
        body,
        // The raw text: the CLI parses JSON itself to print it verbatim, and never skips an event.
        decode: 'text',
        lastEventId: options.lastEventId,
        connectTimeout: options.connectTimeout,
        heartbeatTimeout: options.heartbeatTimeout,
        retry: options.reconnect ? { maxAttempts: options.maxRetries } : { shouldRetry: () => false },
        reconnectOnEnd: options.reconnect ? undefined : false,
        fetch:
          options.transport === 'fetch'
            ? tappedFetch(globalThis.fetch.bind(globalThis), {
                head: options.include ? (response) => io.stderr.write(describeResponse(response)) : undefined,
                chunk: options.format === 'raw' ? (bytes) => io.stdout.write(bytes) : undefined,
              })
            : undefined,
        onOpen: ({ status, url }) => {
          if (retried) note(`reconnected: HTTP ${status} ${url}`);
        },
        onRetry: ({ attempt, delay, error }) => {
          retried = true;
          const why = error ? describeError(error) : 'The server ended the stream';
          const id = stream?.lastEventId;
          note(`${why}; retry #${attempt} in ${delay} ms ${id ? `with Last-Event-ID: ${id}` : 'without Last-Event-ID'}`);
        },
        onClose: (info) => {
          closed = info;
        },
      });
    } catch (error) {
      fail((error as Error).message.replace(/^sse-kit: /, ''));
      resolve(EXIT.usage);
      return;
    }
    consume(stream, options, print, () => (stopped = true)).then(
      () => resolve(exitCode(closed, stopped, note, fail)),
      () => resolve(exitCode(closed, stopped, note, fail)),
    );
  });
  return finished;
}

/** Prints events until the stream closes or a stop condition (`--count`, `--until`) is met. */
async function consume(
  stream: EventStream,
  options: CliOptions,
  print: (event: Received) => void,
  stop: () => void,
): Promise<void> {
  let printed = 0;
  for await (const { type, id, data } of stream) {
    const wanted = options.events.length === 0 || options.events.includes(type);
    if (wanted && options.format !== 'raw') print({ ts: new Date(), id, type, data: data as string });
    if (wanted) printed += 1;
    if (printed === options.count || type === options.until) {
      stop();
      return; // leaving the loop closes the stream
    }
  }
}

type Say = (line: string) => void;

function exitCode(closed: CloseInfo | undefined, stopped: boolean, note: Say, fail: Say): number {
  if (stopped) return EXIT.ok;
  if (closed?.reason === 'no-content') note('HTTP 204 No Content: the server says there is nothing more');
  if (closed?.reason === 'end') note('the server ended the stream');
  if (closed?.reason !== 'error') return EXIT.ok;
  fail(describeError(closed.error!));
  return EXIT.failed;
}

/**
 * The error's message and its causes' (the last failure behind retries used up, the socket or TLS
 * error behind "Could not connect"): what a person debugging a stream needs to see.
 */
export function describeError(error: Error): string {
  let text = error.message;
  let cause = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 4; depth += 1, cause = cause.cause) {
    // undici wraps every network failure in "fetch failed": the useful part is below it.
    if (cause.message === 'fetch failed') continue;
    const code = isSSEKitError(cause) ? undefined : (cause as NodeJS.ErrnoException).code;
    text += `: ${cause.message}${code && !cause.message.includes(code) ? ` (${code})` : ''}`;
  }
  return text;
}

/** The id as one shell word, so the printed resume command can be pasted. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
