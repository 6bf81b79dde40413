import { xoroshiro128plus, type RandomGenerator } from 'pure-rand';

const TWO_POW_32 = 4294967296;
// Module-scope copies: a global lookup per call is ~20x slower inside Jest's vm sandbox (jestjs/jest#5163).
const { cos, floor, imul, log, PI, sin, sqrt } = Math;

/**
 * Hashes (seed, ...parts) to a 32-bit PRNG seed, so every stream (a symbol's series, a factor, a
 * day's intraday walk) is independent of how many other streams were drawn before it.
 */
export function hashSeed(seed: number, ...parts: string[]): number {
  const key = `${seed}\u0000${parts.join('\u0000')}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = imul(h, 0x01000193);
  }
  // FNV-1a alone leaves near-identical keys ('A', 'B') with correlated low bits: finish with fmix32.
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Mutable convenience wrapper over a pure-rand generator (its unsafe API avoids an allocation per draw). */
export class SeededRandom {
  private readonly rng: RandomGenerator;
  private spareNormal = 0;
  private hasSpareNormal = false;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed);
    // xoroshiro's first outputs are a plain function of the seed words; let the state mix first.
    for (let i = 0; i < 8; i++) this.rng.unsafeNext();
  }

  static of(seed: number, ...parts: string[]): SeededRandom {
    return new SeededRandom(hashSeed(seed, ...parts));
  }

  /** Uniform in the open interval (0, 1), never 0, so it is safe under `Math.log`. */
  uniform(): number {
    return ((this.rng.unsafeNext() >>> 0) + 0.5) / TWO_POW_32;
  }

  /** Standard normal (Box-Muller, both variates used). */
  normal(): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return this.spareNormal;
    }
    const radius = sqrt(-2 * log(this.uniform()));
    const angle = 2 * PI * this.uniform();
    this.spareNormal = radius * sin(angle);
    this.hasSpareNormal = true;
    return radius * cos(angle);
  }

  /** Integer in [0, maxExclusive). */
  int(maxExclusive: number): number {
    return floor(this.uniform() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Index drawn with probability proportional to `weights[i]`. */
  weightedIndex(weights: readonly number[]): number {
    const total = weights.reduce((sum, w) => sum + w, 0);
    let target = this.uniform() * total;
    for (let i = 0; i < weights.length; i++) {
      target -= weights[i];
      if (target < 0) return i;
    }
    return weights.length - 1;
  }

  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Normal with mean/sd, clamped to [min, max]. */
  clampedNormal(mean: number, sd: number, min: number, max: number): number {
    return Math.min(max, Math.max(min, mean + sd * this.normal()));
  }
}
