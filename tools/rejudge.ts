// Re-judges the runs a side-by-side judgement kept (--keep-runs): reads run-N-SIDE.jsonl in the folder,
// pairs them in order and prints each look's verdict with today's rules. For studying the statistics on
// real runs without running the load again: node --import tsx tools/rejudge.ts DIR [--max-pairs N]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_ENDPOINTS, evidenceFromLog, type RunEvidence } from '../analysis/bisect-verdict';
import { DEFAULT_PAIRED_LIMITS, judgePairs, type Pair } from '../analysis/paired-verdict';
import type { RequestLogRecord } from '../lib/request-log';

const dir = process.argv[2] as string;
const maxAt = process.argv.indexOf('--max-pairs');
const limits = { ...DEFAULT_PAIRED_LIMITS, maxPairs: maxAt > 0 ? Number(process.argv[maxAt + 1]) : DEFAULT_PAIRED_LIMITS.maxPairs };
const runs = readdirSync(dir)
  .map((f) => /^run-(\d+)-([AB])\.jsonl$/.exec(f))
  .filter((m): m is RegExpExecArray => m !== null)
  .sort((x, y) => Number(x[1]) - Number(y[1]))
  .map((m) => {
    const records = readFileSync(join(dir, m[0]), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as RequestLogRecord);
    return { side: m[2] as 'A' | 'B', evidence: evidenceFromLog(records) };
  });
const pairs: Pair[] = [];
for (let i = 0; i + 1 < runs.length; i += 2) {
  const [x, y] = [runs[i], runs[i + 1]] as [{ side: string; evidence: RunEvidence }, { side: string; evidence: RunEvidence }];
  const a = x.side === 'A' ? x : y;
  const b = x.side === 'A' ? y : x;
  pairs.push({ a: a.evidence, b: b.evidence, order: x.side === 'A' ? 'AB' : 'BA' });
}
for (let n = limits.minPairs; n <= Math.min(pairs.length, limits.maxPairs); n++) {
  const v = judgePairs(pairs.slice(0, n), limits);
  const t = v.figures.find((f) => f.endpoint === ALL_ENDPOINTS);
  console.log(`${n} pairs: ${v.kind}; together ${t?.state} ${t?.rule}; per pair ${t?.pairs.map((e) => e.pct?.toFixed(1)).join(' ')}`);
  if (v.kind !== 'inconclusive') {
    for (const r of v.reasons) console.log(`  ${r}`);
    break;
  }
}
