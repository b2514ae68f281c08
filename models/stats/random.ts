// A seeded pseudo-random generator so that folds and bootstrap replicates are reproducible from one integer.
// xoshiro128** (Blackman & Vigna 2018, "Scrambled linear pseudorandom number generators"), seeded by splitmix32.
import { ModelInputError } from './errors';

export interface Random {
  /** Uniform on [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function seededRandom(seed: number): Random {
  if (!Number.isInteger(seed)) throw new ModelInputError(`${seed} (expected an integer)`, 'seed');
  let sm = seed | 0;
  const splitmix32 = (): number => {
    sm = (sm + 0x9e3779b9) | 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  const s = new Uint32Array([splitmix32(), splitmix32(), splitmix32(), splitmix32()]);
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
  const next = (): number => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / 9007199254740992;
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
  };
}

/** Fisher–Yates shuffle in place (Knuth, TAOCP vol. 2, Algorithm P). */
export function shuffleInPlace<T>(items: T[] | Int32Array, random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
}
