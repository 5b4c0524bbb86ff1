// TabLink on fake Web Locks and BroadcastChannels (test/helpers/tabs.ts), fake timers, and a fake
// server that replays from the Last-Event-ID: takeover timing, the epoch fence, the dedupe window.
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { TabLink } from '../../src/share/link.js';
import { FakeBrowser, type FakeTab } from '../helpers/tabs.js';

interface Connection {
  lastEventId: string;
  signal: AbortSignal;
  emit: (n: number) => void;
  /** A frozen tab's socket: events wait in the buffer. */
  frozen: boolean;
  /** The server ends the response. */
  end: () => void;
  buffer: number[];
}

/** Numbered events; a connection replays what came after its Last-Event-ID. */
function fakeServer() {
  const history: number[] = [];
  const connections: Connection[] = [];
  const connect = (request: { url: string; lastEventId: string; signal: AbortSignal }, sink: { open(s: number, u: string): void; id(id: string): void; message(t: string, d: string): void }) =>
    new Promise<{ kind: string }>((resolve) => {
      const connection: Connection = {
        lastEventId: request.lastEventId,
        signal: request.signal,
        frozen: false,
        buffer: [],
        end: () => resolve({ kind: 'end' }),
        emit: (n) => {
          if (connection.frozen) return void connection.buffer.push(n);
          sink.id(String(n));
          sink.message('message', String(n));
        },
      };
      connections.push(connection);
      request.signal.addEventListener('abort', () => resolve({ kind: 'aborted' }));
      sink.open(200, request.url);
      for (const n of history) if (n > Number(request.lastEventId || 0)) connection.emit(n);
    });
  return {
    connect,
    connections,
    live: () => connections.filter((c) => !c.signal.aborted),
    send(...ns: number[]) {
      for (const n of ns) {
        history.push(n);
        for (const c of connections) if (!c.signal.aborted) c.emit(n);
      }
    },
    thaw(connection: Connection) {
      connection.frozen = false;
      for (const n of connection.buffer.splice(0)) connection.emit(n);
    },
  };
}

const timing = { pingInterval: 100, takeoverAfter: 500 };
let browser: FakeBrowser;
let server: ReturnType<typeof fakeServer>;

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
  browser = new FakeBrowser();
  server = fakeServer();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A stream in `tab` joined to group `g`: what it delivers, as data strings, and its role. */
function join(tab: FakeTab) {
  const roles: string[] = [];
  const link = new TabLink({ name: 'g', param: 'lastEventId', nativeLikely: false, timing }, tab.env, (role) => roles.push(role));
  const data: string[] = [];
  const controller = new AbortController();
  const sink = {
    open() {},
    activity() {},
    id() {},
    message: (_type: string, value: string) => data.push(value),
    retry() {},
    backpressure: () => undefined,
    types() {},
    reconnecting: () => false,
  };
  const attempt = link.connect(server.connect, { url: 'https://x.test/e', lastEventId: '', signal: controller.signal }, sink);
  return { link, data, attempt, controller, role: () => roles.at(-1) };
}

/** Tab A leads, B follows, events 1..`count` delivered; then A is frozen (it runs nothing, its socket buffers). */
async function freezeLeader(count: number) {
  const tabA = browser.tab();
  const a = join(tabA);
  await vi.advanceTimersByTimeAsync(1);
  const b = join(browser.tab());
  await vi.advanceTimersByTimeAsync(1);
  server.send(...Array.from({ length: count }, (_, i) => i + 1));
  await vi.advanceTimersByTimeAsync(1);
  tabA.frozen = true;
  const socketA = server.connections[0]!;
  socketA.frozen = true;
  return { tabA, a, b, socketA, frozenAt: Date.now() };
}

const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

test('the first tab leads and connects; the next follows and gets the events without connecting', async () => {
  const a = join(browser.tab());
  await vi.advanceTimersByTimeAsync(1);
  const b = join(browser.tab());
  await vi.advanceTimersByTimeAsync(1);
  server.send(1, 2, 3);
  await vi.advanceTimersByTimeAsync(1);
  expect([a.role(), b.role()]).toEqual(['leader', 'follower']);
  expect(server.connections).toHaveLength(1);
  expect(a.data).toEqual(numbers(1, 3));
  expect(b.data).toEqual(numbers(1, 3));
});

test('when the leader leaves, a follower leads inside its attempt at once, resuming from the newest id', async () => {
  const a = join(browser.tab());
  await vi.advanceTimersByTimeAsync(1);
  const b = join(browser.tab());
  await vi.advanceTimersByTimeAsync(1);
  server.send(1, 2);
  await vi.advanceTimersByTimeAsync(1);
  a.controller.abort();
  a.link.leave();
  await vi.advanceTimersByTimeAsync(1);
  expect(b.role()).toBe('leader');
  expect(server.live()).toHaveLength(1);
  expect(server.connections.at(-1)!.lastEventId).toBe('2');
  server.send(3);
  expect(b.data).toEqual(numbers(1, 3));
  // The follower's attempt never ended: no backoff, no state change in the core.
  expect(await Promise.race([b.attempt, Promise.resolve('pending')])).toBe('pending');
});

test('a silent leader is replaced after takeoverAfter, not before; woken, its stale events are fenced and it follows with no duplicate', async () => {
  const { tabA, a, b, socketA, frozenAt } = await freezeLeader(3);
  await vi.advanceTimersByTimeAsync(timing.takeoverAfter - 1);
  expect(b.role()).toBe('follower');
  // Patience: takeoverAfter + random (0.5) × pingInterval, checked once per ping.
  while (b.role() !== 'leader' && Date.now() - frozenAt < 2000) await vi.advanceTimersByTimeAsync(10);
  const takeover = Date.now() - frozenAt;
  expect(takeover).toBeGreaterThanOrEqual(timing.takeoverAfter + 50);
  expect(takeover).toBeLessThanOrEqual(timing.takeoverAfter + 50 + 2 * timing.pingInterval);
  expect(server.connections.at(-1)!.lastEventId).toBe('3');
  server.send(4, 5);
  await vi.advanceTimersByTimeAsync(1);
  // A wakes: its socket first delivers what it buffered (4, 5), as if it still led, then it hears B.
  server.thaw(socketA);
  tabA.thaw();
  await vi.advanceTimersByTimeAsync(1);
  expect(a.role()).toBe('follower');
  expect(socketA.signal.aborted).toBe(true);
  server.send(6);
  await vi.advanceTimersByTimeAsync(1);
  expect(a.data).toEqual(numbers(1, 6));
  expect(b.data).toEqual(numbers(1, 6));
  expect(server.live()).toHaveLength(1);
});

test('a woken leader that hears the new leader first steps down before its buffered events, with no duplicate', async () => {
  const { tabA, a, b, socketA } = await freezeLeader(1);
  await vi.advanceTimersByTimeAsync(timing.takeoverAfter + 3 * timing.pingInterval);
  expect(b.role()).toBe('leader');
  server.send(2, 3);
  await vi.advanceTimersByTimeAsync(1);
  tabA.thaw();
  await vi.advanceTimersByTimeAsync(1);
  server.thaw(socketA);
  await vi.advanceTimersByTimeAsync(1);
  expect(a.role()).toBe('follower');
  expect(a.data).toEqual(numbers(1, 3));
  expect(b.data).toEqual(numbers(1, 3));
});

test('a follower whose own timers ran late (it was frozen) gives the leader a fresh chance instead of stealing', async () => {
  const a = join(browser.tab());
  await vi.advanceTimersByTimeAsync(1);
  const tabB = browser.tab();
  const b = join(tabB);
  // B pings, then freezes before the answer arrives; its clock jumps 10 s while nothing runs.
  await vi.advanceTimersByTimeAsync(timing.pingInterval);
  tabB.frozen = true;
  vi.setSystemTime(Date.now() + 10_000);
  await vi.advanceTimersByTimeAsync(timing.pingInterval);
  tabB.thaw();
  await vi.advanceTimersByTimeAsync(timing.pingInterval * 2);
  expect([a.role(), b.role()]).toEqual(['leader', 'follower']);
});

test('what a replaced leader still sends (an event only its old socket got) is fenced off in the other tabs', async () => {
  const tabA = browser.tab();
  join(tabA);
  await vi.advanceTimersByTimeAsync(1);
  const b = join(browser.tab());
  const c = join(browser.tab());
  await vi.advanceTimersByTimeAsync(1);
  server.send(1);
  await vi.advanceTimersByTimeAsync(1);
  tabA.frozen = true;
  await vi.advanceTimersByTimeAsync(timing.takeoverAfter + 3 * timing.pingInterval);
  expect([b.role(), c.role()].sort()).toEqual(['follower', 'leader']);
  server.send(2);
  await vi.advanceTimersByTimeAsync(1);
  // A's old connection reports an event no other connection will: A broadcasts it with its old epoch.
  server.connections[0]!.emit(99);
  await vi.advanceTimersByTimeAsync(1);
  expect(b.data).toEqual(['1', '2']);
  expect(c.data).toEqual(['1', '2']);
});

test('when the server ends the stream, every tab ends its attempt too, instead of each sending the request again', async () => {
  const a = join(browser.tab());
  await vi.advanceTimersByTimeAsync(1);
  const b = join(browser.tab());
  await vi.advanceTimersByTimeAsync(1);
  server.send(1);
  await vi.advanceTimersByTimeAsync(1);
  server.connections[0]!.end();
  expect(await a.attempt).toEqual({ kind: 'end' });
  // A POST stream closes on an end, at once: B may get the lock before it hears the end, and
  // must not send the request again.
  a.link.leave();
  await vi.advanceTimersByTimeAsync(500);
  expect(await b.attempt).toEqual({ kind: 'end' });
  expect(server.connections).toHaveLength(1);
  expect(b.data).toEqual(['1']);
});
