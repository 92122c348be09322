// "Did you mean ...?" for a mistyped flag, config key or -e variable: the known name closest
// in edit distance, when it is close enough to be a typo rather than another word.

/** Levenshtein distance (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] as number;
      row[j] = Math.min(up + 1, (row[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length] as number;
}

/** Edits a typo may have: 2, or a third of the name's length for long names. */
export function typoDistance(name: string): number {
  return Math.max(2, Math.floor(name.length / 3));
}

/** The known name closest to `unknown` (case-insensitive), if it is within a typo of it. */
export function nearest(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const u = unknown.toLowerCase();
  for (const k of known) {
    const d = editDistance(u, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= typoDistance(unknown) ? best : undefined;
}
