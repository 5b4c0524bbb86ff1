/** A seeded pseudo-random source: the same seed gives the same sequence, so a failing chaos run replays. */
export interface Rng {
  /** Uniform in [0, 1). */
  (): number;
  /** Integer uniform in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One item, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** One key of `weights`, with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K;
  readonly seed: number;
}

/**
 * mulberry32: 32 bits of state, fast, and good enough to spread faults; not for cryptography.
 * @example
 * const rng = seededRng(42); rng.int(1, 64)
 */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (() => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as Rng;
  next.int = (min, max) => min + Math.floor(next() * (max - min + 1));
  next.chance = (p) => next() < p;
  next.pick = (items) => items[Math.floor(next() * items.length)]!;
  next.weighted = (weights) => {
    const entries = Object.entries(weights) as [keyof typeof weights, number][];
    let r = next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [key, w] of entries) if ((r -= w) < 0) return key;
    return entries[entries.length - 1]![0];
  };
  Object.defineProperty(next, 'seed', { value: seed >>> 0 });
  return next;
}

/** A seed from the environment (`NAME=1234`, decimal or 0x-hex), or undefined when unset. */
export function seedFromEnv(name: string): number | undefined {
  const text = process.env[name];
  if (!text) return undefined;
  const seed = Number(text);
  if (!Number.isInteger(seed)) throw new TypeError(`${name} must be an integer seed, got ${JSON.stringify(text)}`);
  return seed >>> 0;
}
