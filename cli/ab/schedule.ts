// The order in which the good build A and the candidate B run, pair by pair: A B, B A, A B, B A, ...
// (ABBA). The machine drifts while the runs go on; within a pair the later run carries the drift of
// one step. Were B always second, a steady drift would read as B's own effect in every pair; with the
// order flipped every other pair it counts once for B and once against it, and cancels over two pairs.
import type { PairOrder } from '../../analysis/paired-verdict';

/** A: the good build, the reference. B: the candidate, the commit `git bisect run` asks about. */
export type Side = 'A' | 'B';

/** The order of pair `index` (0 for the first pair): AB for even indexes, BA for odd ones. */
export function pairOrder(index: number): PairOrder {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`pair index must be a whole number from 0, not ${index}`);
  return index % 2 === 0 ? 'AB' : 'BA';
}

/** The sides of a pair in the order they run. */
export function sidesOf(order: PairOrder): readonly [Side, Side] {
  return order === 'AB' ? ['A', 'B'] : ['B', 'A'];
}

/** Every run of the first `pairs` pairs, in order: A B B A A B for three. */
export function schedule(pairs: number): Side[] {
  return Array.from({ length: pairs }, (_, i) => sidesOf(pairOrder(i))).flat();
}
