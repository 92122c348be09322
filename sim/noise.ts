// The simulator's randomness: Moodle's per-request variation in DB reads and the spread of
// server time, drawn from seeded generators so a test run can be repeated exactly. Each page
// type has its own streams, so the draws one page type gets do not depend on how requests to
// other pages interleave with it (k6's scheduling varies from run to run).

/** splitmix32: turns (seed, stream) into well-spread generator state. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counter), uniform in [0, 1). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number, stream: string) {
    this.a = splitmix32(seed >>> 0);
    this.b = splitmix32(this.a ^ hashString(stream));
    this.c = splitmix32(this.b);
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Standard normal (Box-Muller; one value per call keeps the stream simple). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/**
 * How far one request's DB reads land from the page's median. Measured on a real Moodle 4.5.6
 * (same URL, same iteration, two runs): reads differed by -3..+3 and were identical in about
 * half the pairs, which a distribution with P(0) = 0.68 reproduces (sum of squared
 * probabilities 0.49). Now and then a cache is cold and a page reads 4 to 11 more rows.
 */
const READ_OFFSETS: readonly (readonly [offset: number, probability: number])[] = [
  [-3, 0.015],
  [-2, 0.035],
  [-1, 0.11],
  [0, 0.68],
  [1, 0.11],
  [2, 0.035],
  [3, 0.015],
];
export const COLD_CACHE_PROBABILITY = 0.01;
export const COLD_CACHE_EXTRA_READS: readonly [number, number] = [4, 11];

export function drawReadOffset(rng: Rng): number {
  if (rng.next() < COLD_CACHE_PROBABILITY) return rng.int(COLD_CACHE_EXTRA_READS[0], COLD_CACHE_EXTRA_READS[1]);
  let u = rng.next();
  for (const [offset, p] of READ_OFFSETS) {
    if (u < p) return offset;
    u -= p;
  }
  return 0;
}

/** A log-normal draw with this median; sigma is the spread of its logarithm (0 gives the median). */
export function drawLogNormal(rng: Rng, medianMs: number, sigma: number): number {
  if (sigma === 0 || medianMs === 0) return medianMs;
  return medianMs * Math.exp(sigma * rng.normal());
}
