// One k6 process, start to end: spawns it, forwards Ctrl-C and SIGTERM, reads its log stream
// for the script's records (lib/channel.ts) and its lines for the person, and resolves with the
// result. Every command that runs k6 (a run, bisect-check, the demo, segments) goes through here.
import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ChannelError, ChannelRecord, EndRecord } from '../../lib/channel';
import type { SetupData } from '../../lib/summary-files';
import { EXIT } from '../exit-codes';
import type { K6Invocation } from './invocation';
import { K6LogLine, parseK6LogLine, RepeatLimiter } from './k6-log';

/** How many lines of each kind of k6 warning are shown before they are only counted. */
const SHOWN_PER_K6_MESSAGE = 5;

export interface K6RunOptions {
  /** The k6 binary (cli/k6/binary.ts has checked it). */
  readonly k6: string;
  readonly invocation: K6Invocation;
  /** Every record the script writes, in order, as it comes. */
  readonly onRecord?: (record: ChannelRecord) => void;
  /** Lines for the person: the script's console lines and k6's own log, as text. */
  readonly onText: (line: string) => void;
}

export interface K6RunResult {
  /** k6's exit code; null when a signal ended it. */
  readonly exitCode: number | null;
  /** Whether Ctrl-C or SIGTERM stopped the run. */
  readonly interrupted: boolean;
  /** setup()'s data, when setup() finished. */
  readonly setup: SetupData | null;
  /** The script's last record: how the run ended and its summary (null when k6 wrote none: killed, crashed, or --stream-stats). */
  readonly end: EndRecord | null;
}

/** Runs that a signal stops. One handler serves them all, so N instances stop together. */
const live = new Set<K6Run>();
let interrupts = 0;

function onSignal(signal: NodeJS.Signals): void {
  interrupts++;
  for (const run of live) run.interrupt(signal, interrupts);
  if (interrupts > 1) process.exit(EXIT.interrupted);
}

function watchSignals(run: K6Run): void {
  if (live.size === 0) {
    interrupts = 0;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  live.add(run);
}

function unwatchSignals(run: K6Run): void {
  live.delete(run);
  if (live.size > 0) return;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

export class K6Run {
  /** Resolves when k6 has exited and its streams are read to the end. */
  readonly done: Promise<K6RunResult>;
  private readonly child: ChildProcess;
  private readonly limiter = new RepeatLimiter(SHOWN_PER_K6_MESSAGE);
  private interrupted = false;
  private setup: SetupData | null = null;
  private end: EndRecord | null = null;
  private channelFault: string | null = null;
  private readonly killAtExit = () => this.child.kill('SIGKILL');

  constructor(private readonly options: K6RunOptions) {
    this.child = spawn(options.k6, options.invocation.args, {
      // Its own process group: a terminal's Ctrl-C reaches only this process, which forwards it
      // once (a second SIGINT would make k6 skip its summary).
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.invocation.env,
    });
    process.on('exit', this.killAtExit);
    watchSignals(this);
    this.done = this.follow();
  }

  /** First signal: k6 stops the load and still writes its summary. A second: killed at once. */
  interrupt(signal: NodeJS.Signals, count: number): void {
    this.interrupted = true;
    if (count === 1) {
      this.options.onText(`moodle-load: ${signal}: stopping the run; the summary covers what ran (press Ctrl-C again to quit at once)`);
      this.child.kill('SIGINT');
    } else this.child.kill('SIGKILL');
  }

  private async follow(): Promise<K6RunResult> {
    // k6 prints nothing of ours on stdout (the summary goes to a file); its log is on stderr.
    const closed = [this.child.stdout, this.child.stderr].map((stream) => {
      const lines = createInterface({ input: stream as NodeJS.ReadableStream });
      lines.on('line', (line) => this.accept(line));
      return new Promise<void>((resolve) => lines.once('close', resolve));
    });
    const exitCode = await new Promise<number | null>((resolve) => this.child.once('close', resolve));
    await Promise.all(closed);
    process.off('exit', this.killAtExit);
    unwatchSignals(this);
    for (const line of this.limiter.held()) this.options.onText(line);
    if (this.channelFault !== null) this.options.onText(`moodle-load: ${this.channelFault}`);
    return { exitCode, interrupted: this.interrupted, setup: this.setup, end: this.end };
  }

  private accept(line: string): void {
    try {
      this.take(parseK6LogLine(line));
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
      // Said once, at the end: a bundle of another version writes every record wrong.
      this.channelFault ??= e.message;
    }
  }

  /** A line for the person, or a record (whose reader may throw ChannelError: a stats record naming no known series). */
  private take(parsed: K6LogLine): void {
    if (parsed.kind === 'text') {
      if (this.limiter.admit(parsed)) this.options.onText(parsed.text);
      return;
    }
    const { record } = parsed;
    if (record.type === 'setup') this.setup = record.data;
    else if (record.type === 'end') this.end = record.data;
    this.options.onRecord?.(record);
  }
}
