// k6 execution segments: how one test is split across instances (local processes here, or
// the k6-operator's pods). Each instance runs its share of the arrival rate and of the VUs.

/** "i/n:(i+1)/n" for each of n instances, and the sequence they share. */
export function evenSegments(n: number): { segments: string[]; sequence: string } {
  const point = (i: number) => (i === 0 ? '0' : i === n ? '1' : `${i}/${n}`);
  return {
    segments: Array.from({ length: n }, (_, i) => `${point(i)}:${point(i + 1)}`),
    sequence: Array.from({ length: n + 1 }, (_, i) => point(i)).join(','),
  };
}

function fraction(text: string): number {
  const t = text.trim();
  if (t.endsWith('%')) return Number(t.slice(0, -1)) / 100;
  const [p, q] = t.split('/');
  return q === undefined ? Number(p) : Number(p) / Number(q);
}

/** The share of the whole test a segment "from:to" covers (k6 prints them as "1/2:1"). */
export function segmentShare(segment: string): number {
  const [from, to] = segment.split(':');
  const share = fraction(to ?? '1') - fraction(from ?? '0');
  if (!Number.isFinite(share) || share <= 0 || share > 1) throw new Error(`not an execution segment: ${JSON.stringify(segment)}`);
  return share;
}

/** A segment's bounds as fractions of the whole test: "1/4:1/2" is [0.25, 0.5]. */
export function segmentBounds(segment: string): [number, number] {
  const [from, to] = segment.split(':');
  segmentShare(segment);
  return [fraction(from ?? '0'), fraction(to ?? '1')];
}
