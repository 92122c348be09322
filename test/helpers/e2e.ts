// Helpers for end-to-end tests: the simulator, config files, and the CLI or k6 as a child process.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecord } from '../../lib/channel';
import type { RequestLogRecord } from '../../lib/request-log';
import type { Simulator, SimUser } from '../../sim/server';
import { ROOT } from './paths';

export const K6 = join(ROOT, '.tools', 'bin', 'k6');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const SCENARIO = join(ROOT, 'dist', 'scenario.js');

/** Paths of the default config's URL templates: what the simulator counts as load. */
export const LOAD_PAGES = ['/my/', '/course/view.php', '/mod/forum/view.php', '/user/profile.php'];

/** The two ways a run counts its figures, for tests that must get the same answer from both: the VUs' own (the default), and k6's summary. */
export const COUNTING_MODES: readonly (readonly [label: string, flags: readonly string[]])[] = [
  ['', []],
  [" (--no-stream-stats: k6's summary)", ['--no-stream-stats']],
];

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'moodle-load-test-'));
}

export function writeConfig(
  dir: string,
  sim: Simulator,
  users: readonly SimUser[] = sim.users,
  extra: Record<string, unknown> = {},
): string {
  const path = join(dir, 'config.json');
  const config = {
    base_url: sim.url,
    users,
    parameters: { courseid: { min: 2, max: 500 }, cmid: { min: 10, max: 2000 }, userid: { min: 5, max: 10000 } },
    urls: [
      { path: '/my/' },
      { path: '/course/view.php?id={courseid}' },
      { path: '/mod/forum/view.php?id={cmid}' },
      { path: '/user/profile.php?id={userid}' },
    ],
    ...extra,
  };
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

export function servedLoad(sim: Simulator): number {
  const pages = sim.stats().pages;
  return LOAD_PAGES.reduce((sum, p) => sum + (pages[p] ?? 0), 0);
}

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  readonly child: ChildProcess;
  /** Resolves when the process exits; kills it after timeoutMs. */
  readonly done: Promise<Finished>;
  /** Resolves when stderr has printed a line matching the pattern. */
  waitForStderr(pattern: RegExp): Promise<void>;
}

export function start(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Running {
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    for (const w of waiters.filter((w) => w.pattern.test(stderr))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const done = new Promise<Finished>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return {
    child,
    done,
    waitForStderr: (pattern) =>
      new Promise<void>((resolve) => {
        if (pattern.test(stderr)) resolve();
        else waiters.push({ pattern, resolve });
      }),
  };
}

/**
 * Plain `k6 run dist/scenario.js` as a user starts it: each of env as `-e NAME=value`, k6Flags
 * before the script; options.script runs another build's bundle instead.
 */
export function runPlainK6(
  env: Record<string, string | number>,
  options: { cwd: string; timeoutMs: number; script?: string },
  k6Flags: readonly string[] = [],
): Running {
  const vars = Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]);
  const script = options.script ?? SCENARIO;
  return start(K6, ['run', '--quiet', '--no-usage-report', '--address', '', ...k6Flags, ...vars, script], options);
}

/** The request records (REQUEST_LOG=1) in a k6 JSON log's text. */
export function requestRecordsInLog(text: string): RequestLogRecord[] {
  const rows: RequestLogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const record = decodeRecord((JSON.parse(line) as { msg?: string }).msg ?? '');
    if (record?.type === 'request') rows.push(record.data);
  }
  return rows;
}

export function runCli(args: readonly string[], timeoutMs: number): Running {
  return start(process.execPath, [CLI, ...args], { timeoutMs });
}
