// A deploy: the user's shell command template, run for one side before each of its runs (for example
// `git checkout {rev} && php admin/cli/upgrade.php --non-interactive && php admin/cli/purge_caches.php`).
// `{rev}` and `{side}` become quoted references to MOODLE_LOAD_REV and MOODLE_LOAD_SIDE, set in the
// command's environment, not the values themselves: a value pasted into the command, even in single
// quotes, would run a `$(...)` it holds where the user wrote the placeholder inside double quotes,
// while an expansion is never parsed as code, in or out of quotes. The template itself is the user's
// and runs as written (bash -c). Its output goes to a log file, never to the terminal, where an
// upgrade's hundreds of lines would bury the runs' progress; a failure quotes the last lines. The
// command runs in its own process group: a terminal's Ctrl-C reaches only moodle-load, which stops
// between steps and leaves no half-done upgrade behind, and a timeout kills the whole group (a php
// under bash included).
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { Side } from './schedule';

/** Lines of the deploy's output quoted when it fails. */
export const QUOTED_LINES = 10;
/** At most this much of the log's end is read for the quoted lines. */
const TAIL_BYTES = 64 * 1024;
/** After the timeout's SIGTERM, the group gets this long to exit before SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 5_000;

export interface DeploySpec {
  readonly template: string;
  readonly side: Side;
  readonly rev: string;
  /** The deploy's output is appended here, after a header line naming the side, revision and command. */
  readonly logPath: string;
  readonly timeoutSec: number;
  readonly cwd?: string;
  readonly killGraceMs?: number;
}

export interface DeployResult {
  readonly ok: boolean;
  /** The command's exit code; null when it was killed by a signal or did not start. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly seconds: number;
  /** The last lines of its output (QUOTED_LINES at most). */
  readonly lastLines: string[];
  /** One line: what ran and how it ended, with the last lines when it failed. */
  readonly message: string;
}

/** `{rev}` or `{side}`, with the user's double quotes around it if any (`${rev}` is bash's own and left alone). */
const PLACEHOLDER = /"\{(rev|side)\}"|(?<!\$)\{(rev|side)\}/g;
const VARIABLE = { rev: 'MOODLE_LOAD_REV', side: 'MOODLE_LOAD_SIDE' } as const;

/** The command bash runs: each placeholder replaced by its variable's expansion, in double quotes. */
export function deployCommand(template: string): string {
  return template.replace(PLACEHOLDER, (_, quoted: 'rev' | 'side' | undefined, bare: 'rev' | 'side' | undefined) => {
    return `"\${${VARIABLE[(quoted ?? bare) as 'rev' | 'side']}}"`;
  });
}

/**
 * What is wrong with a template, or null. In single quotes a placeholder would stay as written; a
 * template without a placeholder or the variables deploys the same code for both sides.
 */
export function templateProblem(template: string): string | null {
  if (template.trim() === '') return 'the deploy command is empty';
  if (/'\{(rev|side)\}'/.test(template))
    return 'write {rev} and {side} without single quotes around them: in single quotes they stay as written';
  if (!new RegExp(PLACEHOLDER.source).test(template) && !/MOODLE_LOAD_(REV|SIDE)/.test(template))
    return 'the deploy command names neither {rev} nor {side} (nor $MOODLE_LOAD_REV / $MOODLE_LOAD_SIDE): it would deploy the same code for both sides';
  return null;
}

/** A deploy for each side of one A/B judgement, each run logged to the same file. */
export function deployer(
  template: string,
  revs: Readonly<Record<Side, string>>,
  options: Omit<DeploySpec, 'template' | 'side' | 'rev'>,
): (side: Side) => Promise<DeployResult> {
  return (side) => runDeploy({ ...options, template, side, rev: revs[side] });
}

/** Runs the deploy for one side to its end (or its timeout); never throws for the command's own failure. */
export async function runDeploy(spec: DeploySpec): Promise<DeployResult> {
  const command = deployCommand(spec.template);
  appendFileSync(spec.logPath, `\n# ${new Date().toISOString()} deploy ${spec.side} (rev ${spec.rev}): ${spec.template}\n`);
  const from = statSync(spec.logPath).size;
  const t0 = Date.now();
  const end = await runLogged(command, spec);
  const seconds = (Date.now() - t0) / 1000;
  const lastLines = tailLines(spec.logPath, from, QUOTED_LINES);
  const ok = end.exitCode === 0 && !end.timedOut && end.error === null;
  const how = end.error ?? (end.timedOut ? `timed out after ${spec.timeoutSec} s (killed)` : exitText(end.exitCode, end.signal));
  const quoted = ok || lastLines.length === 0 ? '' : `; its last lines: ${lastLines.join(' | ')}`;
  const message = `deploy ${spec.side} (rev ${spec.rev}) ${ok ? 'done' : 'failed'}: ${how}, ${seconds.toFixed(1)} s (log: ${spec.logPath})${quoted}`;
  return { ok, exitCode: end.exitCode, signal: end.signal, timedOut: end.timedOut, seconds, lastLines, message };
}

const exitText = (code: number | null, signal: NodeJS.Signals | null) => (signal !== null ? `killed by ${signal}` : `exit ${code}`);

interface ProcessEnd {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** The command did not start (no bash, no such directory). */
  readonly error: string | null;
}

function runLogged(command: string, spec: DeploySpec): Promise<ProcessEnd> {
  // spawn names bash, not the directory, when the directory is missing.
  if (spec.cwd !== undefined && !existsSync(spec.cwd))
    return Promise.resolve({ exitCode: null, signal: null, timedOut: false, error: `did not start: no directory ${spec.cwd}` });
  const fd = openSync(spec.logPath, 'a');
  const env = { ...process.env, MOODLE_LOAD_REV: spec.rev, MOODLE_LOAD_SIDE: spec.side };
  return new Promise<ProcessEnd>((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd: spec.cwd, env, stdio: ['ignore', fd, fd], detached: true });
    // The child holds its own copy of the descriptor.
    closeSync(fd);
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // The group is gone already.
      }
    };
    const killAtExit = () => killGroup('SIGKILL');
    process.on('exit', killAtExit);
    let timedOut = false;
    let killed: Promise<void> = Promise.resolve();
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      // bash may go at once while a php under it ignores SIGTERM: the group is killed after the grace whatever bash did.
      killed = new Promise((done) => setTimeout(() => done(killGroup('SIGKILL')), spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS));
    }, spec.timeoutSec * 1000);
    let finished = false;
    // A command that cannot start emits 'error' and may emit 'close' after it: the first one counts.
    const finish = (end: Omit<ProcessEnd, 'timedOut'>) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      void killed.then(() => {
        process.off('exit', killAtExit);
        resolve({ ...end, timedOut });
      });
    };
    child.once('error', (e) => finish({ exitCode: null, signal: null, error: `did not start: ${e.message}` }));
    child.once('close', (exitCode, signal) => finish({ exitCode, signal, error: null }));
  });
}

/** The last `n` non-blank lines written to the file from byte `from` on. */
export function tailLines(path: string, from: number, n: number): string[] {
  const size = statSync(path).size;
  const start = Math.max(from, size - TAIL_BYTES);
  const buffer = Buffer.alloc(size - start);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  return buffer
    .toString('utf8')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .slice(-n);
}
