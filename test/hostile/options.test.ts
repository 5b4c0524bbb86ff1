import { describe, expect, it } from 'vitest';
import { createEventStream, type StreamOptions } from '../../src/index.js';

// A wrong option must fail at the call, naming the option, not later on the wire or never.
const URL_ = 'http://127.0.0.1:9/e'; // never contacted: every call here throws first

/** Calls createEventStream with options the types forbid (as a JavaScript caller could). */
const call = (options: unknown) => () => createEventStream(URL_, options as StreamOptions).close();

describe('option validation at the call', () => {
  // Defect: accepted; every later request ended the stream with NetworkError "Unexpected failure".
  it.each([
    ['CRLF', '1\r\nX: y'],
    ['LF', '1\nX: y'],
    ['CR', '1\rX: y'],
  ])('rejects a lastEventId containing %s with a TypeError naming the option', (_what, lastEventId) => {
    expect(call({ lastEventId })).toThrow(TypeError);
    expect(call({ lastEventId })).toThrow(/lastEventId/);
  });

  it('accepts a lastEventId with a control character (it can travel in the query)', () => {
    expect(call({ lastEventId: 'a\x01b' })).not.toThrow();
  });

  // Defect: `typeof null === 'object'` passed the check; every attempt then failed.
  it('rejects headers: null with a TypeError naming the option', () => {
    expect(call({ headers: null })).toThrow(TypeError);
    expect(call({ headers: null })).toThrow(/headers/);
  });

  // Defect: a RangeError (chosen only because the value is a number) for a wrong type.
  it('rejects headers: 42 with a TypeError naming the option', () => {
    expect(call({ headers: 42 })).toThrow(TypeError);
    expect(call({ headers: 42 })).toThrow(/headers/);
  });

  it.each([
    ['a number', 5],
    ['a string', 'fast'],
    ['a boolean', true],
    ['null', null],
  ])('rejects retry given as %s with a TypeError naming the option', (_what, retry) => {
    expect(call({ retry })).toThrow(TypeError);
    expect(call({ retry })).toThrow(/retry/);
  });

  it.each([
    ['a number', 5],
    ['an empty string', ''],
  ])('rejects storageKey given as %s with a TypeError naming the option', (_what, storageKey) => {
    expect(call({ storageKey })).toThrow(TypeError);
    expect(call({ storageKey })).toThrow(/storageKey/);
  });

  it("rejects redirect values other than 'follow' and 'error' with a TypeError naming the option", () => {
    expect(call({ redirect: 'manual' })).toThrow(TypeError);
    expect(call({ redirect: 'manual' })).toThrow(/redirect/);
    expect(call({ redirect: 'follow' })).not.toThrow();
    expect(call({ redirect: 'error' })).not.toThrow();
  });
});
