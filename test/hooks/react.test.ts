// sse-kit/react in jsdom with React Testing Library, against a fake fetch (test/hooks/fake-fetch.ts).
// Counts are of requests the fake server saw: opened, and still open.
import { act, render, waitFor } from '@testing-library/react';
import { createElement as h, StrictMode, useState } from 'react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { useEvent, useEventStream } from 'sse-kit/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventSourceLike } from 'sse-kit';
import { FakeEventSource } from '../helpers/fake-event-source.js';
import { type FakeServer, fakeServer, sleep, uniqueUrl } from './fake-fetch.js';

type Events = { tick: { n: number }; message: { text: string } };

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

/** Shows the hook's state and the last tick, as text. */
function Ticker({ url, server, keepAlive }: { url: string | null; server: FakeServer; keepAlive?: number }) {
  const { state, data } = useEventStream<Events>(url, { fetch: server.fetch, keepAlive });
  return h('p', null, `${state} ${data.tick?.n ?? '-'}`);
}

/** Re-renders with new inline options objects and callbacks on every render (`rerender` bumps it). */
function Inline({ url, server, errors, expose }: { url: string; server: FakeServer; errors: string[]; expose: (rerender: () => void) => void }) {
  const [n, setN] = useState(0);
  expose(() => setN((x) => x + 1));
  const { state } = useEventStream<Events>(url, {
    fetch: server.fetch,
    headers: { 'X-Render': 'same', Accept: 'text/event-stream' },
    retry: { initialDelay: 10 },
    decode: 'json',
    onError: (error) => errors.push(`${n}:${error.code}`),
  });
  return h('p', null, `${state} ${n}`);
}

type Seen = { data: { tick?: { n: number }; message?: { text: string } }; lastEventId: string };
/** Reports `data` and `lastEventId` of every render. */
function Both({ url, server, report }: { url: string; server: FakeServer; report: (seen: Seen) => void }) {
  const { data, lastEventId } = useEventStream<Events>(url, { fetch: server.fetch });
  report({ data, lastEventId });
  return null;
}

/** Shows the state; hands its `close` out. */
function Closer({ url, server, expose }: { url: string; server: FakeServer; expose: (close: () => void) => void }) {
  const stream = useEventStream<Events>(url, { fetch: server.fetch });
  expose(stream.close);
  return h('i', null, stream.state);
}

/** Sums tick.n with a reducer; counts its renders. */
function Sum({ url, server, throttle, onRender }: { url: string; server: FakeServer; throttle: number; onRender: () => void }) {
  onRender();
  const { data } = useEventStream<Events, number>(url, {
    fetch: server.fetch,
    reducer: (sum, event) => (event.type === 'tick' ? sum + event.data.n : sum),
    initial: 0,
    throttle,
  });
  return h('p', null, String(data));
}

/** A click counter whose tick handler records the count it sees. */
function Counter({ url, server, seen, expose }: { url: string; server: FakeServer; seen: string[]; expose: (click: () => void) => void }) {
  const [count, setCount] = useState(0);
  expose(() => setCount((c) => c + 1));
  const stream = useEventStream<Events>(url, { fetch: server.fetch });
  useEvent(stream, 'tick', (tick) => seen.push(`count ${count}, tick ${tick.n}`));
  return h('p', null, String(count));
}

/** Listens through a stream it receives as a prop (its effect runs before its parent's). */
function Child({ stream, seen }: { stream: ReturnType<typeof useEventStream<Events>>; seen: string[] }) {
  useEvent(stream, 'message', (message, event) => seen.push(`${message.text}#${event.id}`));
  return null;
}
function Parent({ url, server, seen }: { url: string; server: FakeServer; seen: string[] }) {
  const stream = useEventStream<Events>(url, { fetch: server.fetch });
  return h(Child, { stream, seen });
}

/** Sends a bearer token, as a plain header object or as a function (shared only under `key`). */
function Authed({ url, server, token, asFunction, shareKey }: { url: string; server: FakeServer; token: string; asFunction?: boolean; shareKey?: string }) {
  const headers = asFunction ? () => ({ Authorization: `Bearer ${token}` }) : { Authorization: `Bearer ${token}` };
  const { state } = useEventStream<Events>(url, { fetch: server.fetch, headers, key: shareKey });
  return h('i', null, state);
}

/** Records `state:error code:last tick` on every render. */
function Watch({ url, server, states }: { url: string; server: FakeServer; states: string[] }) {
  const { state, error, data } = useEventStream<Events>(url, { fetch: server.fetch, retry: { initialDelay: 200, jitter: 'none' } });
  states.push(`${state}:${error?.code ?? '-'}:${data.tick?.n ?? '-'}`);
  return null;
}

/** Native transport: the named types come through `types`. */
function NativeTicker({ url }: { url: string }) {
  const { state, data } = useEventStream<Events>(url, {
    transport: 'auto',
    types: ['tick'],
    EventSource: FakeEventSource as unknown as EventSourceLike,
  });
  return h('p', null, `${state} ${data.tick?.n ?? '-'} ${data.message?.text ?? '-'}`);
}

/** Waits until the keep-alive grace (default 1 s) has closed what is no longer used. */
const afterGrace = (server: FakeServer, open: number) =>
  waitFor(() => expect(server.open()).toHaveLength(open), { timeout: 3000 });

describe('useEventStream', () => {
  it("keeps one connection through StrictMode's mount → unmount → mount, and none after unmount", async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    const view = render(h(StrictMode, null, h(Ticker, { url, server })));
    (await server.nextConnection()).send({ n: 1 }, { event: 'tick', id: 1 });
    await waitFor(() => expect(view.container.textContent).toBe('open 1'));
    await sleep(1200); // past the grace: a zombie from the first mount would have been closed or kept by now
    expect(server.connections).toHaveLength(1);
    expect(server.open()).toHaveLength(1);
    view.unmount();
    await afterGrace(server, 0);
    expect(server.connections).toHaveLength(1);
  });

  it('shares one connection between two components with the same URL and options', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    const view = render(h('div', null, h(Ticker, { url, server }), h(Ticker, { url, server })));
    const connection = await server.nextConnection();
    connection.send({ n: 7 }, { event: 'tick', id: 7 });
    await waitFor(() => expect(view.container.textContent).toBe('open 7open 7'));
    expect(server.connections).toHaveLength(1);
    view.unmount();
    await afterGrace(server, 0);
  });

  it('a component mounted later sees the values already received', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    const first = render(h(Ticker, { url, server }));
    (await server.nextConnection()).send({ n: 3 }, { event: 'tick', id: 3 });
    await waitFor(() => expect(first.container.textContent).toBe('open 3'));
    const second = render(h(Ticker, { url, server }));
    expect(second.container.textContent).toBe('open 3');
    expect(server.connections).toHaveLength(1);
    first.unmount();
    second.unmount();
    await afterGrace(server, 0);
  });

  it('reconnects exactly once when the URL changes: one close, one open', async () => {
    const server = fakeServer();
    const [a, b] = [uniqueUrl(), uniqueUrl()];
    const view = render(h(Ticker, { url: a, server, keepAlive: 100 }));
    await server.nextConnection(1);
    view.rerender(h(Ticker, { url: b, server, keepAlive: 100 }));
    const second = await server.nextConnection(2);
    second.send({ n: 1 }, { event: 'tick', id: 1 });
    await waitFor(() => expect(view.container.textContent).toBe('open 1'));
    await afterGrace(server, 1);
    expect(server.connections.map((c) => [c.url, c.closed])).toEqual([
      [a, true],
      [b, false],
    ]);
    view.rerender(h(Ticker, { url: b, server, keepAlive: 100 }));
    await sleep(200);
    expect(server.connections).toHaveLength(2);
    view.unmount();
    await afterGrace(server, 0);
  });

  it('does not reconnect when inline options and callbacks are new objects on every render', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    let rerender!: () => void;
    const errors: string[] = [];
    const view = render(h(Inline, { url, server, errors, expose: (r) => (rerender = r) }));
    const connection = await server.nextConnection();
    for (let i = 0; i < 5; i++) act(() => rerender());
    await waitFor(() => expect(view.container.textContent).toBe('open 5'));
    await sleep(100);
    expect(server.connections).toHaveLength(1);
    // The callback is the latest render's: it sees n = 5.
    connection.write('event: tick\ndata: not json\n\n');
    await waitFor(() => expect(errors).toEqual(['5:DECODE']));
    view.unmount();
    await afterGrace(server, 0);
  });

  it('never shares between different header values; shares function headers only under the same key', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    const authHeader = (c: { init: RequestInit }) => new Headers(c.init.headers).get('authorization');
    const objects = render(h('div', null, h(Authed, { url, server, token: 'a' }), h(Authed, { url, server, token: 'b' })));
    await server.nextConnection(2);
    expect(server.connections.map(authHeader).sort()).toEqual(['Bearer a', 'Bearer b']);
    objects.unmount();
    const functions = render(
      h(
        'div',
        null,
        h(Authed, { url, server, token: 'c', asFunction: true }),
        h(Authed, { url, server, token: 'c', asFunction: true }),
        h(Authed, { url, server, token: 'd', asFunction: true, shareKey: 'user-d' }),
        h(Authed, { url, server, token: 'd', asFunction: true, shareKey: 'user-d' }),
      ),
    );
    await server.nextConnection(5);
    await sleep(100);
    // Without a key each function-headers component has its own; with the same key they share one.
    expect(server.connections.slice(2).map(authHeader)).toEqual(['Bearer c', 'Bearer c', 'Bearer d']);
    functions.unmount();
    await afterGrace(server, 0);
  });

  it('does not connect while the URL is null, and connects once it is set', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    const view = render(h(Ticker, { url: null, server }));
    expect(view.container.textContent).toBe('idle -');
    await sleep(50);
    expect(server.connections).toHaveLength(0);
    view.rerender(h(Ticker, { url, server }));
    (await server.nextConnection()).send({ n: 2 }, { event: 'tick' });
    await waitFor(() => expect(view.container.textContent).toBe('open 2'));
    view.rerender(h(Ticker, { url: null, server, keepAlive: 0 }));
    expect(view.container.textContent).toBe('idle -');
    view.unmount();
    await afterGrace(server, 0);
  });

  it('keeps the last value of each event type in data, and lastEventId', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    let seen: Seen | undefined;
    const view = render(h(Both, { url, server, report: (s) => (seen = s) }));
    const connection = await server.nextConnection();
    connection.send({ n: 1 }, { event: 'tick', id: 1 });
    connection.send({ text: 'hi' }, { id: 2 });
    connection.send({ n: 2 }, { event: 'tick', id: 3 });
    await waitFor(() => expect(seen).toEqual({ data: { tick: { n: 2 }, message: { text: 'hi' } }, lastEventId: '3' }));
    expect(Object.isFrozen(seen?.data)).toBe(true);
    view.unmount();
  });

  it('reconnects after a drop with the last id, and shows retrying and the error meanwhile', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    const states: string[] = [];
    const view = render(h(Watch, { url, server, states }));
    const first = await server.nextConnection();
    first.send({ n: 1 }, { event: 'tick', id: 1 });
    await waitFor(() => expect(states.at(-1)).toBe('open:-:1'));
    first.drop();
    const second = await server.nextConnection();
    expect(new Headers(second.init.headers).get('last-event-id')).toBe('1');
    second.send({ n: 2 }, { event: 'tick', id: 2 });
    await waitFor(() => expect(states.at(-1)).toBe('open:-:2'));
    expect(states).toContain('retrying:NETWORK:1');
    view.unmount();
    await afterGrace(server, 0);
  });

  it('close() closes the shared stream for every component: state closed, no reconnect', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    let close!: () => void;
    const view = render(h('div', null, h(Closer, { url, server, expose: (c) => (close = c) }), h(Ticker, { url, server })));
    await server.nextConnection();
    await waitFor(() => expect(view.container.textContent).toBe('openopen -'));
    act(() => close());
    await waitFor(() => expect(view.container.textContent).toBe('closedclosed -'));
    expect(server.open()).toHaveLength(0);
    await sleep(100);
    expect(server.connections).toHaveLength(1);
    view.unmount();
  });

  it('renders far fewer times than events with a reducer over 10,000 events (fewer still with throttle)', async () => {
    const counts: Record<string, number> = {};
    const elapsed: Record<string, number> = {};
    for (const throttle of [0, 50]) {
      const server = fakeServer();
      const url = uniqueUrl();
      let renders = 0;
      const view = render(h(Sum, { url, server, throttle, onRender: () => renders++ }));
      const connection = await server.nextConnection();
      await waitFor(() => expect(renders).toBeGreaterThan(1)); // open
      const before = renders;
      const started = Date.now();
      // 10,000 events of n = 1, in 100 chunks of 100 a millisecond apart, like a fast server.
      for (let chunk = 0; chunk < 100; chunk++) {
        let text = '';
        for (let i = 1; i <= 100; i++) text += `event: tick\nid: ${chunk * 100 + i}\ndata: {"n":1}\n\n`;
        connection.write(text);
        await sleep(1);
      }
      await waitFor(() => expect(view.container.textContent).toBe('10000'));
      counts[`throttle ${throttle}`] = renders - before;
      elapsed[`throttle ${throttle}`] = Date.now() - started;
      view.unmount();
    }
    console.log('renders for 10,000 events:', counts, 'in ms:', elapsed);
    // At most one render per chunk (plus the state changes); with throttle, one per 50 ms.
    expect(counts['throttle 0']).toBeLessThanOrEqual(105);
    expect(counts['throttle 50']).toBeLessThanOrEqual(Math.ceil(elapsed['throttle 50']! / 50) + 2);
    expect(counts['throttle 50']).toBeLessThan(counts['throttle 0']!);
  });
});

describe('transports', () => {
  it('uses fetch by default, and native EventSource with transport auto, listening to the named types', async () => {
    FakeEventSource.reset();
    // With an EventSource in the runtime, a plain GET still goes through fetch by default.
    vi.stubGlobal('EventSource', FakeEventSource);
    const server = fakeServer();
    const plain = render(h(Ticker, { url: uniqueUrl(), server }));
    (await server.nextConnection()).send({ n: 1 }, { event: 'tick' });
    await waitFor(() => expect(plain.container.textContent).toBe('open 1'));
    expect(FakeEventSource.instances).toHaveLength(0);
    plain.unmount();
    vi.unstubAllGlobals();
    const url = uniqueUrl();
    const view = render(h(NativeTicker, { url }));
    const source = FakeEventSource.last;
    expect([...source.listened].sort()).toEqual(['message', 'tick']);
    act(() => source.open());
    source.emit('tick', '{"n":8}', '8');
    source.emit('message', '{"text":"hi"}', '9');
    await waitFor(() => expect(view.container.textContent).toBe('open 8 hi'));
    expect(FakeEventSource.instances).toHaveLength(1);
    view.unmount();
    await waitFor(() => expect(source.readyState).toBe(2), { timeout: 3000 });
  });

  it('throws a bad URL from the effect, like createEventStream', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(h(Ticker, { url: 'ftp://example.com/x', server: fakeServer() }))).toThrow(/url must be http\(s\)/);
  });
});

describe('useEvent', () => {
  it('calls the handler of the latest render, which sees current state', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    const seen: string[] = [];
    let click!: () => void;
    const view = render(h(StrictMode, null, h(Counter, { url, server, seen, expose: (c) => (click = c) })));
    const connection = await server.nextConnection();
    act(() => click());
    act(() => click());
    connection.send({ n: 1 }, { event: 'tick' });
    await waitFor(() => expect(seen).toEqual(['count 2, tick 1']));
    act(() => click());
    connection.send({ n: 2 }, { event: 'tick' });
    await waitFor(() => expect(seen).toEqual(['count 2, tick 1', 'count 3, tick 2']));
    expect(server.connections).toHaveLength(1);
    view.unmount();
    await afterGrace(server, 0);
  });

  it('listens through a child that receives the stream as a prop', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    const seen: string[] = [];
    const view = render(h(Parent, { url, server, seen }));
    (await server.nextConnection()).send({ text: 'hello' }, { id: 9 });
    await waitFor(() => expect(seen).toEqual(['hello#9']));
    view.unmount();
  });
});

describe('server rendering', () => {
  it('renderToString renders idle and touches no network', async () => {
    const server = fakeServer();
    const globalFetch = vi.spyOn(globalThis, 'fetch');
    const html = renderToString(h(Ticker, { url: uniqueUrl(), server }));
    expect(html).toBe('<p>idle -</p>');
    await sleep(50);
    expect(server.connections).toHaveLength(0);
    expect(globalFetch).not.toHaveBeenCalled();
  });

  it('hydrates the server HTML without a mismatch, then connects', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    const app = h(StrictMode, null, h(Ticker, { url, server }));
    const container = document.createElement('div');
    container.innerHTML = renderToString(app);
    document.body.append(container);
    const consoleError = vi.spyOn(console, 'error');
    const recoverable: unknown[] = [];
    const root = await act(async () => hydrateRoot(container, app, { onRecoverableError: (error) => recoverable.push(error) }));
    expect(recoverable).toEqual([]);
    expect(consoleError).not.toHaveBeenCalled();
    (await server.nextConnection()).send({ n: 4 }, { event: 'tick' });
    await waitFor(() => expect(container.textContent).toBe('open 4'));
    expect(server.connections).toHaveLength(1);
    act(() => root.unmount());
    container.remove();
    await afterGrace(server, 0);
  });
});
