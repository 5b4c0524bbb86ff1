// A React page for test/browser/share.test.ts: useEventStream with `share: shareAcrossTabs()`,
// bundled by esbuild with React, dist/react.js, dist/share.js and dist/index.js.
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { useEventStream } from 'sse-kit/react';
import { shareAcrossTabs } from 'sse-kit/share';

type Events = { tick: number };
const url = new URLSearchParams(location.search).get('stream') ?? '/events';

function Ticks() {
  const stream = useEventStream<Events, number[]>(url, {
    share: shareAcrossTabs(),
    reducer: (ns, event) => (event.type === 'tick' ? [...ns, event.data] : ns),
    initial: [],
  });
  return h('p', { id: 'ticks', 'data-state': stream.state }, stream.data.join(' '));
}

createRoot(document.getElementById('root')!).render(h(Ticks));
