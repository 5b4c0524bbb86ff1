// Every client under test behind one small interface, shared by the Node worker and the browser
// page (bundled with esbuild). `open(name, url, options)` starts a client and returns its close();
// the benchmarks (throughput, reconnect, idle memory) are written once on top of it.
//
// Fairness rules: every client delivers the same thing to the same consumer — the `data` string
// (decode 'text') or the parsed object (decode 'json'; the peers call JSON.parse themselves, as
// sse-kit's decode: 'json' does) — and listens only to the scenario's event type.
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { createParser } from 'eventsource-parser';
import { EventSource as EventSourcePolyfill } from 'eventsource';
import { createEventSource } from 'eventsource-client';
import { prng } from './streams.mjs';

// sse-kit itself is handed in (useSseKit) rather than imported, so a run can measure a snapshot of
// dist/ taken at its start even while someone rebuilds dist/ (bench/run.mjs copies it to a temp dir).
let sseKit;
/** Sets the sse-kit module (`dist/index.js` or a copy of it) that the `sse-kit …` clients use. */
export function useSseKit(module) {
  sseKit = module;
}

export const now = () => performance.timeOrigin + performance.now();

/** Client names, in the order the tables show them. `env` says where each one runs. */
export const CLIENTS = [
  { name: 'bare fetch + eventsource-parser', env: ['node', 'browser'], floor: true },
  { name: 'EventSource (browser built-in)', env: ['browser'] },
  { name: 'sse-kit native', env: ['browser'] },
  { name: 'sse-kit fetch', env: ['node', 'browser'] },
  { name: 'sse-kit fetch, for await', env: ['node'] },
  // sse-kit's spec-compatible class (built on the fetch transport), used like the other EventSources.
  { name: 'sse-kit EventSource class', env: ['node', 'browser'] },
  { name: 'eventsource 4.1.1', env: ['node', 'browser'] },
  { name: '@microsoft/fetch-event-source 2.0.1', env: ['node', 'browser'] },
  { name: 'eventsource-client 1.2.0', env: ['node', 'browser'] },
];

/**
 * A fetch whose response body arrives in seeded random 1–64 byte pieces, each its own `read()`:
 * what a parser sees on a slow or fragmenting network. (Splitting on the server does not get there
 * in Node: undici coalesces what is in the socket into 16–64 KiB reads.) Same seed, same cuts, for
 * every client; the cost of cutting is the same for all of them.
 */
export function fragmentingFetch(seed = 0x5eed, baseFetch = globalThis.fetch) {
  return async (input, init) => {
    const response = await baseFetch(input, init);
    const random = prng(seed);
    const reader = response.body.getReader();
    // A pull source, not a TransformStream: in Node that costs ~2 µs per piece instead of ~7–18.
    const body = new ReadableStream({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        for (let at = 0; at < value.length; ) {
          const size = 1 + Math.floor(random() * 64);
          controller.enqueue(value.subarray(at, at + size));
          at += size;
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

/**
 * A fetch that answers every request from memory with `buffer` in `chunkSize` pieces: the client's
 * own cost with no socket, no HTTP parser and no second process in the way.
 */
export function memoryFetch(buffer, chunkSize = 65_536) {
  return async (_input, init) => {
    let at = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (init?.signal?.aborted || at >= buffer.length) return controller.close();
        controller.enqueue(buffer.subarray(at, at + chunkSize));
        at += chunkSize;
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
}

const parse = (decode) => (decode === 'json' ? JSON.parse : (data) => data);

/**
 * Starts client `name` on `url`. Options: `type` (event type to listen to), `decode`, `onData(value)`,
 * `fetch` (for the clients built on fetch; default: the global one),
 * `onFail(error)` (the stream ended or failed when it should not have), `reconnect` (false: any end is
 * a failure; true: reconnect after drops, 100 ms delay via the server's `retry: 100` and sse-kit's
 * retry options). Returns close().
 */
export function open(name, url, { type, decode, onData, onFail, reconnect = false, fetch }) {
  // Without a `fetch` option each library uses its own default (the global fetch).
  const withFetch = fetch ? { fetch } : {};
  if (name === 'bare fetch + eventsource-parser') return openBare(url, type, decode, onData, onFail, fetch ?? globalThis.fetch);
  if (name.startsWith('sse-kit') && name !== 'sse-kit EventSource class') {
    const native = name === 'sse-kit native';
    const iterate = name.endsWith('for await');
    const stream = sseKit.createEventStream(url, {
      transport: native ? 'native' : 'fetch',
      ...(native ? {} : withFetch),
      decode,
      retry: reconnect ? { initialDelay: 100, jitter: 'none' } : { maxAttempts: 0 },
      reconnectOnEnd: reconnect,
      onClose: (info) => {
        // An iterator still drains what was queued before a clean end: judge it when its loop ends.
        if (info.reason === 'close' || (iterate && info.reason === 'end')) return;
        onFail(info.error ?? new Error(`sse-kit closed: ${info.reason}`));
      },
    });
    if (iterate) {
      (async () => {
        for await (const event of stream) if (event.type === type) onData(event.data);
        onFail(new Error('sse-kit: the iterator ended')); // ignored when every event came first
      })().catch(onFail);
    } else {
      stream.on(type, onData);
    }
    return () => stream.close();
  }
  if (name === 'EventSource (browser built-in)' || name === 'eventsource 4.1.1' || name === 'sse-kit EventSource class') {
    const ES = { 'eventsource 4.1.1': EventSourcePolyfill, 'sse-kit EventSource class': sseKit.EventSource }[name] ?? globalThis.EventSource;
    const toValue = parse(decode);
    const es = new ES(url, withFetch);
    es.addEventListener(type, (event) => onData(toValue(event.data)));
    // Both reconnect by themselves; an error only matters when reconnecting is not wanted.
    es.onerror = () => {
      if (!reconnect) onFail(new Error(`${name}: error event (readyState ${es.readyState})`));
    };
    return () => es.close();
  }
  if (name === '@microsoft/fetch-event-source 2.0.1') {
    const toValue = parse(decode);
    const controller = new AbortController();
    fetchEventSource(url, {
      signal: controller.signal,
      ...withFetch,
      // Visible or not, keep streaming (the default closes on a hidden page via `document`).
      openWhenHidden: true,
      onmessage: (message) => {
        // It dispatches a message for every blank line, even after a comment-only block (the spec
        // says: no data, no event), so a heartbeat comment arrives as an empty message. Skip those.
        if (message.data === '' && !message.event && !message.id) return;
        if ((message.event || 'message') === type) onData(toValue(message.data));
      },
      // A clean end does not reconnect unless onclose throws (the library's documented way to retry).
      onclose: () => {
        throw new Error('fetch-event-source: stream ended');
      },
      onerror: (error) => {
        if (reconnect) return undefined; // retry after the server's `retry:` interval
        throw error;
      },
    }).catch(onFail);
    return () => controller.abort();
  }
  if (name === 'eventsource-client 1.2.0') {
    const toValue = parse(decode);
    const es = createEventSource({
      url,
      ...withFetch,
      onMessage: (message) => {
        if ((message.event ?? 'message') === type) onData(toValue(message.data));
      },
      onDisconnect: () => {
        if (!reconnect) onFail(new Error('eventsource-client: disconnected'));
      },
    });
    return () => es.close();
  }
  throw new Error(`unknown client ${name}`);
}

/** The floor: fetch, a streaming TextDecoder and eventsource-parser's feed(), nothing else. */
function openBare(url, type, decode, onData, onFail, fetch) {
  const controller = new AbortController();
  const toValue = parse(decode);
  const parser = createParser({
    onEvent: (event) => {
      if ((event.event ?? 'message') === type) onData(toValue(event.data));
    },
  });
  (async () => {
    const response = await fetch(url, { headers: { accept: 'text/event-stream' }, cache: 'no-store', signal: controller.signal });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
    throw new Error('bare: stream ended');
  })().catch((error) => {
    if (!controller.signal.aborted) onFail(error);
  });
  return () => controller.abort();
}

/**
 * Receives one whole stream and checks it: exactly `expect.count` events whose data adds up
 * (text: total data length; json: the sum of the `n` fields). Resolves with the elapsed ms.
 */
export function throughput(name, url, expect, decode, { fetch, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    let count = 0;
    let sum = 0;
    let settled = false;
    let close;
    const start = performance.now();
    const finish = (error) => {
      if (settled) return;
      settled = true;
      const ms = performance.now() - start;
      clearTimeout(timer);
      close?.();
      const want = decode === 'json' ? expect.nSum : expect.chars;
      if (error) reject(error);
      else if (count !== expect.count || sum !== want) {
        reject(new Error(`${name}: received ${count}/${expect.count} events, checksum ${sum} (expected ${want})`));
      } else resolve(ms);
    };
    const timer = setTimeout(() => finish(new Error(`${name}: timed out after ${count}/${expect.count} events`)), timeoutMs);
    const onData =
      decode === 'json'
        ? (value) => {
            sum += value.n;
            if (++count === expect.count) finish();
          }
        : (value) => {
            sum += value.length;
            if (++count === expect.count) finish();
          };
    try {
      close = open(name, url, { type: expect.type, decode, onData, onFail: finish, ...(fetch ? { fetch } : {}) });
    } catch (error) {
      finish(error);
    }
    if (settled) close?.();
  });
}

/**
 * Reconnect latency: the server sends one event per connection and drops it 30 ms later; the event
 * after each reconnect carries the drop time. Resolves with the latencies (ms, drop → next event)
 * and whether every event arrived once, in order (resume by Last-Event-ID worked).
 */
export function reconnect(name, url, total, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    let expected = 0;
    let inOrder = true;
    let close;
    const timer = setTimeout(() => {
      close?.();
      reject(new Error(`${name}: reconnect run timed out after ${expected}/${total} events`));
    }, timeoutMs);
    close = open(name, url, {
      type: 'message',
      decode: 'json',
      reconnect: true,
      onData: (value) => {
        const at = now();
        if (value.dropAt) latencies.push(at - value.dropAt);
        if (value.n !== expected) inOrder = false;
        expected = value.n + 1;
        if (expected >= total) {
          clearTimeout(timer);
          close();
          resolve({ latencies, inOrder });
        }
      },
      onFail: (error) => {
        clearTimeout(timer);
        close?.();
        reject(error);
      },
    });
  });
}
