/**
 * Counter-based random numbers (SplitMix32: the murmur3 finalizer over a Weyl sequence): deviate `index` of
 * a stream is a pure function of the stream's key and the index. The baseline and every maintenance action
 * therefore see the same torque draws, temperature paths and tool lives (common random numbers: the
 * difference between two scenarios is the action, not sampling noise), and there is no state to carry.
 */

/** murmur3's 32-bit finalizer: neighbouring inputs give unrelated outputs. */
function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** The key of stream `stream` under a 32-bit seed; distinct streams give unrelated sequences. */
export function streamKey(seed: number, stream: number): number {
  return fmix32(fmix32(seed) ^ Math.imul(stream + 1, 0x27d4eb2f));
}

const TWO_TO_MINUS_32 = 1 / 4_294_967_296;

/** Uniform deviate in [0, 1) number `index` of a stream (32 bits of resolution). */
export function unitAt(key: number, index: number): number {
  // Times 2^-32, exactly the division by 2^32 (a power of two), without a division in the hot loops.
  return (fmix32((key + Math.imul(index, 0x9e3779b9)) | 0) >>> 0) * TWO_TO_MINUS_32;
}

/** Standard normal deviate number `index` of a stream (Box–Muller on deviates 2 index and 2 index + 1). */
export function normalAt(key: number, index: number): number {
  const u1 = unitAt(key, 2 * index);
  const u2 = unitAt(key, 2 * index + 1);
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}
