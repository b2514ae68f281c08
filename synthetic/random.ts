// Seeded randomness for the synthetic study: every draw comes from a stream named by (seed, purpose, …), so a file's
// content depends only on the seed and its own name — never on how many patients or defects a run asks for.

// Math's functions bound once: under jest (a vm context) each global lookup in a hot loop costs ~100×.
const { imul, sqrt, log, sin, cos, floor } = Math;
const TWO_PI = 2 * Math.PI;

/** cyrb53-style 32-bit hash of a string (stable across platforms: integer arithmetic only). */
export function hashString(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = imul(h1 ^ ch, 2654435761);
    h2 = imul(h2 ^ ch, 1597334677);
  }
  h1 = imul(h1 ^ (h1 >>> 16), 2246822507) ^ imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = imul(h2 ^ (h2 >>> 16), 2246822507) ^ imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

/** A uniform/normal generator on mulberry32 (Tommy Ettinger's 32-bit generator; period 2³², ample for 10⁶ voxels). */
export class Rng {
  private state: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A stream named by the study seed and a path of names, e.g. streamOf(7, 'SYN-001', 'baseline', 'T2'). */
  static stream(seed: number, ...names: (string | number)[]): Rng {
    return new Rng(hashString(`${seed >>> 0}/${names.join('/')}`));
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + floor(this.next() * (hi - lo + 1));
  }

  /** Standard normal by Box–Muller (both values used). */
  normal(mean = 0, sd = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + sd * z;
    }
    let u = this.next();
    while (u <= 0) u = this.next();
    const v = this.next();
    const radius = sqrt(-2 * log(u));
    this.spareNormal = radius * sin(TWO_PI * v);
    return mean + sd * radius * cos(TWO_PI * v);
  }

  /** Picks by weight; weights need not sum to 1. */
  pick<T>(items: readonly T[], weights?: readonly number[]): T {
    if (!weights) return items[floor(this.next() * items.length)];
    const total = weights.reduce((a, b) => a + b, 0);
    let u = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      u -= weights[i];
      if (u < 0) return items[i];
    }
    return items[items.length - 1];
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
