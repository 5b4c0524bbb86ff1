// The benchmark streams, built once and byte-for-byte the same for every client in a run.
// Each stream is one pre-rendered Buffer plus the byte offset where each event ends, so the server
// can serve any prefix (warm-up runs) and the client can be told exactly what it must receive.

/** Small deterministic PRNG (mulberry32): the same seed gives the same chunk cuts for every client. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Full-run and quick-run sizes; `memory*`: the in-memory hot path; `chunked*`: the 1–64 byte chunking stress. */
export const SIZES = {
  full: { small: 200_000, large: 2_000, multiline: 50_000 },
  quick: { small: 20_000, large: 200, multiline: 5_000 },
  memoryFull: { small: 200_000, large: 500, multiline: 50_000 },
  memoryQuick: { small: 20_000, large: 50, multiline: 5_000 },
  chunkedFull: { small: 50_000, large: 50, multiline: 10_000 },
  // Chromium's own EventSource manages ~45k events/s, so these are shorter than in Node; but the
  // fetch clients do 1M+ events/s there, and at 30k events (~20 ms a run) a GC pause or a busy core
  // swung a round's ratio by ±40%. Small events get ~70 ms per fetch run; large and multi-line stay
  // shorter because the built-in EventSource (and sse-kit native) spend ~12 s a round on them already.
  browserFull: { small: 100_000, large: 500, multiline: 12_000 },
  browserQuick: { small: 5_000, large: 50, multiline: 1_000 },
  chunkedQuick: { small: 5_000, large: 10, multiline: 1_000 },
};

/** What each scenario is, for the method section of the results. */
export const SCENARIOS = {
  small: {
    type: 'message',
    describe: (n) => `${n.toLocaleString('en')} small JSON events (~80 B: \`id:\` + one \`data:\` line)`,
  },
  large: {
    type: 'message',
    describe: (n) => `${n.toLocaleString('en')} events of 64 KB (\`id:\` + one 64 KB \`data:\` line of JSON)`,
  },
  multiline: {
    type: 'update',
    describe: (n) => `${n.toLocaleString('en')} multi-line events (\`id:\`, \`event: update\`, 12 \`data:\` lines of pretty-printed JSON, ~330 B)`,
  },
};

const BLOB_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function blob(length, random) {
  let s = '';
  for (let i = 0; i < length; i++) s += BLOB_CHARS[Math.floor(random() * 64)];
  return s;
}

/** The `data` value (what the client's decoder sees) of event `i`. */
function eventData(scenario, i, shared) {
  if (scenario === 'small') return `{"n":${i},"type":"tick","ts":${1_700_000_000_000 + i},"msg":"hello world"}`;
  if (scenario === 'large') {
    // 64 KB of data per event: the JSON wrapper plus a blob sized to make the data exactly 65,536 chars.
    const head = `{"n":${i},"blob":"`;
    return head + shared.blob.slice(0, 65_536 - head.length - 2) + '"}';
  }
  return JSON.stringify(
    {
      n: i,
      title: `Order ${i} updated`,
      status: i % 3 === 0 ? 'shipped' : 'pending',
      items: [
        { sku: 'A-100', qty: 1 + (i % 4) },
        { sku: 'B-200', qty: 2 },
      ],
      total: (i * 1.25).toFixed(2),
    },
    null,
    2,
  );
}

function frame(scenario, i, data) {
  const lines = data.split('\n');
  let out = `id: ${i}\n`;
  if (scenario === 'multiline') out += 'event: update\n';
  for (const line of lines) out += `data: ${line}\n`;
  return out + '\n';
}

/**
 * Builds one scenario with `n` events: `{ buffer, ends, dataChars, type }` where `ends[i]` is the
 * byte offset just after event i and `dataChars[i]` the running total of data string lengths.
 */
export function buildStream(scenario, n) {
  const shared = scenario === 'large' ? { blob: blob(65_536, prng(7)) } : {};
  const parts = [];
  const ends = new Float64Array(n);
  const dataChars = new Float64Array(n);
  let bytes = 0;
  let chars = 0;
  for (let i = 0; i < n; i++) {
    const data = eventData(scenario, i, shared);
    const part = Buffer.from(frame(scenario, i, data));
    parts.push(part);
    bytes += part.length;
    chars += data.length;
    ends[i] = bytes;
    dataChars[i] = chars;
  }
  return { buffer: Buffer.concat(parts, bytes), ends, dataChars, type: SCENARIOS[scenario].type };
}

/** What a client must receive for the first `n` events: count, the sum of `n` fields, data chars, bytes. */
export function expectation(stream, n) {
  return { count: n, nSum: (n * (n - 1)) / 2, chars: stream.dataChars[n - 1], bytes: stream.ends[n - 1], type: stream.type };
}
