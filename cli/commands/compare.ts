// moodle-load compare BASE.json NEW.json: two summaries side by side; exit 0 when no
// regression, 1 when any, 2 when the runs cannot be compared or the input is bad.
import { Command } from 'commander';
import { comparisonTable, compareSummaries, DEFAULT_THRESHOLDS, IncomparableError, Thresholds } from '../../analysis/compare';
import { SettingsError } from '../../lib/run-settings';
import { EXIT } from '../exit-codes';
import { readSummary } from '../summary-file';
import { addFlags, CliContext, configureCommand, FlagValues, numberAtLeast, oneOf, readFlags, setAction, valueFlag } from '../flags';

/** Some regression found. */
const REGRESSION = 1;

const FLAGS = {
  format: valueFlag('--format', {
    placeholder: 'table|json',
    help: 'table on stderr, or JSON on stdout',
    parse: oneOf('table', 'json'),
    defaultValue: 'table' as const,
  }),
  p95Increase: valueFlag('--p95-increase', {
    placeholder: 'PCT',
    help: 'p95 may grow by this many percent',
    parse: numberAtLeast(0),
    defaultValue: DEFAULT_THRESHOLDS.p95IncreasePct,
  }),
  dbReadsIncrease: valueFlag('--db-reads-increase', {
    placeholder: 'N',
    help: 'the median of DB reads per request may grow by N, per endpoint',
    parse: numberAtLeast(0),
    defaultValue: DEFAULT_THRESHOLDS.dbReadsIncrease,
  }),
  failureRateIncrease: valueFlag('--failure-rate-increase', {
    placeholder: 'PTS',
    help: 'failure rate may grow by this many points',
    parse: numberAtLeast(0),
    defaultValue: DEFAULT_THRESHOLDS.failureRateIncreasePts,
  }),
};

function compare(basePath: string, newPath: string, flags: FlagValues<typeof FLAGS>, ctx: CliContext): number {
  const thresholds: Thresholds = {
    p95IncreasePct: flags.p95Increase,
    dbReadsIncrease: flags.dbReadsIncrease,
    failureRateIncreasePts: flags.failureRateIncrease,
  };
  let comparison;
  try {
    comparison = compareSummaries(readSummary(basePath), readSummary(newPath), thresholds);
  } catch (e) {
    if (e instanceof IncomparableError) throw new SettingsError(e.message);
    throw e;
  }
  if (flags.format === 'json')
    ctx.io.stdout(JSON.stringify({ regressions: comparison.regressions.length, thresholds, rows: comparison.rows }, null, 2) + '\n');
  else ctx.io.stderr(comparisonTable(comparison));
  return comparison.regressions.length > 0 ? REGRESSION : EXIT.ok;
}

export function compareCommand(ctx: CliContext): Command {
  const cmd = configureCommand(new Command('compare'), { prefix: 'moodle-load compare', badInput: EXIT.badInput }, ctx)
    .description('Two run summaries side by side, per endpoint and overall, with the regressions the thresholds find.')
    .argument('<BASE.json>', 'summary of the run before')
    .argument('<NEW.json>', 'summary of the run after')
    .addHelpText(
      'after',
      `\nExit: ${EXIT.ok} no regression, ${REGRESSION} regression, ${EXIT.badInput} bad input or runs that cannot be compared.`,
    );
  addFlags(cmd, FLAGS);
  return setAction(cmd, ctx, () => compare(cmd.processedArgs[0] as string, cmd.processedArgs[1] as string, readFlags(cmd, FLAGS), ctx));
}
