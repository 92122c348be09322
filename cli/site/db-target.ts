// Which database `site snapshot` / `site restore` work on: flags, else the site's config.php
// (--moodle-dir), else what the snapshot recorded. The password comes only from PGPASSWORD
// or config.php (never a flag: argv is visible to every user of the machine), and reaches
// the PostgreSQL tools through their environment.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SettingsError } from '../../lib/run-settings';
import { MoodleConfigError, parseMoodleConfig } from './moodle-config';

export interface DbTarget {
  /** Host name, IP, or a socket folder; empty: PostgreSQL's default socket. */
  readonly host: string;
  readonly port: number | undefined;
  readonly dbname: string;
  readonly user: string;
  readonly password: string | undefined;
  readonly prefix: string;
  readonly dataroot: string | undefined;
}

/** Flags naming the database (without dashes), shared by snapshot and restore. */
export interface TargetFlags {
  readonly 'moodle-dir'?: string;
  readonly 'db-host'?: string;
  readonly 'db-port'?: string;
  readonly 'db-name'?: string;
  readonly 'db-user'?: string;
  readonly 'db-prefix'?: string;
  readonly dataroot?: string;
}

export const TARGET_FLAG_HELP: Readonly<Record<keyof TargetFlags, string>> = {
  'moodle-dir': "the Moodle code folder: database settings and dataroot from its config.php (plain `$CFG->x = 'value';` lines)",
  'db-host': 'PostgreSQL host (default: config.php, else the local socket)',
  'db-port': 'PostgreSQL port (default: config.php dboptions dbport, else 5432)',
  'db-name': 'database name',
  'db-user': 'database user (its password: PGPASSWORD, or config.php)',
  'db-prefix': "Moodle's table prefix (default: config.php, else mdl_)",
  dataroot: 'moodledata folder (default: config.php)',
};

const MYSQL_TYPES = new Set(['mysqli', 'mariadb', 'auroramysql']);

export function readMoodleDir(dir: string): ReturnType<typeof parseMoodleConfig> {
  const file = join(dir, 'config.php');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SettingsError(`--moodle-dir: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return parseMoodleConfig(text, file);
  } catch (e) {
    if (e instanceof MoodleConfigError) throw new SettingsError(e.message);
    throw e;
  }
}

/** Refuses what is not PostgreSQL, with one line. */
export function checkDbType(dbtype: string): void {
  if (MYSQL_TYPES.has(dbtype))
    throw new SettingsError(
      `MySQL/MariaDB sites (dbtype '${dbtype}') are not supported yet: site snapshot and restore work with PostgreSQL (dbtype 'pgsql') only`,
    );
  if (dbtype !== 'pgsql')
    throw new SettingsError(`dbtype '${dbtype}' is not supported: site snapshot and restore work with PostgreSQL (dbtype 'pgsql') only`);
}

/** Flags first, then config.php, then the fallback (a snapshot's record). */
export function resolveTarget(
  flags: TargetFlags,
  env: NodeJS.ProcessEnv,
  fallback: Partial<DbTarget> & { moodleDir?: string } = {},
): DbTarget {
  const dir = flags['moodle-dir'] ?? fallback.moodleDir;
  const cfg = dir === undefined ? undefined : readMoodleDir(dir);
  if (cfg) checkDbType(cfg.dbtype);
  const portRaw = flags['db-port'];
  const port = portRaw === undefined ? (cfg?.dbport ?? fallback.port) : Number(portRaw);
  if (port !== undefined && (!Number.isInteger(port) || port <= 0 || port > 65535))
    throw new SettingsError(`--db-port must be a port number, not ${JSON.stringify(portRaw)}`);
  const host =
    flags['db-host'] ??
    (cfg ? (cfg.dbsocket && cfg.dbsocket.startsWith('/') ? cfg.dbsocket : cfg.dbsocket ? '' : cfg.dbhost) : fallback.host) ??
    '';
  const dbname = flags['db-name'] ?? cfg?.dbname ?? fallback.dbname;
  const user = flags['db-user'] ?? cfg?.dbuser ?? fallback.user;
  if (!dbname) throw new SettingsError('no database named: give --moodle-dir (the folder of config.php) or --db-name');
  if (!user) throw new SettingsError('no database user: give --moodle-dir (the folder of config.php) or --db-user');
  const prefix = flags['db-prefix'] ?? cfg?.prefix ?? fallback.prefix ?? 'mdl_';
  // The prefix is put into SQL identifiers: letters, digits and underscores only.
  if (!/^[A-Za-z0-9_]*$/.test(prefix))
    throw new SettingsError(`--db-prefix must hold letters, digits and underscores only, not ${JSON.stringify(prefix)}`);
  // A user named by flag whose password config.php does not hold (another user) needs PGPASSWORD.
  const password = env.PGPASSWORD ?? (cfg && cfg.dbuser === user ? cfg.dbpass : undefined);
  return { host, port, dbname, user, password, prefix, dataroot: flags.dataroot ?? cfg?.dataroot ?? fallback.dataroot };
}

/** "moodle_load on 127.0.0.1:5432 as moodle" (never the password). */
export function describeTarget(t: DbTarget): string {
  return `database ${t.dbname} on ${t.host || 'the local socket'}${t.port ? `:${t.port}` : ''} as ${t.user}`;
}

/** Environment for psql, pg_dump and pg_restore: the password never goes on their command line. */
export function pgEnv(t: DbTarget, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, PGDATABASE: t.dbname, PGUSER: t.user };
  if (t.host) out.PGHOST = t.host;
  else delete out.PGHOST;
  if (t.port) out.PGPORT = String(t.port);
  if (t.password !== undefined) out.PGPASSWORD = t.password;
  // Never wait forever for a lock held by a running request.
  out.PGOPTIONS = `${env.PGOPTIONS ?? ''} -c lock_timeout=30000`.trim();
  return out;
}
