import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEventStream } from 'sse-kit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type RedisServer, startRedis } from '../helpers/backends.js';
import { waitFor } from '../helpers/recorder.js';

// examples/servers/cluster run as documented: two instance processes on one Redis behind the
// round-robin proxy (needs dist/: `npm run build`).

const RUN = fileURLToPath(new URL('../../examples/servers/cluster/run.js', import.meta.url));
let redis: RedisServer;
let child: ChildProcess;
let url = '';

beforeAll(async () => {
  redis = await startRedis();
  child = spawn(process.execPath, [RUN], {
    env: { ...process.env, REDIS_PORT: String(redis.port), PORT: '0' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  await waitFor(() => /proxy listening on (\S+)/.test(output) || child.exitCode !== null, 20_000, 'the cluster example');
  url = /proxy listening on (\S+)/.exec(output)?.[1] ?? '';
  if (!url) throw new Error(`the cluster example did not start:\n${output}`);
});

afterAll(async () => {
  if (child?.pid) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await redis?.stop();
});

type Chat = { message: { text: string; from: string } };

test('subscribers on both instances get every message, whichever instance took the POST', async () => {
  const received = [[], []] as { text: string; from: string; id: string }[][];
  const streams = received.map((list) => {
    const stream = createEventStream<Chat>(`${url}/events`, { transport: 'fetch', heartbeatTimeout: 0 });
    stream.on('message', (message, event) => void list.push({ ...message, id: event.id }));
    return stream;
  });
  try {
    await waitFor(() => streams.every((stream) => stream.state === 'open'), 5000, 'both subscribers');
    const posted: { id: string; instance: string }[] = [];
    for (let i = 1; i <= 10; i++) {
      const response = await fetch(`${url}/messages`, { method: 'POST', body: JSON.stringify({ text: `m${i}` }) });
      expect(response.status).toBe(201);
      posted.push((await response.json()) as { id: string; instance: string });
    }
    expect(new Set(posted.map((post) => post.instance))).toEqual(new Set(['a', 'b']));
    for (const list of received) {
      await waitFor(() => list.length === 10, 5000, 'ten messages');
      expect(list.map((message) => message.text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 1}`));
      expect(list.map((message) => message.id)).toEqual(posted.map((post) => post.id));
    }
  } finally {
    for (const stream of streams) stream.close();
  }
});
