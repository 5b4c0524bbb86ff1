// sse-kit/vue in jsdom with Vue Test Utils, against a fake fetch (test/hooks/fake-fetch.ts).
import { mount } from '@vue/test-utils';
import { useEventStream } from 'sse-kit/vue';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSSRApp, defineComponent, effectScope, h, nextTick, type Ref, ref } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { type FakeServer, fakeServer, sleep, uniqueUrl } from './fake-fetch.js';

type Events = { tick: { n: number }; message: { text: string } };

afterEach(() => vi.restoreAllMocks());

/** A component that shows the state and the last tick of `url`. */
const ticker = (url: Ref<string | null> | string, server: FakeServer, keepAlive?: number) =>
  defineComponent({
    setup() {
      // biome-ignore lint/correctness/useHookAtTopLevel: a Vue setup function, not a React component
      const { state, data } = useEventStream<Events>(url, { fetch: server.fetch, keepAlive });
      return () => h('p', `${state.value} ${data.value.tick?.n ?? '-'}`);
    },
  });

const until = async (check: () => boolean, timeout = 3000) => {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${check}`);
    await sleep(5);
  }
  await nextTick();
};

describe('useEventStream (Vue)', () => {
  it('connects on mount, shows events, and closes after unmount', async () => {
    const server = fakeServer();
    const wrapper = mount(ticker(uniqueUrl(), server));
    (await server.nextConnection()).send({ n: 1 }, { event: 'tick', id: 1 });
    await until(() => wrapper.text() === 'open 1');
    wrapper.unmount();
    await until(() => server.open().length === 0);
    expect(server.connections).toHaveLength(1);
  });

  it('shares one connection between two components with the same URL', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    const Ticker = ticker(url, server);
    const wrapper = mount(defineComponent({ setup: () => () => h('div', [h(Ticker), h(Ticker)]) }));
    (await server.nextConnection()).send({ n: 5 }, { event: 'tick', id: 5 });
    await until(() => wrapper.text() === 'open 5open 5');
    expect(server.connections).toHaveLength(1);
    wrapper.unmount();
    await until(() => server.open().length === 0);
  });

  it('reconnects once when the URL ref changes, and disconnects on null', async () => {
    const server = fakeServer();
    const [a, b] = [uniqueUrl(), uniqueUrl()];
    const url = ref<string | null>(a);
    const wrapper = mount(ticker(url, server, 50));
    await server.nextConnection(1);
    url.value = b;
    (await server.nextConnection(2)).send({ n: 9 }, { event: 'tick' });
    await until(() => wrapper.text() === 'open 9');
    await until(() => server.open().length === 1);
    expect(server.connections.map((c) => [c.url, c.closed])).toEqual([
      [a, true],
      [b, false],
    ]);
    url.value = null;
    await until(() => wrapper.text() === 'idle -' && server.open().length === 0);
    expect(server.connections).toHaveLength(2);
    wrapper.unmount();
  });

  it('connects in a bare effectScope and closes when the scope stops', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    const scope = effectScope();
    const seen: number[] = [];
    const refs = scope.run(() => {
      const stream = useEventStream<Events>(url, { fetch: server.fetch, keepAlive: 0 });
      stream.on('tick', (tick) => seen.push(tick.n));
      return stream;
    })!;
    const connection = await server.nextConnection();
    connection.send({ n: 1 }, { event: 'tick', id: 1 });
    await until(() => refs.data.value.tick?.n === 1);
    expect(seen).toEqual([1]);
    expect([refs.state.value, refs.lastEventId.value]).toEqual(['open', '1']);
    scope.stop();
    await until(() => connection.closed);
    expect(server.connections).toHaveLength(1);
  });

  it('folds events with a reducer', async () => {
    const server = fakeServer();
    const scope = effectScope();
    const refs = scope.run(() =>
      useEventStream<Events, string[]>(uniqueUrl(), {
        fetch: server.fetch,
        reducer: (texts, event) => (event.type === 'message' ? [...texts, event.data.text] : texts),
        initial: [],
      }),
    )!;
    const connection = await server.nextConnection();
    for (const text of ['a', 'b', 'c']) connection.send({ text });
    await until(() => refs.data.value.length === 3);
    expect(refs.data.value).toEqual(['a', 'b', 'c']);
    scope.stop();
  });

  it('close() closes the shared stream for every component using it', async () => {
    const server = fakeServer();
    const url = uniqueUrl();
    const scope = effectScope();
    const [a, b] = scope.run(() => [useEventStream<Events>(url, { fetch: server.fetch }), useEventStream<Events>(url, { fetch: server.fetch })])!;
    await server.nextConnection();
    await until(() => a!.state.value === 'open' && b!.state.value === 'open');
    a!.close();
    await until(() => b!.state.value === 'closed');
    expect(server.open()).toHaveLength(0);
    expect(server.connections).toHaveLength(1);
    scope.stop();
  });

  it('hydrates the server HTML without a mismatch, then connects', async () => {
    const server = fakeServer();
    const component = ticker(uniqueUrl(), server);
    const container = document.createElement('div');
    container.innerHTML = await renderToString(createSSRApp(component));
    const warn = vi.spyOn(console, 'warn');
    const error = vi.spyOn(console, 'error');
    const app = createSSRApp(component);
    app.mount(container);
    expect(container.innerHTML).toBe('<p>idle -</p>');
    (await server.nextConnection()).send({ n: 3 }, { event: 'tick' });
    await until(() => container.textContent === 'open 3');
    expect([...warn.mock.calls, ...error.mock.calls]).toEqual([]);
    app.unmount();
  });

  it('renders idle on the server and makes no request', async () => {
    const server = fakeServer();
    const globalFetch = vi.spyOn(globalThis, 'fetch');
    const html = await renderToString(createSSRApp(ticker(uniqueUrl(), server)));
    expect(html).toBe('<p>idle -</p>');
    await sleep(50);
    expect(server.connections).toHaveLength(0);
    expect(globalFetch).not.toHaveBeenCalled();
  });
});
