// Instructions per event of the hot path, deterministic enough for an A/B on a shared machine
// (wall-clock and CPU-time ratios there swing by ±0.1). One client, one in-memory stream of n small
// events (64 KB chunks, or `rand`: 1–64 byte chunks), nothing else. Per-event cost is the
// difference of two runs, so start-up and building the input cancel out:
//
//   run() { valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded \
//     bench/instructions.mjs "$@" 2>&1 | sed -n 's/.*Collected : //p'; }
//   echo $(( ($(run dist/index.js on 80000) - $(run dist/index.js on 20000)) / 60000 ))
//
// Arguments: <sse-kit bundle> <bare|on|iter|es|none> <n> [big|rand] [text|json] [small|multi].
// `multi`: the bench's multi-line events (bench/lib/streams.mjs: `id:`, `event: update`, 16 `data:`
// lines of pretty-printed JSON, ~340 B), listened to as `update`. `none` only builds the input (its
// cost grows with n too): subtract it to compare clients as a ratio. `es`: the EventSource class.
// `--single-threaded` keeps V8's compiler and GC threads out of the count (repeat runs then agree
// within ~0.3% for on/iter on a quiet machine; see `es` below).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createParser } from 'eventsource-parser';
const [, , lib, client, N, mode = 'big', decode = 'text', shape = 'small'] = process.argv;
const n = Number(N);
const type = shape === 'multi' ? 'update' : 'message';
let buf;
if (shape === 'multi') {
  // Byte for byte buildStream('multiline') of bench/lib/streams.mjs, written out and into one
  // buffer event by event: its JSON.stringify, or one `+=` string of all events, cost 30k–60k
  // instructions an event (growing with n), several times what the clients cost.
  const D = '\ndata: ';
  buf = Buffer.allocUnsafe(n * 400);
  let at = 0;
  for (let i = 0; i < n; i++)
    at += buf.write(`id: ${i}\nevent: update${D}{${D}  "n": ${i},${D}  "title": "Order ${i} updated",${D}  "status": "${i % 3 ? 'pending' : 'shipped'}",` +
      `${D}  "items": [${D}    {${D}      "sku": "A-100",${D}      "qty": ${1 + (i % 4)}${D}    },${D}    {${D}      "sku": "B-200",` +
      `${D}      "qty": 2${D}    }${D}  ],${D}  "total": "${(i * 1.25).toFixed(2)}"${D}}\n\n`, at);
  buf = buf.subarray(0, at);
} else {
  let s = '';
  for (let i = 0; i < n; i++) s += `id: ${i}\ndata: {"n":${i},"type":"tick","ts":${1_700_000_000_000 + i},"msg":"hello world"}\n\n`;
  buf = Buffer.from(s);
}
const CH = [];
if (mode === 'big') for (let i = 0; i < buf.length; i += 65536) CH.push(new Uint8Array(buf.subarray(i, i + 65536)));
else { let a = 7, i = 0; const r = () => { a = (a * 1103515245 + 12345) & 0x7fffffff; return a / 0x7fffffff; };
  while (i < buf.length) { const k = 1 + Math.floor(r() * 64); CH.push(new Uint8Array(buf.subarray(i, i + k))); i += k; } }
const fetch = async () => { let i = 0; return new Response(new ReadableStream({ pull(c) { if (i < CH.length) c.enqueue(CH[i++]); else c.close(); } }), { headers: { 'content-type': 'text/event-stream' } }); };
const parse = decode === 'json' ? JSON.parse : (d) => d;
const kit = await import(pathToFileURL(resolve(lib)).href);
const opts = { transport: 'fetch', fetch, decode, retry: { maxAttempts: 0 }, reconnectOnEnd: false, onClose: () => {} };
if (client === 'bare') {
  let count = 0;
  const parser = createParser({ onEvent: (e) => { if ((e.event ?? 'message') === type) { parse(e.data); count++; } } });
  const reader = (await fetch()).body.getReader(); const dec = new TextDecoder();
  for (;;) { const { done, value } = await reader.read(); if (done) break; parser.feed(dec.decode(value, { stream: true })); }
  if (count !== n) throw new Error(`bare: ${count} of ${n} events`);
}
// `(data) => …`, as in the bench (bench/lib/clients.mjs): a listener that declares no event argument gets none.
if (client === 'on') await new Promise((resolve) => { let count = 0; const st = kit.createEventStream('http://x.test/', opts); st.on(type, (_data) => { if (++count === n) { st.close(); resolve(); } }); });
// es: the EventSource class, `onmessage` (text only: the class does not decode). Its drain ends a
// slice of events after 8 ms by Date.now(), a load-dependent number of events under valgrind, so the
// clock stands still for this client. Its queue holds up to 1 MiB of events, and V8's time-based GC
// heuristics then move the count by ±1,000 instructions per event between runs: add `--predictable`
// after `--single-threaded` (repeat runs then agree within ~20 instructions per event).
if (client === 'es') Date.now = () => 0;
if (client === 'es') await new Promise((resolve) => { let count = 0; const es = new kit.EventSource('http://x.test/', { fetch }); es.onmessage = (e) => { parse(e.data); if (++count === n) { es.close(); resolve(); } }; });
if (client === 'iter') { let count = 0; const st = kit.createEventStream('http://x.test/', opts); for await (const e of st) if (e.type === type && ++count === n) break; }
