/** `value` to `digits` decimals, as the summaries and reports show figures. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
