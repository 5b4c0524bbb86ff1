import { afterEach, expect, it, vi } from 'vitest';
import { createEventStream } from '../../src/index.js';
import { BASE, scenarios, useMockServer } from '../helpers/msw.js';
import { recorder } from '../helpers/recorder.js';
import { sse } from '../helpers/streams.js';

const server = useMockServer();
afterEach(() => vi.useRealTimers());

it('detects a stall no sooner than heartbeatTimeout and within 1.25× of it', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  server.use(scenarios.raw([sse(1)], '/events', { hold: true }));
  const { log, options } = recorder();
  const stream = createEventStream(`${BASE}/events`, { ...options, heartbeatTimeout: 400, retry: { initialDelay: 60_000 } });
  for (let i = 0; i < 20 && stream.state !== 'open'; i++) await vi.advanceTimersByTimeAsync(0);
  expect(stream.state).toBe('open');
  await vi.advanceTimersByTimeAsync(399);
  expect(log.errors).toEqual([]);
  await vi.advanceTimersByTimeAsync(101);
  for (let i = 0; i < 20 && !log.errors.length; i++) await vi.advanceTimersByTimeAsync(0); // the abort settles
  expect(log.errors).toMatchObject([{ code: 'TIMEOUT', phase: 'heartbeat', timeout: 400 }]);
  expect(stream.state).toBe('retrying');
  stream.close();
});
