// moodle-load site snapshot|restore: the same site state for every run (PostgreSQL Moodle).
import { parseArgs } from 'node:util';
import { SettingsError } from '../../lib/run-settings';
import { EXIT } from '../exit-codes';
import type { RunIo } from '../run';
import { resolveTarget, TARGET_FLAG_HELP, TargetFlags } from './db-target';
import { ToolError } from './pg-tools';
import { restoreSnapshot } from './restore';
import { takeSnapshot } from './snapshot';

/** A PostgreSQL tool or tar failed (its own message follows). */
const TOOL_FAILED = 1;

const TARGET_OPTIONS = Object.fromEntries(Object.keys(TARGET_FLAG_HELP).map((k) => [k, { type: 'string' as const }]));

const USAGE = `usage: moodle-load site snapshot --out FILE [--with-dataroot] [database flags]
       moodle-load site restore FILE [--dry-run] [database flags]

snapshot: the Moodle database as a pg_dump custom-format FILE, a record FILE.meta.json, and with
  --with-dataroot the moodledata folders a run changes (sessions, cache, localcache) in FILE.dataroot.tar.gz.
restore: says what it will drop, then drops the prefix's tables the snapshot lacks, pg_restore --clean
  --if-exists in parallel, ANALYZE, and puts back the saved moodledata folders. --dry-run only says it.
  Without database flags it restores into the database the snapshot came from.
Both refuse a database without Moodle's <prefix>config table and version row. PostgreSQL only.

Database flags (the password: PGPASSWORD, or config.php; never a flag):
${Object.entries(TARGET_FLAG_HELP)
  .map(([k, h]) => `  --${k.padEnd(14)}${h}`)
  .join('\n')}`;

export async function siteCommand(argv: readonly string[], io: RunIo): Promise<number> {
  const say = (line: string) => io.stderr(`moodle-load ${line}`);
  const sub = argv[0];
  try {
    if (sub === undefined || sub === '--help' || sub === 'help') {
      io.stdout(USAGE + '\n');
      return EXIT.ok;
    }
    if (sub !== 'snapshot' && sub !== 'restore') throw new SettingsError(`site: unknown command ${JSON.stringify(sub)}: use site snapshot or site restore (see moodle-load site --help)`);
    const { values, positionals } = parseArgs({
      args: argv.slice(1),
      allowPositionals: true,
      strict: true,
      options: { ...TARGET_OPTIONS, out: { type: 'string' }, 'with-dataroot': { type: 'boolean' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean' } },
    });
    if (values.help) {
      io.stdout(USAGE + '\n');
      return EXIT.ok;
    }
    const flags = values as TargetFlags;
    if (sub === 'snapshot') {
      if (positionals.length > 0) throw new SettingsError(`site snapshot takes no file argument (${positionals[0]}): use --out FILE`);
      if (!values.out) throw new SettingsError('site snapshot needs --out FILE');
      if (!flags['moodle-dir'] && !flags['db-name']) throw new SettingsError('site snapshot needs --moodle-dir (the folder of config.php) or --db-name');
      const target = resolveTarget(flags, process.env);
      await takeSnapshot(target, values.out, values['with-dataroot'] === true, flags['moodle-dir'], say);
    } else {
      if (positionals.length !== 1) throw new SettingsError('site restore needs one snapshot FILE');
      await restoreSnapshot(positionals[0] as string, flags, values['dry-run'] === true, say);
    }
    return EXIT.ok;
  } catch (e) {
    if (e instanceof SettingsError || e instanceof ToolError) {
      io.stderr(`moodle-load site: ${e.message}`);
      return e instanceof SettingsError ? EXIT.badInput : TOOL_FAILED;
    }
    if (e instanceof Error && 'code' in e && String((e as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`moodle-load site: ${e.message.split('\n')[0]}; see moodle-load site --help`);
      return EXIT.badInput;
    }
    throw e;
  }
}
