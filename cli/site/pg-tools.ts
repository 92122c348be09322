// psql, pg_dump, pg_restore and tar as child processes (no shell), with the connection in
// their environment. Errors carry the tool's own last lines of stderr.
import { spawn } from 'node:child_process';
import { SettingsError } from '../../lib/run-settings';
import { DbTarget, pgEnv } from './db-target';

export class ToolError extends Error {}

export function runTool(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new SettingsError(`${command} is not installed (PostgreSQL's client tools are needed: apt-get install postgresql-client)`)
          : e,
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new ToolError(`${command} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** One SQL statement through psql; rows as lines, columns separated by '|'. */
export function psql(t: DbTarget, sql: string): Promise<string> {
  return runTool('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], pgEnv(t, process.env));
}

/** Moodle's version from <prefix>config, or null when the database does not look like Moodle. */
export async function moodleVersion(t: DbTarget): Promise<string | null> {
  const table = `${t.prefix}config`;
  const exists = (await psql(t, `SELECT to_regclass('${table}') IS NOT NULL`)).trim();
  if (exists !== 't') return null;
  const version = (await psql(t, `SELECT value FROM "${table}" WHERE name = 'version'`)).trim();
  return version === '' ? null : version;
}

/** Tables of the current schema whose name starts with the prefix. */
export async function prefixTables(t: DbTarget): Promise<string[]> {
  const rows = await psql(
    t,
    `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND left(tablename, ${t.prefix.length}) = '${t.prefix}' ORDER BY 1`,
  );
  return rows.split('\n').filter((l) => l !== '');
}

/** Table names in a custom-format dump's table of contents (`pg_restore -l`). */
export function dumpTables(toc: string): string[] {
  const out: string[] = [];
  for (const line of toc.split('\n')) {
    // "123; 1259 16390 TABLE public mdl_config moodle"
    const m = /^\d+;\s+\d+\s+\d+\s+TABLE\s+(?!DATA\s)(\S+)\s+(\S+)\s/.exec(line);
    if (m) out.push(m[2] as string);
  }
  return out;
}
