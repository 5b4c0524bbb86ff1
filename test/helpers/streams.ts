/** A Response body that yields `chunks` (strings as UTF-8, or raw bytes) one read at a time. */
export function chunkedBody(chunks: (string | Uint8Array)[], { hold = false } = {}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) {
        const chunk = chunks[i++]!;
        controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      } else if (!hold) controller.close();
      // hold: never close, like a live stream that has nothing more to say yet
    },
  });
}

/** An SSE Response from chunks. */
export function sseResponse(
  chunks: (string | Uint8Array)[],
  { status = 200, contentType = 'text/event-stream', hold = false, headers = {} as Record<string, string> } = {},
): Response {
  return new Response(chunkedBody(chunks, { hold }), { status, headers: { 'content-type': contentType, ...headers } });
}

/** Splits a string's UTF-8 bytes into pieces of `size` bytes (splitting multi-byte characters too). */
export function bytePieces(text: string, size: number): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** Formats one SSE event. */
export function sse(data: unknown, { id, event }: { id?: string | number; event?: string } = {}): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return `${id !== undefined ? `id: ${id}\n` : ''}${event ? `event: ${event}\n` : ''}${text
    .split('\n')
    .map((line) => `data: ${line}\n`)
    .join('')}\n`;
}
