// Reading k6's handleSummary data: a counter's count and a trend's statistic, rounded as the
// summary prints them. Shared by the summary's optional parts (page views, journeys, exam).

export type Metrics = Readonly<Record<string, { readonly values: Readonly<Record<string, number>> } | undefined>>;

export function countOf(m: Metrics, name: string): number {
  return m[name]?.values.count ?? 0;
}

/** A trend's statistic (k6's key: 'p(95)', 'med', 'avg'), to 2 decimals; null when it has no sample. */
export function trendOf(m: Metrics, name: string, key: string): number | null {
  const v = m[name]?.values;
  if (v === undefined || (v.count ?? 0) === 0) return null;
  const x = v[key];
  return x === undefined || !Number.isFinite(x) ? null : Math.round(x * 100) / 100;
}
