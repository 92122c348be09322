// `moodle-load site snapshot --out FILE`: the Moodle database as a pg_dump custom-format
// file, a record of what it holds (FILE.meta.json), and with --with-dataroot the moodledata
// folders a run changes (FILE.dataroot.tar.gz).
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SettingsError } from '../../lib/run-settings';
import { DbTarget, describeTarget, pgEnv } from './db-target';
import { moodleVersion, prefixTables, runTool } from './pg-tools';

/** moodledata folders a load changes: session files, and Moodle's file caches (MUC). */
export const RUN_DATAROOT_DIRS = ['sessions', 'cache', 'localcache'] as const;

export interface SnapshotMeta {
  readonly format: 'moodle-load-snapshot/1';
  readonly taken_at: string;
  readonly moodle_version: string;
  readonly database: {
    readonly host: string;
    readonly port: number | null;
    readonly dbname: string;
    readonly user: string;
    readonly prefix: string;
  };
  readonly tables: number;
  /** The Moodle folder whose config.php named the database, for restores without flags. */
  readonly moodle_dir: string | null;
  /** moodledata and the folders saved from it (none without --with-dataroot). */
  readonly dataroot: string | null;
  readonly dataroot_dirs: readonly string[];
}

export const metaPathOf = (file: string) => `${file}.meta.json`;
export const datarootPathOf = (file: string) => `${file}.dataroot.tar.gz`;

/** Refuses a database without Moodle's config table and version row. */
export async function requireMoodle(t: DbTarget): Promise<string> {
  const version = await moodleVersion(t);
  if (version === null)
    throw new SettingsError(
      `${describeTarget(t)} does not look like a Moodle database (no table ${t.prefix}config with a version row); check --db-name and --db-prefix`,
    );
  return version;
}

export async function takeSnapshot(
  t: DbTarget,
  out: string,
  withDataroot: boolean,
  moodleDir: string | undefined,
  say: (line: string) => void,
): Promise<SnapshotMeta> {
  const version = await requireMoodle(t);
  const tables = await prefixTables(t);
  let dirs: string[] = [];
  if (withDataroot) {
    if (!t.dataroot) throw new SettingsError('--with-dataroot needs the moodledata folder: give --moodle-dir or --dataroot');
    if (!existsSync(t.dataroot) || !statSync(t.dataroot).isDirectory()) throw new SettingsError(`--dataroot ${t.dataroot} is not a folder`);
    dirs = RUN_DATAROOT_DIRS.filter((d) => existsSync(resolve(t.dataroot as string, d)));
  }
  mkdirSync(dirname(resolve(out)), { recursive: true });
  const started = Date.now();
  say(`site snapshot: dumping ${describeTarget(t)} (Moodle ${version}, ${tables.length} tables with prefix ${t.prefix}) to ${out}`);
  await runTool('pg_dump', ['--format=custom', '--file', out], pgEnv(t, process.env));
  if (dirs.length > 0) {
    say(`site snapshot: saving ${dirs.join(', ')} of ${t.dataroot} to ${datarootPathOf(out)}`);
    await runTool('tar', ['-C', t.dataroot as string, '-czf', datarootPathOf(out), ...dirs], process.env);
  }
  const meta: SnapshotMeta = {
    format: 'moodle-load-snapshot/1',
    taken_at: new Date(started).toISOString(),
    moodle_version: version,
    database: { host: t.host, port: t.port ?? null, dbname: t.dbname, user: t.user, prefix: t.prefix },
    tables: tables.length,
    moodle_dir: moodleDir === undefined ? null : resolve(moodleDir),
    dataroot: dirs.length > 0 ? (t.dataroot as string) : null,
    dataroot_dirs: dirs,
  };
  writeFileSync(metaPathOf(out), JSON.stringify(meta, null, 2) + '\n');
  say(`site snapshot: done in ${((Date.now() - started) / 1000).toFixed(1)} s (${(statSync(out).size / 1024 / 1024).toFixed(1)} MB)`);
  return meta;
}
