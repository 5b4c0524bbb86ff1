// @vitest-environment jsdom
// The chat module against a scripted POST stream served through msw, next to the app's other
// msw handlers. msw comes from the app's own devDependencies: the kit never imports it.
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { mockServer } from 'sse-kit/testing';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ask, type ChatEvents } from '../src/chat.js';

const msw = setupServer();
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

it('renders the answer token by token from a POST stream', async () => {
  const server = mockServer<ChatEvents>((s) =>
    s.event('token', { text: 'Hel' }).wait(5).event('token', { text: 'lo!' }).event('done', { reason: 'stop' }).end(),
  );
  msw.use(server.handler(http, 'post', '/api/chat'));
  const shown: string[] = [];
  expect(await ask('Hi?', (text) => shown.push(text))).toBe('Hello!');
  expect(shown).toEqual(['Hel', 'Hello!']);
  expect(server.connections).toMatchObject([
    { method: 'POST', body: '{"prompt":"Hi?"}', headers: { 'content-type': 'application/json', accept: 'text/event-stream' } },
  ]);
});

it('fails on a dropped answer and never sends the prompt twice', async () => {
  const server = mockServer<ChatEvents>((s) => s.event('token', { text: 'Hel' }).raw('event: token\ndata: {"te').drop());
  msw.use(server.handler(http, 'post', '/api/chat'));
  const shown: string[] = [];
  await expect(ask('Hi?', (text) => shown.push(text))).rejects.toMatchObject({ code: 'NETWORK' });
  expect(shown).toEqual(['Hel']);
  expect(server.connections).toHaveLength(1);
});
