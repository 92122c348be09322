// Counter-based random numbers: every draw is a pure function of (seed, iteration, draw),
// so the URL an iteration requests does not depend on which VU runs it or in what order.
// A stateful generator (one per VU) cannot give that, which is why this is a hash and not
// a library PRNG.

const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

/** Finalizer from MurmurHash3/"lowbias32": a bijective, well-mixing 32-bit hash. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function hashWords(seed: number, iteration: number, draw: number, lane: number): number {
  const itLow = iteration % TWO_32;
  const itHigh = Math.floor(iteration / TWO_32);
  let h = mix32(seed ^ 0x9e3779b9);
  h = mix32(h ^ itLow);
  h = mix32(h ^ mix32(itHigh + 0x632be5ab));
  h = mix32(h ^ mix32(draw + 0x85ebca6b));
  return mix32(h ^ lane);
}

/** A uniform number in [0, 1) with 53 random bits. */
export function uniform(seed: number, iteration: number, draw: number): number {
  const high = hashWords(seed, iteration, draw, 0x1b873593) >>> 5; // 27 bits
  const low = hashWords(seed, iteration, draw, 0xcc9e2d51) >>> 6; // 26 bits
  return (high * 67108864 + low) / TWO_53;
}

/** A uniform integer in [min, max], both inclusive. */
export function uniformInt(seed: number, iteration: number, draw: number, min: number, max: number): number {
  return min + Math.floor(uniform(seed, iteration, draw) * (max - min + 1));
}

export const MAX_SEED = TWO_32 - 1;

/** A fresh seed for a run without --seed (printed in the summary so the run can be repeated). */
export function freshSeed(): number {
  return Math.floor(Math.random() * TWO_32);
}
