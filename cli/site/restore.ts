// `moodle-load site restore FILE`: puts a snapshot back. It first checks that the target is a
// Moodle database with the snapshot's prefix and says what it will drop; then drops the
// prefix's tables the snapshot does not have, restores with `pg_restore --clean --if-exists`
// in parallel jobs, runs ANALYZE, and replaces the moodledata folders the snapshot saved.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { SettingsError } from '../../lib/run-settings';
import { DbTarget, describeTarget, pgEnv, resolveTarget, TargetFlags } from './db-target';
import { dumpTables, prefixTables, psql, runTool } from './pg-tools';
import { datarootPathOf, metaPathOf, requireMoodle, SnapshotMeta } from './snapshot';

/** pg_restore jobs: one per core, at most this many (more only queue on the disk). */
const MAX_JOBS = 4;

export function readSnapshotMeta(file: string): SnapshotMeta {
  if (!existsSync(file)) throw new SettingsError(`snapshot ${file} does not exist`);
  let meta: SnapshotMeta;
  try {
    meta = JSON.parse(readFileSync(metaPathOf(file), 'utf8')) as SnapshotMeta;
  } catch (e) {
    throw new SettingsError(
      `snapshot ${file} has no readable ${metaPathOf(file)} (${(e as Error).message.split('\n')[0]}): was it made by moodle-load site snapshot?`,
    );
  }
  if (meta.format !== 'moodle-load-snapshot/1') throw new SettingsError(`${metaPathOf(file)} is not a moodle-load snapshot record`);
  return meta;
}

/** The database a snapshot goes back into: flags, else config.php, else what the snapshot recorded. */
export function restoreTarget(meta: SnapshotMeta, flags: TargetFlags): DbTarget {
  const d = meta.database;
  return resolveTarget(flags, process.env, {
    host: d.host,
    port: d.port ?? undefined,
    dbname: d.dbname,
    user: d.user,
    prefix: d.prefix,
    dataroot: meta.dataroot ?? undefined,
    moodleDir: meta.moodle_dir ?? undefined,
  });
}

export interface RestorePlan {
  readonly target: DbTarget;
  readonly meta: SnapshotMeta;
  /** Tables with the prefix that the snapshot does not hold: dropped. */
  readonly extraTables: readonly string[];
  readonly snapshotTables: number;
  readonly currentVersion: string;
}

export async function planRestore(file: string, flags: TargetFlags): Promise<RestorePlan> {
  const meta = readSnapshotMeta(file);
  const target = restoreTarget(meta, flags);
  if (target.prefix !== meta.database.prefix)
    throw new SettingsError(
      `the snapshot's tables have prefix ${meta.database.prefix}, the target's is ${target.prefix}: refusing to mix two sites`,
    );
  const currentVersion = await requireMoodle(target);
  const inDump = new Set(dumpTables(await runTool('pg_restore', ['--list', file], process.env)));
  if (inDump.size === 0) throw new SettingsError(`snapshot ${file} holds no table`);
  const extraTables = (await prefixTables(target)).filter((name) => !inDump.has(name));
  return { target, meta, extraTables, snapshotTables: inDump.size, currentVersion };
}

export function describePlan(p: RestorePlan, file: string): string[] {
  const lines = [
    `will replace ${describeTarget(p.target)} (now Moodle ${p.currentVersion}) with snapshot ${file} (Moodle ${p.meta.moodle_version}, taken ${p.meta.taken_at}): ` +
      `drops and recreates the snapshot's ${p.snapshotTables} tables, with their data, and its other objects`,
  ];
  if (p.currentVersion !== p.meta.moodle_version)
    lines.push(
      `the database is now at Moodle version ${p.currentVersion}, the snapshot at ${p.meta.moodle_version}: if the code is newer than the snapshot, run admin/cli/upgrade.php after the restore`,
    );
  if (p.extraTables.length > 0)
    lines.push(
      `will drop ${p.extraTables.length} table(s) with prefix ${p.target.prefix} that the snapshot does not have: ${p.extraTables.join(', ')}`,
    );
  if (p.meta.dataroot_dirs.length > 0)
    lines.push(`will replace ${p.meta.dataroot_dirs.join(', ')} in ${p.target.dataroot} with the snapshot's`);
  return lines;
}

export async function restoreSnapshot(file: string, flags: TargetFlags, dryRun: boolean, say: (line: string) => void): Promise<void> {
  const plan = await planRestore(file, flags);
  for (const line of describePlan(plan, file)) say(`site restore: ${line}`);
  if (dryRun) {
    say('site restore: --dry-run: nothing changed');
    return;
  }
  const t = plan.target;
  const started = Date.now();
  for (const table of plan.extraTables) await psql(t, `DROP TABLE IF EXISTS "${table}" CASCADE`);
  const jobs = Math.min(MAX_JOBS, availableParallelism());
  await runTool(
    'pg_restore',
    ['--clean', '--if-exists', '--no-owner', '--jobs', String(jobs), '--dbname', t.dbname, file],
    pgEnv(t, process.env),
  );
  await psql(t, 'ANALYZE');
  const dirs = plan.meta.dataroot_dirs;
  if (dirs.length > 0) {
    if (!t.dataroot)
      throw new SettingsError('the snapshot holds moodledata folders but no dataroot is known: give --moodle-dir or --dataroot');
    for (const d of dirs) rmSync(join(t.dataroot, d), { recursive: true, force: true });
    await runTool('tar', ['-C', t.dataroot, '-xzf', datarootPathOf(file)], process.env);
  }
  say(
    `site restore: done in ${((Date.now() - started) / 1000).toFixed(1)} s (ANALYZE included${dirs.length > 0 ? `, and ${dirs.join(', ')}` : ''})`,
  );
}
