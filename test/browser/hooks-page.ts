// The React page of test/browser/hooks.test.ts, bundled by esbuild with React and dist/react.js.
// Two components use the same stream (so one connection): a list of every tick received, folded
// by a reducer, and the last tick. The stream URL comes from the page's query string.
import { createElement as h, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { useEvent, useEventStream } from 'sse-kit/react';

type Events = { tick: { n: number } };
const url = new URLSearchParams(location.search).get('stream') ?? '/counter';

function TickList() {
  const stream = useEventStream<Events, number[]>(url, {
    reducer: (ns, event) => (event.type === 'tick' ? [...ns, event.data.n] : ns),
    initial: [],
    throttle: 50,
  });
  useEvent(stream, 'tick', (tick) => {
    (window as { lastHandled?: number }).lastHandled = tick.n;
  });
  return h(
    'section',
    null,
    h('h2', null, `state: ${stream.state} · last id: ${stream.lastEventId || '-'} · ${stream.data.length} ticks`),
    h('p', { id: 'ticks' }, stream.data.join(' ')),
  );
}

function LastTick() {
  const { data, state } = useEventStream<Events>(url);
  return h('p', { id: 'last' }, `last tick: ${data.tick?.n ?? '-'} (${state})`);
}

createRoot(document.getElementById('root')!).render(
  h(StrictMode, null, h('h1', null, 'sse-kit/react live'), h(TickList), h(LastTick)),
);
