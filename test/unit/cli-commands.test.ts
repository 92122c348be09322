// The commands' flags on commander: one-line errors in each command's style (prefix, exit code),
// help on stdout, and the shared text table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { bisectCheckCommand } from '../../cli/commands/bisect-check';
import { compareCommand } from '../../cli/commands/compare';
import { parseCliArgs } from '../../cli/commands/run';
import { siteCommand } from '../../cli/commands/site';
import { CliContext, CommandExit } from '../../cli/flags';
import { textTable } from '../../lib/text-table';
import { throwsMessage } from '../helpers/assert';

async function run(build: (ctx: CliContext) => Command, argv: string[]): Promise<{ code: number; line?: string; stdout: string }> {
  let stdout = '';
  const ctx: CliContext = { projectRoot: '', io: { stdout: (t) => (stdout += t), stderr: () => undefined }, argv, exitCode: 0 };
  try {
    await build(ctx).parseAsync(argv, { from: 'user' });
    return { code: ctx.exitCode, stdout };
  } catch (e) {
    if (!(e instanceof CommandExit)) throw e;
    return { code: e.exitCode, line: e.line, stdout };
  }
}

test('a flag without its value names the flag, at the end or before another flag; a switch takes no value', () => {
  throwsMessage(() => parseCliArgs(['--rpm', '1', '--config']), /^--config needs a value$/);
  throwsMessage(() => parseCliArgs(['--config', '--rpm', '1']), /^--config needs a value$/);
  throwsMessage(() => parseCliArgs(['--config', 'c', '--insecure=1']), /^--insecure takes no value$/);
  throwsMessage(() => parseCliArgs(['--config', 'c', 'extra']), /^unexpected argument "extra"; see --help$/);
  assert.equal(parseCliArgs(['--help']).kind, 'help');
  const later = parseCliArgs(['--config', 'a', '--rpm', '1', '--duration', '1', '--config', 'b']);
  assert.equal(later.kind === 'run' && later.options.settings.configPath, 'b', 'the last value wins');
});

test('each command reports bad input in its own style: compare and site exit 2, bisect-check 128', async () => {
  assert.deepEqual(await run(compareCommand, ['a.json', 'b.json', '--frmat', 'json']), {
    code: 2,
    line: 'moodle-load compare: unknown flag --frmat (did you mean --format?); see --help',
    stdout: '',
  });
  assert.equal(
    (await run(compareCommand, ['a.json', 'b.json', '--format', 'xml'])).line,
    'moodle-load compare: --format must be table or json, not "xml"',
  );
  assert.equal((await run(compareCommand, ['a.json'])).code, 2);
  assert.deepEqual(await run(bisectCheckCommand, ['--config', 'c', '--rpm', '1', '--duration', '1', '--basline', 'x']), {
    code: 128,
    line: 'bisect-check: unknown flag --basline (did you mean --baseline?); see --help',
    stdout: '',
  });
  assert.equal(
    (await run(bisectCheckCommand, ['--config', 'c', '--rpm', '1', '--duration', '1'])).line,
    'bisect-check: give either --baseline FILE (judge) or --save-baseline FILE (record on a good commit)',
  );
  assert.equal(
    (await run(siteCommand, ['snapshto'])).line,
    'moodle-load site: unknown command "snapshto" (did you mean snapshot?); see --help',
  );
  assert.equal((await run(siteCommand, ['snapshot', '--db-name', 'm'])).line, 'moodle-load site: site snapshot needs --out FILE');
});

test('--help prints the generated help on stdout and exits 0', async () => {
  const help = await run(compareCommand, ['--help']);
  assert.equal(help.code, 0);
  assert.equal(help.line, undefined);
  assert.match(help.stdout, /--p95-increase <PCT> +p95 may grow by this many percent \(default 10\)/);
  assert.match((await run(bisectCheckCommand, ['--help'])).stdout, /--config <FILE> +path to config\.json \(required\)[\s\S]*--keep-runs/);
  const site = await run(siteCommand, []);
  assert.equal(site.code, 0);
  assert.match(site.stdout, /snapshot[\s\S]*restore/);
});

test('text tables: columns as wide as their widest cell, figures right-aligned, no trailing spaces', () => {
  const table = textTable(
    [{ header: 'endpoint' }, { header: 'n', align: 'right' }, { header: 'note' }],
    [
      ['/my/', '1200', ''],
      ['/course/view.php', '7', 'slow'],
    ],
  );
  assert.equal(table, ['endpoint             n  note', '/my/              1200', '/course/view.php     7  slow'].join('\n'));
});
