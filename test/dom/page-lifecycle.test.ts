import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEventStream, type EventSourceLike } from '../../src/index.js';
import { FakeEventSource } from '../helpers/fake-event-source.js';
import { recorder } from '../helpers/recorder.js';

const ES = FakeEventSource as unknown as EventSourceLike;

function setHidden(hidden: boolean) {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  document.dispatchEvent(new Event('visibilitychange'));
}

beforeEach(() => {
  FakeEventSource.reset();
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
});

describe('offline', () => {
  it('waits for the online event instead of spending attempts while offline', async () => {
    const online = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    const { log, options } = recorder();
    const stream = createEventStream('/e', { ...options, EventSource: ES, retry: { initialDelay: 10, jitter: 'none' } });
    FakeEventSource.last.fail(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeEventSource.instances).toHaveLength(1);
    expect(log.retries).toHaveLength(1);
    expect(stream.state).toBe('retrying');
    online.mockReturnValue(true);
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeEventSource.instances).toHaveLength(2);
    stream.close();
  });
});

describe('pauseWhenHidden', () => {
  it('closes while hidden and resumes with the last id when visible', async () => {
    const { log, options } = recorder();
    const stream = createEventStream('http://x.test/e', { ...options, EventSource: ES, pauseWhenHidden: true });
    const first = FakeEventSource.last;
    first.open();
    first.emit('message', '1', '41');
    setHidden(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(first.readyState).toBe(2);
    expect(stream.state).toBe('paused');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeEventSource.instances).toHaveLength(1);
    setHidden(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeEventSource.instances).toHaveLength(2);
    expect(FakeEventSource.last.url).toBe('http://x.test/e?lastEventId=41');
    expect(log.retries).toEqual([]);
    expect(log.states).toEqual(['connecting', 'open', 'paused', 'connecting']);
    stream.close();
  });

  it('does not connect at all when created in a hidden tab', async () => {
    setHidden(true);
    const stream = createEventStream('/e', { EventSource: ES, pauseWhenHidden: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeEventSource.instances).toHaveLength(0);
    expect(stream.state).toBe('paused');
    stream.close();
    expect(stream.state).toBe('closed');
  });

  it('ignores visibility without the option', async () => {
    const stream = createEventStream('/e', { EventSource: ES });
    FakeEventSource.last.open();
    setHidden(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.state).toBe('open');
    stream.close();
  });
});

describe('bfcache', () => {
  it('pauses on pagehide and resumes on pageshow', async () => {
    const stream = createEventStream('/e', { EventSource: ES });
    FakeEventSource.last.open();
    window.dispatchEvent(new Event('pagehide'));
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.state).toBe('paused');
    window.dispatchEvent(new Event('pageshow'));
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeEventSource.instances).toHaveLength(2);
    stream.close();
  });

  it('removes its window and document listeners on close (no leak)', () => {
    const add = vi.spyOn(window, 'addEventListener');
    const remove = vi.spyOn(window, 'removeEventListener');
    const stream = createEventStream('/e', { EventSource: ES, pauseWhenHidden: true });
    stream.close();
    const added = add.mock.calls.map((c) => c[0]).sort();
    expect(added).toEqual(['pagehide', 'pageshow']);
    expect(remove.mock.calls.map((c) => c[0]).sort()).toEqual(added);
  });
});

describe('storage', () => {
  it('resumes after a reload from the id kept in storage', async () => {
    const saved = new Map<string, string>();
    const storage = { get: (k: string) => saved.get(k), set: (k: string, v: string) => void saved.set(k, v) };
    const first = createEventStream('http://x.test/e', { EventSource: ES, storage });
    FakeEventSource.last.open();
    FakeEventSource.last.emit('message', '1', '99');
    first.close();
    expect(saved.get('sse-kit:http://x.test/e')).toBe('99');
    const reloaded = createEventStream('http://x.test/e', { EventSource: ES, storage });
    expect(reloaded.lastEventId).toBe('99');
    expect(FakeEventSource.last.url).toBe('http://x.test/e?lastEventId=99');
    reloaded.close();
  });

  it('keeps streaming when storage throws (quota exceeded)', () => {
    const storage = {
      get: () => null,
      set: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
    };
    const stream = createEventStream('/e', { EventSource: ES, storage });
    const got = vi.fn();
    stream.on('message', got);
    FakeEventSource.last.open();
    FakeEventSource.last.emit('message', '1', '5');
    expect(got).toHaveBeenCalledTimes(1);
    expect(stream.lastEventId).toBe('5');
    stream.close();
  });
});
