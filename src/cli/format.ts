/** One received event as the CLI prints it: `data` is the raw text, `ts` when it arrived. */
export interface Received {
  ts: Date;
  id: string;
  type: string;
  data: string;
}

/** Colours for the human format; {@link PLAIN} when colours are off. */
export interface Palette {
  time(text: string): string;
  id(text: string): string;
  type(text: string): string;
  key(text: string): string;
  string(text: string): string;
  number(text: string): string;
  literal(text: string): string;
  /** A note on stderr (retries, ends). */
  note(text: string): string;
  /** A failure on stderr. */
  error(text: string): string;
}

const sgr = (code: string) => (text: string) => `\x1b[${code}m${text}\x1b[0m`;
const same = (text: string) => text;

/** ANSI colours: dim time, yellow id, bold cyan type; JSON keys blue, strings green, numbers yellow. */
export const COLOURS: Palette = {
  time: sgr('2'),
  id: sgr('33'),
  type: sgr('1;36'),
  key: sgr('34'),
  string: sgr('32'),
  number: sgr('33'),
  literal: sgr('35'),
  note: sgr('2'),
  error: sgr('1;31'),
};

/** No escape codes at all (`NO_COLOR`, or stdout is not a terminal). */
export const PLAIN: Palette = { time: same, id: same, type: same, key: same, string: same, number: same, literal: same, note: same, error: same };

/**
 * One NDJSON line `{"ts","id","type","data"}`. JSON data is embedded as the server sent it, so a
 * 20-digit number keeps its digits; anything else becomes a JSON string.
 */
export function ndjsonLine(event: Received): string {
  const data = parseJson(event.data) === undefined ? JSON.stringify(event.data) : jsonOnOneLine(event.data);
  return `{"ts":${JSON.stringify(event.ts.toISOString())},"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},"data":${data}}\n`;
}

/**
 * The human format: `time #id type data` on one line when it fits in `width` columns, otherwise
 * the data on the following lines, indented (JSON pretty-printed).
 */
export function prettyEvent(event: Received, p: Palette, width: number): string {
  const time = event.ts.toTimeString().slice(0, 8) + `.${String(event.ts.getMilliseconds()).padStart(3, '0')}`;
  const [type, eventId, text] = [event.type, event.id, event.data].map(visible) as [string, string, string];
  const id = eventId ? ` ${p.id(`#${eventId}`)}` : '';
  const head = `${p.time(time)}${id} ${p.type(type)}`;
  const headWidth = time.length + (eventId ? eventId.length + 2 : 0) + 1 + type.length;
  if (text === '') return `${head}\n`;
  const value = parseJson(event.data);
  const compact = value === undefined ? text : render(value, PLAIN);
  if (!/\n/.test(compact) && headWidth + 1 + compact.length <= width) {
    return `${head} ${value === undefined ? text : render(value, p)}\n`;
  }
  const body = value === undefined ? text : render(value, p, '  ');
  return `${head}\n${body.replace(/^/gm, '  ')}\n`;
}

/** `value` as JSON text with colours; `indent` = pretty-printed, undefined = compact. */
export function render(value: unknown, p: Palette, indent?: string, pad = ''): string {
  if (value === null || typeof value === 'boolean') return p.literal(String(value));
  if (typeof value === 'number') return p.number(String(value));
  if (typeof value === 'string') return p.string(JSON.stringify(value));
  const inner = indent === undefined ? '' : pad + indent;
  const nl = indent === undefined ? '' : '\n';
  const items = Array.isArray(value)
    ? value.map((item) => inner + render(item, p, indent, inner))
    : Object.entries(value as object).map(
        ([key, item]) => `${inner}${p.key(JSON.stringify(key))}:${indent === undefined ? '' : ' '}${render(item, p, indent, inner)}`,
      );
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return items.length ? `${open}${nl}${items.join(`,${nl}`)}${nl}${pad}${close}` : open + close;
}

/**
 * Control characters shown as `\u001b`, except tab and line feed: text from a server must not
 * move the cursor or recolour the terminal it is printed on. (JSON strings are escaped already.)
 */
function visible(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The parsed value, or undefined when `text` is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Valid JSON with its line breaks turned into spaces. JSON forbids raw CR/LF inside strings, so
 * every line break is whitespace between tokens and the value is unchanged.
 */
function jsonOnOneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}
