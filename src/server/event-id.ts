// Event ids: what a store issues per topic, and what a connection puts in `id:` when it follows
// several topics at once.

/** A parsed store id: `"17"` → [17, 0], `"1700000000000-3"` (Redis stream entry) → [1700000000000, 3]. */
function parts(id: string): [number, number] | undefined {
  const match = /^(\d{1,16})(?:-(\d{1,16}))?$/.exec(id);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2] ?? 0)];
}

/** True when `id` has the shape of an id a store issues (`"17"` or `"1700000000000-3"`). */
export function isEventId(id: string): boolean {
  return parts(id) !== undefined;
}

/**
 * Orders two store ids of one topic: negative when `a` comes first. Ids that are not store ids
 * sort before every valid one, so nothing is ever skipped because of a malformed cursor.
 */
export function compareIds(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  if (!x || !y) return (x ? 1 : 0) - (y ? 1 : 0);
  return x[0] - y[0] || x[1] - y[1];
}

/**
 * The SSE id of a connection that follows several topics: every topic's position, so one
 * `Last-Event-ID` resumes all of them. `topic=id` pairs (topic URI-encoded) joined by `,`, in the
 * order of the connection's topics. A connection with one topic uses the store id as is.
 */
export function formatCursor(topics: readonly string[], cursors: ReadonlyMap<string, string>): string {
  if (topics.length === 1) return cursors.get(topics[0] as string) ?? '';
  const pairs: string[] = [];
  for (const topic of topics) {
    const id = cursors.get(topic);
    if (id !== undefined) pairs.push(`${encodeURIComponent(topic)}=${id}`);
  }
  return pairs.join(',');
}

/**
 * Reads a `Last-Event-ID` back into per-topic positions (see {@link formatCursor}). A topic
 * missing from the id starts fresh; an empty id means a fresh connection.
 */
export function parseCursor(topics: readonly string[], lastEventId: string | undefined): Map<string, string> {
  const cursors = new Map<string, string>();
  if (!lastEventId) return cursors;
  if (topics.length === 1) return cursors.set(topics[0] as string, lastEventId);
  for (const pair of lastEventId.split(',')) {
    const at = pair.lastIndexOf('=');
    if (at <= 0) continue;
    let topic: string;
    try {
      topic = decodeURIComponent(pair.slice(0, at));
    } catch {
      continue;
    }
    if (topics.includes(topic)) cursors.set(topic, pair.slice(at + 1));
  }
  return cursors;
}
