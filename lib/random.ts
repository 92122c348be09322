// Counter-based random numbers: every draw is a pure function of (seed, iteration, draw),
// so the URL an iteration requests does not depend on which VU runs it or in what order.
// A stateful generator (one per VU) cannot give that, which is why this is a hash and not
// a library PRNG. It runs on every k6 iteration: plain arithmetic only, no Math calls (in
// k6's JS engine each call to a native function such as Math.imul is costly).

const TWO_32 = 4294967296;

/** Low 32 bits of a * b for a in [0, 2^32) and a 32-bit constant b = bHi * 2^16 + bLo. */
export function mul32(a: number, bHi: number, bLo: number): number {
  // a * bLo < 2^48 and (a * bHi mod 2^16) * 2^16 < 2^32: exact in doubles.
  return (a * bLo + ((a * bHi) % 65536) * 65536) % TWO_32;
}

/** The "lowbias32" finalizer (a bijective, well-mixing 32-bit hash), on numbers in [0, 2^32). */
function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = mul32(x, 0x7feb, 0x352d);
  x = (x ^ (x >>> 15)) >>> 0;
  x = mul32(x, 0x846c, 0xa68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * The per-iteration key that draws derive from: one hash of (seed, iteration) per iteration.
 * Iterations past 2^32 fold their high part in, so they do not repeat the low ones.
 */
export function iterationKey(seed: number, iteration: number): number {
  const high = Math.floor(iteration / TWO_32);
  let h = mix32((seed ^ 0x9e3779b9) >>> 0);
  h = mix32((h ^ (iteration % TWO_32)) >>> 0);
  return high === 0 ? h : mix32((h ^ mix32((high + 0x632be5ab) % TWO_32)) >>> 0);
}

/** A uniform number in [0, 1) with 32 random bits, for draw number `draw` of an iteration. */
export function uniformFromKey(key: number, draw: number): number {
  return mix32((key ^ ((draw * 0x85ebca6b) % TWO_32)) >>> 0) / TWO_32;
}

/** A uniform integer in [min, max], both inclusive (bias below 2^-32 * (max - min + 1)). */
export function uniformIntFromKey(key: number, draw: number, min: number, max: number): number {
  return min + Math.floor(uniformFromKey(key, draw) * (max - min + 1));
}

/** Shorthands for one draw (tests, retry jitter). */
export function uniform(seed: number, iteration: number, draw: number): number {
  return uniformFromKey(iterationKey(seed, iteration), draw);
}

export function uniformInt(seed: number, iteration: number, draw: number, min: number, max: number): number {
  return uniformIntFromKey(iterationKey(seed, iteration), draw, min, max);
}

export const MAX_SEED = TWO_32 - 1;

/** A fresh seed for a run without --seed (printed in the summary so the run can be repeated). */
export function freshSeed(): number {
  return Math.floor(Math.random() * TWO_32);
}
