import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isSSEKitError } from '../../src/index.js';
import { errorsOf, hostileHarness, send } from '../helpers/hostile.js';
import { sseHead } from '../helpers/http-server.js';
import { take, waitFor } from '../helpers/recorder.js';

// What the server puts in `data:` must give the same result however TCP cuts it, and a common
// keep-alive must not be reported as an error.
const { serve, open } = hostileHarness();

/** Serves `pieces` as separate socket writes a few ms apart, then holds the stream open. */
const servePieces = (pieces: string[]) =>
  serve(async (_req, res) => {
    sseHead(res);
    for (const [i, piece] of pieces.entries()) {
      if (i > 0) await sleep(20);
      await send(res, piece);
    }
  });

describe('maxEventSize', () => {
  const big = `data: ${'x'.repeat(5000)}\n\n`;
  // Defect: in one read the 5 KB event was delivered; split over two reads it closed the stream.
  it.each([
    ['in one write', [big]],
    ['split in two writes', [big.slice(0, 2500), big.slice(2500)]],
  ])('ends the stream with EventTooLargeError for a 5 KB event over maxEventSize 1000, sent %s', async (_how, pieces) => {
    const server = await servePieces(pieces);
    const { stream, log } = open<{ message: string }>(server.url, { decode: 'text', maxEventSize: 1000 });
    const received: string[] = [];
    stream.on('message', (data) => void received.push(data));
    await waitFor(() => log.closes.length > 0 || received.length > 0, 2000, 'the stream to close');
    expect(received.map((data) => `${data.length} characters`)).toEqual([]);
    expect(log.closes).toHaveLength(1);
    const { reason, error } = log.closes[0]!;
    expect(reason).toBe('error');
    expect(isSSEKitError(error, 'EVENT_TOO_LARGE')).toBe(true);
    expect(stream.state).toBe('closed');
    expect(server.requests.length).toBe(1);
  });

  it.each([
    ['in one write', (text: string) => [text]],
    ['with the blank line in a second write', (text: string) => [text.slice(0, -2), '\n\n']],
  ])('delivers an event of exactly maxEventSize characters (1000 × "é", 2000 bytes), sent %s', async (_how, cut) => {
    const data = 'é'.repeat(1000);
    const server = await servePieces(cut(`data: ${data}\n\n`));
    const { stream, log } = open<{ message: string }>(server.url, { decode: 'text', maxEventSize: 1000 });
    const received: string[] = [];
    stream.on('message', (value) => void received.push(value));
    await waitFor(() => log.closes.length > 0 || received.length > 0, 2000, 'the event');
    expect(log.closes).toEqual([]);
    expect(received).toEqual([data]);
    expect(log.errors).toEqual([]);
  });
});

describe('empty data as a keep-alive', () => {
  const pings = 'data: \n\ndata:\n\ndata\n\n';
  // Defect: under decode 'json' each `data: ` ping was a DecodeError (JSON.parse('')).
  it("skips events with empty data under decode 'json': no listener call, no DecodeError", async () => {
    const server = await servePieces([pings, pings, 'data: {"n":1}\n\n']);
    const { stream, log } = open<{ message: { n: number } }>(server.url);
    const received: unknown[] = [];
    stream.on('message', (data) => void received.push(data));
    await waitFor(() => received.length > 0, 2000, 'the real event');
    await sleep(50);
    expect(received).toEqual([{ n: 1 }]);
    expect(errorsOf(log, 'DECODE')).toEqual([]);
  });

  it("does not yield empty-data events to an async iterator under decode 'json'", async () => {
    const server = await servePieces([pings, 'data: {"n":1}\n\n']);
    const { stream, log } = open<{ message: { n: number } }>(server.url);
    const [first] = await take(stream, 1);
    expect(first).toEqual({ type: 'message', data: { n: 1 }, id: '' });
    expect(errorsOf(log, 'DECODE')).toEqual([]);
  });

  it("delivers empty data as '' under decode 'text'", async () => {
    const server = await servePieces([pings, 'data: end\n\n']);
    const { stream, log } = open<{ message: string }>(server.url, { decode: 'text' });
    const received: string[] = [];
    stream.on('message', (data) => void received.push(data));
    await waitFor(() => received.includes('end'), 2000, 'the last event');
    expect(received).toEqual(['', '', '', 'end']);
    expect(log.errors).toEqual([]);
  });
});
