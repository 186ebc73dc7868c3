import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';

/** A seeded source of uniform and normal deviates; mutable, one per independent stream. */
export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
}

/** Mixes 32 bits so that neighbouring inputs give unrelated outputs (murmur3 finalizer). */
function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Derives a 32-bit seed from a root seed and a path of integers (machine index, stream id, ...). */
export function deriveSeed(root: number, ...path: number[]): number {
  // Fold both halves of a safe integer so seeds above 2^32 stay distinct.
  let h = fmix32((root % 0x1_0000_0000) ^ fmix32(Math.floor(root / 0x1_0000_0000)));
  for (const part of path) h = fmix32(h ^ fmix32(Math.imul(part + 1, 0x9e3779b9)));
  return h;
}

/** Creates a Random from a 32-bit seed: xoroshiro128+ (pure-rand) with its state filled by splitmix32. */
export function createRandom(seed: number): Random {
  // xoroshiro128plus(seed) starts from (-1, ~seed, seed, 0), so nearby seeds share early outputs;
  // filling the whole state from a mixer avoids that.
  let s = seed | 0;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    s = (s + 0x9e3779b9) | 0;
    words.push(fmix32(s));
  }
  // An all-zero state would emit zeros for ever.
  if (!words.some((w) => w !== 0)) words[0] = 1;
  const rng = xoroshiro128plusFromState(words);
  let spare: number | undefined;
  const uniform = (): number => uniformFloat64(rng);
  return {
    uniform,
    normal() {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      // Box–Muller; 1 - u keeps the logarithm finite.
      const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
      const angle = 2 * Math.PI * uniform();
      spare = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
  };
}
