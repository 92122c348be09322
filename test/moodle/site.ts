// Helpers for the real-site suite (make test-moodle): the site `make moodle-site` built, its nginx
// access log, its session files, and moodle-load runs against it.
import { existsSync, openSync, readFileSync, readSync, readdirSync, statSync, unlinkSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, type Finished } from '../helpers/e2e';

export const SITE_DIR = process.env.MOODLE_SITE_DIR ?? '/var/tmp/moodle-load-site';
export const SITE_CONFIG = join(SITE_DIR, 'moodle-load.json');
export const ACCESS_LOG = join(SITE_DIR, 'logs', 'access.log');
export const SESSIONS_DIR = join(SITE_DIR, 'data', 'sessions');
export const LOGIN_PATH = '/login/index.php';

/** The ids make moodle-load site wrote in ids.json (inventory.md says the same for people). */
export interface SiteIds {
  /** The plan's course: every user of the users file is enrolled. */
  readonly course: number;
  readonly page: number;
  readonly forum: number;
  readonly user: number;
  /** A course nobody is enrolled in. */
  readonly not_enrolled: number;
  /** A user id that does not exist. */
  readonly missing_user: number;
  readonly pages: readonly number[];
  readonly users: readonly number[];
}

export interface SiteConfig {
  readonly base_url: string;
  readonly users_file: string;
  readonly parameters: Record<string, { min: number; max: number }>;
  readonly urls: readonly { name: string; path: string }[];
}

function requireSite(): void {
  if (!existsSync(SITE_CONFIG)) throw new Error(`no Moodle site: ${SITE_CONFIG} is missing (run make moodle-site MOODLE_SRC=...)`);
}

export function siteConfig(): SiteConfig {
  requireSite();
  return JSON.parse(readFileSync(SITE_CONFIG, 'utf8')) as SiteConfig;
}

export function siteIds(): SiteIds {
  requireSite();
  return JSON.parse(readFileSync(join(SITE_DIR, 'ids.json'), 'utf8')) as SiteIds;
}

/** Number of lines of the site's users file (no header). */
export function usersInFile(): number {
  return readFileSync(join(SITE_DIR, siteConfig().users_file), 'utf8').trim().split('\n').length;
}

/**
 * A config for the site in a temporary directory: the site's own, with other urls when given.
 * users_file is made absolute (the site's config names it relative to itself).
 */
export function writeSiteConfig(urls?: readonly { name: string; path: string }[]): string {
  const config = siteConfig();
  const dir = tempDir();
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ ...config, users_file: join(SITE_DIR, config.users_file), urls: urls ?? config.urls }, null, 2));
  return path;
}

/** One line of the site's nginx access log (moodle-site/templates/nginx.conf, format moodleload). */
export interface AccessEntry {
  readonly msec: number;
  readonly method: string;
  readonly uri: string;
  readonly status: number;
  readonly request_time: number;
  readonly connection: number;
  readonly user_agent: string;
}

/** Byte offset of the end of the access log: entries after it are the ones a test caused. */
export function accessLogMark(): number {
  return statSync(ACCESS_LOG).size;
}

/** Entries written after `mark`. nginx writes each line at the end of its request. */
export function accessLogSince(mark: number): AccessEntry[] {
  const size = statSync(ACCESS_LOG).size;
  const buffer = Buffer.alloc(size - mark);
  const fd = openSync(ACCESS_LOG, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, mark);
  } finally {
    closeSync(fd);
  }
  return buffer
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AccessEntry);
}

/** Path of a URI without its query. */
export function pathOnly(uri: string): string {
  const q = uri.indexOf('?');
  return q < 0 ? uri : uri.slice(0, q);
}

/** moodle-load's requests are the k6 ones (its user agent); login requests are those to the login page. */
export function isK6(entry: AccessEntry): boolean {
  return entry.user_agent.startsWith('moodle-load');
}

export function isLoad(entry: AccessEntry): boolean {
  return isK6(entry) && pathOnly(entry.uri) !== LOGIN_PATH;
}

/** Deletes every session file of the site (Moodle's default file session handler). Returns how many. */
export function deleteSessions(): number {
  let n = 0;
  for (const name of readdirSync(SESSIONS_DIR)) {
    if (!name.startsWith('sess_')) continue;
    try {
      unlinkSync(join(SESSIONS_DIR, name));
      n++;
    } catch {
      // a session PHP removed itself in between
    }
  }
  return n;
}

export function countSessionFiles(): number {
  return readdirSync(SESSIONS_DIR).filter((n) => n.startsWith('sess_')).length;
}

export interface RunResult {
  readonly finished: Finished;
  readonly summary: Summary;
  readonly log: RequestLogLine[];
  /** Access log entries of this run (everything the site served while it ran). */
  readonly access: AccessEntry[];
}

/** The parts of the summary JSON this suite reads. */
export interface Summary {
  readonly total: number;
  readonly success: number;
  readonly failures: number;
  readonly attempts: number;
  readonly failure_reasons: Record<string, number>;
  readonly sessions: { logged_in: number; attempted: number; failed_users: unknown[] };
  readonly relogins: { success: number; failure: number };
  readonly server: ServerFigures | null;
  readonly endpoints: Record<string, EndpointSummary>;
}

export interface ServerFigures {
  readonly requests: number;
  readonly time_ms_mean: number;
  readonly time_ms_p95: number;
  readonly db_reads_mean: number;
  readonly db_writes_mean: number;
  readonly db_time_ms_mean: number;
  readonly ram_peak_mb_mean: number;
  readonly included_files_mean: number;
  readonly session_wait_ms_mean: number;
}

export interface EndpointSummary {
  readonly path: string;
  readonly total: number;
  readonly success: number;
  readonly failures: number;
  readonly attempts: number;
  readonly failure_reasons: Record<string, number>;
  readonly server: ServerFigures | null;
}

/** One line of moodle-load's request log (--log FILE.jsonl). */
export interface RequestLogLine {
  readonly time: string;
  readonly phase: string;
  readonly endpoint: string;
  readonly path: string;
  readonly status: number;
  readonly latency_ms: number;
  readonly outcome: 'success' | 'failure';
  readonly reason: string;
  readonly vu: number;
  readonly iteration: number;
  readonly db_reads: number | null;
  readonly db_writes: number | null;
  readonly server_ms: number | null;
}

export interface LoadOptions {
  readonly config: string;
  /** The open model's target rate; omitted for the closed model (--think-time in `args`), which refuses --rpm. */
  readonly rpm?: number;
  readonly durationSec: number;
  readonly concurrency: number;
  /** Same seed, same URL sequence (default 1: the suite's counts are the same run after run). */
  readonly seed?: number;
  /** More run flags (--users, --think-time, --ramp, ...). */
  readonly args?: readonly string[];
  /** Called once the CLI has started (the test may act on the site during the run). */
  readonly during?: (stderrLine: (pattern: RegExp) => Promise<void>) => Promise<void>;
}

/** Runs moodle-load against the site with a request log, and collects what the site served meanwhile. */
export async function runLoad(options: LoadOptions): Promise<RunResult> {
  const dir = tempDir();
  const summaryPath = join(dir, 'summary.json');
  const logPath = join(dir, 'requests.jsonl');
  const mark = accessLogMark();
  const running = runCli(
    [
      '--config',
      options.config,
      ...(options.rpm === undefined ? [] : ['--rpm', String(options.rpm)]),
      ...(options.args ?? []),
      '--duration',
      String(options.durationSec),
      '--concurrency',
      String(options.concurrency),
      '--seed',
      String(options.seed ?? 1),
      '--progress',
      '1',
      '--summary',
      summaryPath,
      '--log',
      logPath,
    ],
    (options.durationSec + 120) * 1000,
  );
  if (options.during) await options.during((pattern) => running.waitForStderr(pattern));
  const finished = await running.done;
  if (finished.code !== 0) throw new Error(`moodle-load exited ${finished.code}:\n${finished.stderr.slice(-2000)}`);
  // nginx logs a request when it ends; every request has ended once k6 has exited.
  const access = accessLogSince(mark);
  const summary = JSON.parse(finished.stdout) as Summary;
  const log = readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RequestLogLine);
  return { finished, summary, log, access };
}

/**
 * A short load over every page type, so the test after it does not pay for Moodle's cache builds: after
 * `purge_caches.php` (the bisect test ends with one) the first requests of each page take seconds.
 */
export async function warmSite(): Promise<void> {
  const running = runCli(
    [
      '--config',
      writeSiteConfig(),
      '--rpm',
      '240',
      '--duration',
      '10',
      '--concurrency',
      '8',
      '--seed',
      '1',
      '--progress',
      '30',
      '--summary',
      join(tempDir(), 'warm.json'),
    ],
    130_000,
  );
  const finished = await running.done;
  if (finished.code !== 0) throw new Error(`warming the site: moodle-load exited ${finished.code}:\n${finished.stderr.slice(-2000)}`);
}

/** Counts of items by key. */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}
