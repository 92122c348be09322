// moodle-load site snapshot|restore: the same site state for every run (PostgreSQL Moodle).
import { Command } from 'commander';
import { SettingsError } from '../../lib/run-settings';
import { EXIT } from '../exit-codes';
import { addFlags, CliContext, CliFlag, CommandStyle, configureCommand, readFlags, setAction, switchFlag, valueFlag } from '../flags';
import { resolveTarget, TARGET_FLAG_HELP, TargetFlags } from '../site/db-target';
import { ToolError } from '../site/pg-tools';
import { restoreSnapshot } from '../site/restore';
import { takeSnapshot } from '../site/snapshot';

/** A PostgreSQL tool or tar failed (its own message follows). */
const TOOL_FAILED = 1;

const STYLE: CommandStyle = { prefix: 'moodle-load site', badInput: EXIT.badInput };

/** The database flags of snapshot and restore (--db-host HOST...), keyed as TargetFlags. */
const TARGET_FLAGS = Object.fromEntries(
  Object.entries(TARGET_FLAG_HELP).map(([name, help]) => [
    name,
    valueFlag(`--${name}`, { placeholder: name === 'dataroot' ? 'DIR' : (name.split('-').pop() as string).toUpperCase(), help }),
  ]),
) as Readonly<Record<keyof TargetFlags, CliFlag<string | undefined>>>;

const SNAPSHOT_FLAGS = {
  out: valueFlag('--out', { placeholder: 'FILE', help: 'the snapshot: a pg_dump custom-format FILE and its record FILE.meta.json' }),
  withDataroot: switchFlag(
    '--with-dataroot',
    'also the moodledata folders a run changes (sessions, cache, localcache), in FILE.dataroot.tar.gz',
  ),
};

const RESTORE_FLAGS = { dryRun: switchFlag('--dry-run', 'only say what the restore would drop and replace') };

const DATABASE_HELP = [
  '',
  'The password: PGPASSWORD, or config.php; never a flag (the command line is visible to every user).',
  "snapshot and restore refuse a database without Moodle's <prefix>config table and version row. PostgreSQL only.",
].join('\n');

/** The work of a site command; a failed PostgreSQL tool or tar exits TOOL_FAILED with its message. */
async function siteWork(ctx: CliContext, work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof ToolError)) throw e;
    ctx.io.stderr(`${STYLE.prefix}: ${e.message}`);
    return TOOL_FAILED;
  }
}

function snapshotCommand(ctx: CliContext, say: (line: string) => void): Command {
  const cmd = configureCommand(new Command('snapshot'), STYLE, ctx).description(
    'Saves the Moodle database (and with --with-dataroot the moodledata folders a run changes).',
  );
  addFlags(addFlags(cmd, SNAPSHOT_FLAGS), TARGET_FLAGS).addHelpText('after', DATABASE_HELP);
  return setAction(cmd, ctx, () => {
    const f = readFlags(cmd, SNAPSHOT_FLAGS);
    const target: TargetFlags = readFlags(cmd, TARGET_FLAGS);
    if (!f.out) throw new SettingsError('site snapshot needs --out FILE');
    if (!target['moodle-dir'] && !target['db-name'])
      throw new SettingsError('site snapshot needs --moodle-dir (the folder of config.php) or --db-name');
    return siteWork(ctx, () =>
      takeSnapshot(resolveTarget(target, process.env), f.out as string, f.withDataroot, target['moodle-dir'], say).then(() => undefined),
    );
  });
}

function restoreCommand(ctx: CliContext, say: (line: string) => void): Command {
  const cmd = configureCommand(new Command('restore'), STYLE, ctx)
    .description(
      "Says what it will drop, then drops the prefix's tables the snapshot lacks, pg_restore --clean --if-exists in parallel, ANALYZE, and puts back the saved moodledata folders. Without database flags it restores into the database the snapshot came from.",
    )
    .argument('<FILE>', 'a snapshot made by site snapshot');
  addFlags(addFlags(cmd, RESTORE_FLAGS), TARGET_FLAGS).addHelpText('after', DATABASE_HELP);
  return setAction(cmd, ctx, () =>
    siteWork(ctx, () =>
      restoreSnapshot(cmd.processedArgs[0] as string, readFlags(cmd, TARGET_FLAGS), readFlags(cmd, RESTORE_FLAGS).dryRun, say),
    ),
  );
}

export function siteCommand(ctx: CliContext): Command {
  const say = (line: string) => ctx.io.stderr(`moodle-load ${line}`);
  const cmd = configureCommand(new Command('site'), STYLE, ctx)
    .description('The same site state for every run: a snapshot of a PostgreSQL Moodle site, restored before each run.')
    .addCommand(snapshotCommand(ctx, say))
    .addCommand(restoreCommand(ctx, say))
    .helpCommand('help [command]', 'print the help of a command');
  // `site` alone: its help.
  return setAction(cmd, ctx, () => {
    cmd.outputHelp();
    return EXIT.ok;
  });
}
