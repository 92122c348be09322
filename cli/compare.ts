// moodle-load compare BASE.json NEW.json: two summaries side by side; exit 0 when no
// regression, 1 when any, 2 when the runs cannot be compared or the input is bad.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { comparisonTable, compareSummaries, DEFAULT_THRESHOLDS, IncomparableError, Thresholds } from '../analysis/compare';
import { EXIT } from './exit-codes';
import { SettingsError } from '../lib/run-settings';
import type { Summary } from '../lib/summary';
import { numberFlag } from './args';

const USAGE = `usage: moodle-load compare BASE.json NEW.json [options]

  --format table|json          table on stderr (default), or JSON on stdout
  --p95-increase PCT           p95 may grow by this many percent (default ${DEFAULT_THRESHOLDS.p95IncreasePct})
  --db-reads-increase N        the median of DB reads per request may grow by N, per endpoint (default ${DEFAULT_THRESHOLDS.dbReadsIncrease})
  --failure-rate-increase PTS  failure rate may grow by this many points (default ${DEFAULT_THRESHOLDS.failureRateIncreasePts})

Exit: 0 no regression, 1 regression, 2 bad input or runs that cannot be compared.`;

function readSummary(path: string): Summary {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SettingsError(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const s = JSON.parse(text) as Summary;
    if (typeof s.target_rpm !== 'number' || typeof s.endpoints !== 'object') throw new Error('not a moodle-load summary');
    return s;
  } catch (e) {
    throw new SettingsError(`${path} is not a moodle-load summary JSON (${(e as Error).message})`);
  }
}

export function compareCommand(argv: readonly string[], out: (t: string) => void, err: (l: string) => void): number {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { format: { type: 'string' }, 'p95-increase': { type: 'string' }, 'db-reads-increase': { type: 'string' }, 'failure-rate-increase': { type: 'string' }, help: { type: 'boolean' } },
    });
    if (values.help) {
      out(USAGE + '\n');
      return EXIT.ok;
    }
    if (positionals.length !== 2) throw new SettingsError('compare needs two summary files: BASE.json NEW.json');
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'json') throw new SettingsError(`--format must be table or json, not ${JSON.stringify(format)}`);
    const thresholds: Thresholds = {
      p95IncreasePct: numberFlag('--p95-increase', values['p95-increase'], DEFAULT_THRESHOLDS.p95IncreasePct),
      dbReadsIncrease: numberFlag('--db-reads-increase', values['db-reads-increase'], DEFAULT_THRESHOLDS.dbReadsIncrease),
      failureRateIncreasePts: numberFlag('--failure-rate-increase', values['failure-rate-increase'], DEFAULT_THRESHOLDS.failureRateIncreasePts),
    };
    const comparison = compareSummaries(readSummary(positionals[0] as string), readSummary(positionals[1] as string), thresholds);
    if (format === 'json') out(JSON.stringify({ regressions: comparison.regressions.length, thresholds, rows: comparison.rows }, null, 2) + '\n');
    else err(comparisonTable(comparison));
    return comparison.regressions.length > 0 ? 1 : EXIT.ok;
  } catch (e) {
    if (e instanceof SettingsError || e instanceof IncomparableError) {
      err(`moodle-load compare: ${e.message}`);
      return EXIT.badInput;
    }
    if (e instanceof Error && 'code' in e && String((e as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) {
      err(`moodle-load compare: ${e.message.split('\n')[0]}; see --help`);
      return EXIT.badInput;
    }
    throw e;
  }
}
