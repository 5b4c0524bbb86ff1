/** What the parser reports: the calls a transport's `Sink` takes, in stream order. */
export interface ParsedStream {
  /** A block ended that had an `id:` field (with or without data): the new last event id. */
  id(id: string): void;
  /** A block ended with data. `type` is `message` when the block named none. */
  message(type: string, data: string): void;
  /** A `retry:` field of ASCII digits only. */
  retry(ms: number): void;
}

/**
 * `text[at]` starts a `data:` field. As a helper the LF-only loop below measured no slower than
 * with it spelled out (small events, parser alone); in line() it cost ~1%, so line() spells it out.
 */
const isData = (text: string, at: number) =>
  text.charCodeAt(at) === 100 && text.charCodeAt(at + 4) === 58 && text.charCodeAt(at + 1) === 97 && text.charCodeAt(at + 2) === 116 && text.charCodeAt(at + 3) === 97;

/**
 * The event stream parser of the HTML spec ("Interpreting an event stream"), fed decoded text in
 * pieces of any size (a line, an event, a CRLF may be cut anywhere). Returns `feed`; after an
 * event's data or an unfinished line exceeds `maxEventSize` characters it calls `tooLarge` once
 * and ignores the rest: where that event ends is unknown, so nothing after it can be trusted.
 *
 * Our own rather than eventsource-parser 4 (which sse-kit bundled before): it hands type, data
 * and id straight to the sink without an event object or a wrapper per event, and weighs ~0.4 KB
 * min+gzip instead of ~1.7 KB. test/unit/parser.test.ts checks it against eventsource-parser on
 * random streams cut at random places.
 */
export function createParser(out: ParsedStream, maxEventSize: number, tooLarge: () => void): (text: string) => void {
  /** The start of a line whose end has not arrived. */
  let rest = '';
  let data: string | undefined;
  let type = '';
  let id: string | undefined;
  /** The last piece ended in CR: a LF starting the next one belongs to that CRLF. */
  let afterCr = false;
  let first = true;
  let done = false;

  const fail = () => {
    done = true;
    tooLarge();
  };
  const dispatch = (value: string | undefined) => {
    if (id !== undefined) out.id(id);
    if (value !== undefined) out.message(type || 'message', value);
    id = data = undefined;
    type = '';
  };
  /** Just past the colon if `text[start, end)` is the field `name` (no colon: `end`), else -1. */
  const field = (text: string, start: number, end: number, name: string) => {
    const at = start + name.length;
    if (!text.startsWith(name, start)) return -1;
    return at === end ? at : text.charCodeAt(at) === 58 ? at + 1 : -1;
  };

  /**
   * One line, `text[start, end)`. `data:`, `id:` and `event:` are spelled out with charCodeAt:
   * field() (startsWith) on every line made the parser ~20% slower than eventsource-parser on small
   * events, `event:` 3% on named multi-line ones.
   */
  const line = (text: string, start: number, end: number): void => {
    if (start === end) return dispatch(data);
    const c = text.charCodeAt(start);
    let at =
      c === 100
        ? text.charCodeAt(start + 4) === 58 && text.charCodeAt(start + 1) === 97 && text.charCodeAt(start + 2) === 116 && text.charCodeAt(start + 3) === 97
          ? start + 5
          : field(text, start, end, 'data')
        : c === 105
          ? text.charCodeAt(start + 2) === 58 && text.charCodeAt(start + 1) === 100
            ? start + 3
            : field(text, start, end, 'id')
          : c === 101
            ? text.charCodeAt(start + 5) === 58 && text.charCodeAt(start + 1) === 118 && text.charCodeAt(start + 2) === 101 && text.charCodeAt(start + 3) === 110 && text.charCodeAt(start + 4) === 116
              ? start + 6
              : field(text, start, end, 'event')
            : c === 114
              ? field(text, start, end, 'retry')
              : -1; // a comment, or a field the spec ignores
    if (at < 0) return;
    if (text.charCodeAt(at) === 32) at++; // at <= end, and text[end] is CR or LF
    const value = text.slice(at, end);
    if (c === 100) {
      data = data === undefined ? value : `${data}\n${value}`;
      if (data.length > maxEventSize) fail();
    } else if (c === 105) {
      if (!value.includes('\0')) id = value;
    } else if (c === 101) type = value;
    else if (/^\d+$/.test(value)) out.retry(+value);
  };

  return (piece) => {
    if (done || !piece) return;
    if (first) {
      first = false;
      // One byte-order mark at the very start (the decoder is told to keep it, so it arrives here).
      if (piece.charCodeAt(0) === 0xfeff) piece = piece.slice(1);
    }
    if (afterCr) {
      afterCr = false;
      if (piece.charCodeAt(0) === 10) piece = piece.slice(1);
    }
    let cr = piece.indexOf('\r');
    let lf = piece.indexOf('\n');
    if (cr < 0 && lf < 0) {
      // No line ends here: append (V8 joins `+=` pieces once, when the line is read), scan nothing.
      rest += piece;
      if (rest.length > maxEventSize + 16) fail();
      return;
    }
    // Only the first line can continue `rest`. join(), not `+`: a cons string made every
    // charCodeAt and indexOf of the piece ~30% slower (measured), copying it once costs little.
    const text = rest ? [rest, piece].join('') : piece;
    if (cr >= 0) cr += rest.length;
    if (lf >= 0) lf += rest.length;
    rest = '';
    let start = 0;
    if (cr < 0) {
      // LF only, as servers send it: the blank line and `data:` lines (the blank line right after
      // them too) are handled here without a call per line. 200k small events in 64 KB reads: as
      // fast as eventsource-parser 4.1, ~8% behind 3.1 (its events carry the id, no onId); every
      // line through line() was 20% behind.
      while (lf >= 0) {
        if (start === lf) dispatch(data);
        else if (isData(text, start)) {
          // Consecutive data lines whose ends are here: each taken with its LF, one string per
          // line. 16-line events fed alone to the parser (decoding included) took 6% more
          // instructions with `${data}\n${value}` per line (two cons strings each, which JSON.parse
          // then flattens), text or JSON; 10-22% more joining an array of the lines, 25-33% with
          // slice + replace(/\ndata: ?/g). And 8% fewer than eventsource-parser 4.1.3 as JSON.
          let value = '';
          for (let next = 0; isData(text, lf + 1) && (next = text.indexOf('\n', lf + 1)) >= 0; start = lf + 1, lf = next)
            value += text.slice(text.charCodeAt(start + 5) === 32 ? start + 6 : start + 5, lf + 1);
          value += text.slice(text.charCodeAt(start + 5) === 32 ? start + 6 : start + 5, lf);
          data = data === undefined ? value : `${data}\n${value}`;
          if (data.length > maxEventSize) return fail();
          if (text.charCodeAt(lf + 1) === 10) {
            dispatch(data);
            lf++;
          }
        } else {
          line(text, start, lf);
          if (done) return;
        }
        start = lf + 1;
        lf = text.indexOf('\n', start);
      }
    }
    while (cr >= 0 || lf >= 0) {
      const atCr = cr >= 0 && (lf < 0 || cr < lf);
      const end = atCr ? cr : lf;
      line(text, start, end);
      if (done) return;
      start = end + 1;
      if (atCr) {
        if (start === text.length) afterCr = true;
        else if (text.charCodeAt(start) === 10) lf = text.indexOf('\n', ++start);
        cr = text.indexOf('\r', start);
      } else lf = text.indexOf('\n', start);
    }
    rest = text.slice(start);
    // room for the field name, `: ` and the CR around the data of a line still arriving
    if (rest.length > maxEventSize + 16) fail();
  };
}
