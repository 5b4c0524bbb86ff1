// The page of test/browser/share.test.ts, bundled by esbuild with dist/index.js and dist/share.js.
// `window.shareTest.start(url, options)` opens a shared stream and records what this tab sees.
import { createEventStream, type EventStream } from 'sse-kit';
import { type ShareOptions, shareAcrossTabs } from 'sse-kit/share';

const log = { ids: [] as number[], roles: [] as { role: string; at: number }[], errors: [] as string[] };
let stream: EventStream | undefined;

(window as unknown as { shareTest: unknown }).shareTest = {
  log,
  start(url: string, options: ShareOptions = {}, transport: 'auto' | 'fetch' | 'native' = 'auto') {
    stream = createEventStream(url, {
      transport,
      share: shareAcrossTabs(options),
      retry: { initialDelay: 50, maxDelay: 200 },
      onRoleChange: (role) => log.roles.push({ role, at: Date.now() }),
      onError: (error) => log.errors.push(`${error.code}: ${error.message}`),
    });
    stream.on('tick', (_data, event) => log.ids.push(Number(event.id)));
  },
  role: () => stream?.role,
  state: () => stream?.state,
  close: () => stream?.close(),
  /** Blocks this tab's main thread (no task, no message handler runs), like a hung or frozen tab. */
  block(ms: number) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      // busy
    }
  },
};
