import { createParser as referenceParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { createParser } from '../../src/parser.js';

type Call = ['id', string] | ['message', string, string] | ['retry', number];

/** Feeds `pieces` to sse-kit's parser; returns what it reported, in order. */
function parse(pieces: string[], maxEventSize = 1e9): { calls: Call[]; tooLarge: number } {
  const calls: Call[] = [];
  let tooLarge = 0;
  const feed = createParser(
    { id: (id) => calls.push(['id', id]), message: (type, data) => calls.push(['message', type, data]), retry: (ms) => calls.push(['retry', ms]) },
    maxEventSize,
    () => tooLarge++,
  );
  for (const piece of pieces) feed(piece);
  return { calls, tooLarge };
}

/** The same through eventsource-parser 4, the parser sse-kit used before. */
function reference(pieces: string[]): Call[] {
  const calls: Call[] = [];
  const parser = referenceParser({
    onEvent: (e) => calls.push(['message', e.event ?? 'message', e.data]),
    onId: (id) => calls.push(['id', id]),
    onRetry: (ms) => calls.push(['retry', ms]),
  });
  for (const piece of pieces) parser.feed(piece);
  return calls;
}

function random(seed: number) {
  let a = seed;
  return (n: number) => {
    a = (a * 1103515245 + 12345) & 0x7fffffff;
    return Math.floor((a / 0x80000000) * n); // the high bits: an LCG's low bits repeat with a short period
  };
}

const LINES = [
  'data: x', 'data:x', 'data', 'data:', 'data:  two spaces', 'data: é€😀', 'data: a:b', 'datum: no', 'dat', 'Data: no',
  'event: tick', 'event:', 'event', 'event: a b', 'id: 7', 'id:', 'id', 'id: a\0b', 'id: é€7', 'ids: no',
  'retry: 1500', 'retry: 15a', 'retry:', 'retry: -1', 'retry:0', ': comment', ':', 'unknown: field', 'x', '', '', '', '',
];
const ENDS = ['\n', '\r', '\r\n'];
/** Runs of these (LF-only, so whole pieces take the parser's fast path) make multi-line events. */
const DATA = ['data: x', 'data:x', 'data', 'data:', 'data:  two', 'data: é€😀', 'data: a:b', 'data:\ufeffy', 'Data: no', 'dat', 'event: tick', 'id: 5'];

describe('the event stream parser', () => {
  it('reports the same ids, events and retries as eventsource-parser on 2,000 random streams cut at random places', () => {
    const next = random(42);
    let events = 0;
    for (let run = 0; run < 2000; run++) {
      let text = next(8) === 0 ? '\ufeff' : '';
      const lines = 1 + next(40);
      for (let i = 0; i < lines; i++) {
        if (next(4) === 0) for (let j = next(6); j >= 0; j--) text += `${DATA[next(j ? 7 : DATA.length)]}\n`;
        text += `${LINES[next(LINES.length)]}${ENDS[next(ENDS.length)]}`;
      }
      const pieces: string[] = [];
      for (let at = 0; at < text.length; ) {
        const size = next(3) === 0 ? text.length : next(2) ? next(6) : next(60);
        pieces.push(text.slice(at, at + size));
        at += size;
      }
      const ours = parse(pieces).calls;
      expect(ours, JSON.stringify(pieces)).toEqual(reference(pieces));
      events += ours.filter((c) => c[0] === 'message').length;
    }
    expect(events).toBeGreaterThan(2000); // the streams did dispatch, so the comparison means something
  });

  it.each([
    ['LF', ['data: a\n\n']],
    ['CR', ['data: a\r\r']],
    ['CRLF', ['data: a\r\n\r\n']],
    ['a CRLF cut between CR and LF', ['data: a\r', '\n\r', '\n']],
    ['a field cut anywhere', ['da', 'ta', ': ', 'a', '\n', '', '\n']],
  ])('ends lines at %s', (_, pieces) => {
    expect(parse(pieces).calls).toEqual([['message', 'message', 'a']]);
  });

  it('does not take the LF after a CR that ended a piece for an empty line', () => {
    expect(parse(['data: a\r', '\ndata: b\r\n\r\n']).calls).toEqual([['message', 'message', 'a\nb']]);
  });

  it('removes one leading space, one BOM at the start only, and joins data lines with LF', () => {
    expect(parse(['\ufeffdata:  a\n', 'data\ndata:\ufeffb\n\n']).calls).toEqual([['message', 'message', ' a\n\n\ufeffb']]);
    expect(parse(['data: a\n\n\ufeffdata: b\n\n']).calls).toEqual([['message', 'message', 'a']]);
  });

  it('reports an id-only block, an empty id, and ignores an id with NUL', () => {
    expect(parse(['id: 9\n\nid\n\nid: 1\0\n\n']).calls).toEqual([['id', '9'], ['id', '']]);
  });

  it('reports the id before the event it came with, and the event type or message', () => {
    expect(parse(['event: tick\nid: 3\ndata: a\n\nevent:\ndata: b\n\n']).calls).toEqual([
      ['id', '3'],
      ['message', 'tick', 'a'],
      ['message', 'message', 'b'],
    ]);
  });

  it('takes a retry of ASCII digits only', () => {
    expect(parse(['retry: 1500\nretry: 1.5\nretry: 1e3\nretry: -1\nretry:\nretry: 0\n']).calls).toEqual([['retry', 1500], ['retry', 0]]);
  });

  it('does not dispatch an event whose blank line never came', () => {
    expect(parse(['data: a\n', 'data: b']).calls).toEqual([]);
  });

  it('accepts data of exactly maxEventSize characters and stops for good at one more', () => {
    expect(parse([`data: ${'x'.repeat(10)}\n\n`], 10)).toEqual({ calls: [['message', 'message', 'x'.repeat(10)]], tooLarge: 0 });
    expect(parse([`data: ${'x'.repeat(5)}\ndata: ${'x'.repeat(5)}\n\ndata: after\n\n`], 10)).toEqual({ calls: [], tooLarge: 1 });
  });

  it('stops when a line still arriving outgrows maxEventSize, however small the pieces', () => {
    const pieces = ['data: ', ...Array.from({ length: 40 }, () => 'x'), '\n\n', 'data: after\n\n'];
    expect(parse(pieces, 20)).toEqual({ calls: [], tooLarge: 1 });
  });

  it('reads a 1 MB line sent in 1-character pieces in linear time', () => {
    const pieces = ['data: ', ...Array.from({ length: 1_000_000 }, () => 'x'), '\n\n'];
    const started = performance.now();
    const { calls } = parse(pieces);
    expect(calls).toEqual([['message', 'message', 'x'.repeat(1_000_000)]]);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
