import { readFile } from 'node:fs/promises';
import type { FetchLike } from 'sse-kit';

/**
 * The bytes of `-d`: the text itself, `@file`, or `@-` for stdin (read to its end first, so a
 * reconnection can send the same body again).
 */
export async function readBody(data: string, stdin: NodeJS.ReadableStream): Promise<Uint8Array<ArrayBuffer>> {
  if (data === '@-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return new Uint8Array(Buffer.concat(chunks));
  }
  return new Uint8Array(data.startsWith('@') ? await readFile(data.slice(1)) : Buffer.from(data));
}

/** True when the body is JSON, so `-d '{…}'` gets `Content-Type: application/json` unless told otherwise. */
export function isJson(body: Uint8Array): boolean {
  try {
    JSON.parse(Buffer.from(body).toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/** What the CLI wants to see of each response, beyond what the stream reports. */
export interface ResponseTaps {
  /** Every response, before sse-kit reads it (for `-i`). */
  head?: (response: Response) => void;
  /** Every chunk of every response body, as received (for `--raw`). */
  chunk?: (bytes: Uint8Array) => void;
}

/**
 * Wraps `fetch` to show the CLI what the public stream API does not: response headers and the
 * bytes on the wire. The Response is handed on unchanged but for `body`, which is a pass-through
 * copy when `chunk` is set (the original keeps `url`, `status` and `headers`).
 */
export function tappedFetch(base: FetchLike, taps: ResponseTaps): FetchLike {
  return async (input, init) => {
    const response = await base(input, init);
    taps.head?.(response);
    const { chunk } = taps;
    if (chunk && response.body) {
      const body = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(bytes, controller) {
            chunk(bytes);
            controller.enqueue(bytes);
          },
        }),
      );
      Object.defineProperty(response, 'body', { value: body });
    }
    return response;
  };
}

/** `HTTP 200 OK` and the headers, one per line, as `curl -i` shows them. */
export function describeResponse(response: Response): string {
  const lines = [`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`];
  for (const [name, value] of response.headers) lines.push(`${name}: ${value}`);
  return `${lines.join('\n')}\n\n`;
}
