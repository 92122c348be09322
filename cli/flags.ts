// How a command's flags are declared, parsed and reported, on commander. Each flag is declared
// once (CliFlag: name, value, help, default, validation); commander tokenizes the command line
// and prints --help from the same declarations. Its errors arrive as typed codes and become our
// one-line messages ("unknown flag --x (did you mean --y?)", "--x needs a value"); its own
// error text is never printed nor read.
import { Command, CommanderError, Option } from 'commander';
import { SettingsError } from '../lib/run-settings';
import { nearest } from '../lib/suggest';
import type { RunIo } from './run';

/** What a flag was given on the command line, as commander collected it. */
/** false: a --no-X switch was given. */
export type Given = string | readonly string[] | boolean | undefined;

export interface CliFlag<T> {
  readonly flag: string;
  /** Its value's name in --help; absent: a switch, which takes no value. */
  readonly placeholder?: string;
  /** May be given more than once; the values are kept in order. */
  readonly repeatable?: boolean;
  readonly help: string;
  /** The typed value from what was given (undefined: absent); throws SettingsError naming the flag. */
  readonly read: (given: Given) => T;
}

export type FlagTable = Readonly<Record<string, CliFlag<unknown>>>;
export type FlagValues<T extends FlagTable> = { readonly [K in keyof T]: ReturnType<T[K]['read']> };

/** Checks one value of `flag` and converts it; throws SettingsError naming the flag. */
export type Parse<T> = (raw: string, flag: string) => T;

export function switchFlag(flag: string, help: string): CliFlag<boolean> {
  return { flag, help, read: (given) => given === true };
}

interface ValueSpec<T> {
  readonly placeholder: string;
  readonly help: string;
  readonly parse?: Parse<T>;
}

/** A flag with one value (the last one given wins); when absent, its default or undefined. */
export function valueFlag<T = string>(flag: string, spec: ValueSpec<T>): CliFlag<T | undefined>;
export function valueFlag<T>(flag: string, spec: ValueSpec<T> & { readonly defaultValue: T }): CliFlag<T>;
export function valueFlag<T>(flag: string, spec: ValueSpec<T> & { readonly defaultValue?: T }): CliFlag<T | undefined> {
  const parse = spec.parse ?? ((raw: string) => raw as unknown as T);
  const help = spec.defaultValue === undefined ? spec.help : `${spec.help} (default ${String(spec.defaultValue)})`;
  return {
    flag,
    placeholder: spec.placeholder,
    help,
    read: (given) => (given === undefined ? spec.defaultValue : parse(given as string, flag)),
  };
}

/** A flag that may be repeated: every value, in order (none: an empty list). */
export function listFlag<T = string>(flag: string, spec: ValueSpec<T>): CliFlag<T[]> {
  const parse = spec.parse ?? ((raw: string) => raw as unknown as T);
  return {
    flag,
    placeholder: spec.placeholder,
    repeatable: true,
    help: spec.help,
    read: (given) => ((given as string[] | undefined) ?? []).map((v) => parse(v, flag)),
  };
}

/** A number of at least `min` (a whole number when `whole`). */
export function numberAtLeast(min: number, whole = false): Parse<number> {
  return (raw, flag) => {
    const n = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(n) || n < min) throw new SettingsError(`${flag} must be a number of at least ${min}, not ${JSON.stringify(raw)}`);
    if (whole && !Number.isInteger(n)) throw new SettingsError(`${flag} must be a whole number, not ${JSON.stringify(raw)}`);
    return n;
  };
}

/** One of a few words. */
export function oneOf<T extends string>(...words: readonly T[]): Parse<T> {
  return (raw, flag) => {
    if (!(words as readonly string[]).includes(raw))
      throw new SettingsError(`${flag} must be ${words.join(' or ')}, not ${JSON.stringify(raw)}`);
    return raw as T;
  };
}

export function addFlags(cmd: Command, table: FlagTable): Command {
  for (const f of Object.values(table)) {
    const option = new Option(f.placeholder ? `${f.flag} <${f.placeholder}>` : f.flag, f.help);
    if (f.placeholder) {
      option.argParser((raw: string, previous: unknown) => {
        // commander takes the next word as the value even when it is a flag: `--config --rpm 60`.
        if (isFlagOf(cmd, raw)) cmd.error(`${f.flag} needs a value`, { code: FLAG_NEEDS_VALUE });
        return f.repeatable ? [...((previous as string[] | undefined) ?? []), raw] : raw;
      });
    }
    cmd.addOption(option);
  }
  return cmd;
}

export function readFlags<T extends FlagTable>(cmd: Command, table: T): FlagValues<T> {
  const values: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(table)) {
    const option = cmd.options.find((o) => o.long === f.flag);
    if (!option) throw new Error(`${f.flag} was not added to ${cmd.name()}`);
    values[key] = f.read(cmd.getOptionValue(option.attributeName()) as Given);
  }
  return values as FlagValues<T>;
}

/** The first of `flags` given on the command line, if any. */
export function givenFlag(cmd: Command, flags: readonly string[]): string | undefined {
  return flags.find((flag) => {
    const option = cmd.options.find((o) => o.long === flag);
    return option !== undefined && cmd.getOptionValue(option.attributeName()) !== undefined;
  });
}

/** How a command reports bad input: `<prefix>: <message>`, and its exit code. */
export interface CommandStyle {
  readonly prefix: string;
  readonly badInput: number;
}

/** What every command is built with; `exitCode` is set by the command that ran. */
export interface CliContext {
  readonly projectRoot: string;
  readonly io: RunIo;
  readonly argv: readonly string[];
  exitCode: number;
}

/** A command ended before or instead of its work: with `reason` (bad input) or none (--help, --version). */
export class CommandExit extends Error {
  constructor(
    readonly exitCode: number,
    readonly prefix: string,
    readonly reason?: string,
  ) {
    super(reason ?? `exit ${exitCode}`);
    this.name = 'CommandExit';
  }

  /** The line to print on stderr, if any. */
  get line(): string | undefined {
    return this.reason === undefined ? undefined : `${this.prefix}: ${this.reason}`;
  }
}

const FLAG_NEEDS_VALUE = 'moodle-load.flagNeedsValue';
const BAD_INPUT = 'moodle-load.badInput';

/** Help on stdout, nothing of commander's own on stderr, and its errors as CommandExit. */
export function configureCommand(cmd: Command, style: CommandStyle, ctx: CliContext): Command {
  return cmd
    .helpOption('--help', 'print this help')
    .showSuggestionAfterError(false)
    .configureOutput({
      writeOut: (text) => ctx.io.stdout(text),
      writeErr: (text) => ctx.io.stderr(text.trimEnd()),
      outputError: () => undefined,
    })
    .exitOverride((e) => {
      throw exitFor(e, cmd, style, ctx.argv);
    });
}

/** The command's work: its exit code goes to ctx; a SettingsError is bad input, reported in the command's style. */
export function setAction(cmd: Command, ctx: CliContext, work: () => number | Promise<number>): Command {
  const badInput = (e: unknown): never => {
    if (e instanceof SettingsError) cmd.error(e.message, { code: BAD_INPUT });
    throw e;
  };
  return cmd.action(() => {
    let result: number | Promise<number>;
    try {
      result = work();
    } catch (e) {
      return badInput(e);
    }
    if (typeof result === 'number') {
      ctx.exitCode = result;
      return undefined;
    }
    return result.then((code) => {
      ctx.exitCode = code;
    }, badInput);
  });
}

function exitFor(e: CommanderError, cmd: Command, style: CommandStyle, argv: readonly string[]): CommandExit {
  switch (e.code) {
    case 'commander.helpDisplayed':
    case 'commander.help':
    case 'commander.version':
      return new CommandExit(e.exitCode, style.prefix);
    case 'commander.unknownOption':
      return new CommandExit(style.badInput, style.prefix, unknownFlag(cmd));
    case 'commander.optionMissingArgument':
      // A value is missing only after the last word.
      return new CommandExit(style.badInput, style.prefix, `${argv[argv.length - 1]} needs a value`);
    case 'commander.excessArguments':
    case 'commander.unknownCommand':
      return new CommandExit(style.badInput, style.prefix, unexpected(cmd));
    case 'commander.missingArgument':
      return new CommandExit(
        style.badInput,
        style.prefix,
        `${commandPath(cmd)} needs ${cmd.registeredArguments.map((a) => a.name()).join(' ')}`,
      );
    default:
      // Ours (BAD_INPUT, FLAG_NEEDS_VALUE), raised with cmd.error().
      return new CommandExit(style.badInput, style.prefix, e.message);
  }
}

/** Every flag the command takes, for "did you mean". */
function flagsOf(cmd: Command): string[] {
  return [...cmd.options.map((o) => o.long).filter((f): f is string => f !== undefined), '--help'];
}

function isFlagOf(cmd: Command, word: string): boolean {
  return word.startsWith('--') && flagsOf(cmd).includes(word.split('=')[0] as string);
}

/** The nearest known flag to a mistyped one, if it is within a typo. */
export function suggestFlag(cmd: Command, unknown: string): string | undefined {
  return nearest(unknown, flagsOf(cmd));
}

/** commander keeps the words it did not take in cmd.args, the unknown flag first among those that start with "-". */
function unknownFlag(cmd: Command): string {
  const word = cmd.args.find((a) => a.length > 1 && a.startsWith('-') && Number.isNaN(Number(a))) ?? '';
  const name = word.split('=')[0] as string;
  if (word !== name && flagsOf(cmd).includes(name)) return `${name} takes no value`;
  const hint = suggestFlag(cmd, name);
  return `unknown flag ${name}${hint ? ` (did you mean ${hint}?)` : ''}; see --help`;
}

/** A word the command does not take: a mistyped command name when it is close to one. */
function unexpected(cmd: Command): string {
  const word = cmd.args[cmd.registeredArguments.length] ?? '';
  const command = nearest(
    word,
    cmd.commands.map((c) => c.name()),
  );
  if (command) return `unknown command ${JSON.stringify(word)} (did you mean ${command}?); see --help`;
  return `unexpected argument ${JSON.stringify(word)}; see --help`;
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
