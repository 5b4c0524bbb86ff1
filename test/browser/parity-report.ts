// Measurements for bench/parity.mjs, which runs the parity tests against two builds and prints the
// old-vs-new table. Only when PARITY_REPORT names a file: each call appends one JSON line to it.
import { appendFileSync } from 'node:fs';

/** Appends `{ group, case, client, ...values }` to $PARITY_REPORT (no-op without it). */
export function record(group: string, name: string, client: string, values: Record<string, unknown>): void {
  const file = process.env.PARITY_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify({ group, case: name, client, ...values })}\n`);
}
