// The folders say where code runs, and so what it may import (docs/development.md, *Layout*): lib/ and
// scenarios/ are bundled into k6 (no Node APIs, no npm packages, nothing Node-only), the rest
// runs in Node and never imports the k6 script's modules. This reads every import of every
// source file and fails on one that crosses a line.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/paths';

/** Where an import points: a project folder ("lib"), a root file ("package.json"), "node:", "k6" or "npm". */
type Target = string;

/** What each folder may import. Root JSON files (package.json, config.schema.json) are data, allowed everywhere. */
const ALLOWED: Readonly<Record<string, readonly Target[]>> = {
  lib: ['lib', 'json'],
  scenarios: ['lib', 'scenarios', 'k6', 'json'],
  analysis: ['analysis', 'lib', 'node:', 'json'],
  cli: ['cli', 'analysis', 'lib', 'sim', 'node:', 'json'],
  sim: ['sim', 'node:', 'json'],
  // Developer tools: anything that runs in Node, test helpers included.
  tools: ['tools', 'cli', 'analysis', 'lib', 'sim', 'test', 'node:', 'npm', 'json'],
  bench: ['bench', 'cli', 'analysis', 'lib', 'sim', 'test', 'node:', 'npm', 'json'],
  test: ['test', 'cli', 'analysis', 'lib', 'sim', 'tools', 'node:', 'npm', 'json'],
};

/** Single modules a folder may import beyond its rule: the CLI's exit-code table, which the
 *  bisect verdict reads a run's exit code with (pure data, no Node API); and commander, the
 *  CLI's one npm package (bundled into dist/cli.js). */
const ALLOWED_MODULES: Readonly<Record<string, readonly string[]>> = { analysis: ['cli/exit-codes'], cli: ['commander'] };

/** k6 scripts kept as plain JS beside the Node code (bench's bare-k6 baseline): they run in k6. */
const K6_SCRIPTS = new Set(['bench/bare-k6.js']);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (/\.(ts|mjs|js)$/.test(name)) out.push(rel);
  }
  return out;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3] ?? m[4]) as string);
}

function targetOf(file: string, spec: string): Target {
  if (spec.startsWith('node:')) return 'node:';
  if (spec === 'k6' || spec.startsWith('k6/')) return 'k6';
  if (!spec.startsWith('.')) return 'npm';
  const rel = relative(ROOT, normalize(join(ROOT, dirname(file), spec)));
  if (!rel.includes('/') && rel.endsWith('.json')) return 'json';
  return rel.split('/')[0] as string;
}

function violations(): string[] {
  const found: string[] = [];
  for (const folder of Object.keys(ALLOWED)) {
    for (const file of sources(folder)) {
      if (K6_SCRIPTS.has(file)) continue;
      for (const spec of importsOf(readFileSync(join(ROOT, file), 'utf8'))) {
        const target = targetOf(file, spec);
        const module = spec.startsWith('.') ? relative(ROOT, normalize(join(ROOT, dirname(file), spec))).replace(/\.ts$/, '') : spec;
        if ((ALLOWED_MODULES[folder] ?? []).includes(module)) continue;
        if (!(ALLOWED[folder] as readonly Target[]).includes(target))
          found.push(`${file} imports ${spec} (${folder}/ may import ${(ALLOWED[folder] as readonly Target[]).join(', ')})`);
      }
    }
  }
  return found;
}

test('no file imports across the lines of the layout', () => {
  assert.deepEqual(violations(), []);
});

test('the check sees imports in every form, so it can fail', () => {
  assert.deepEqual(
    importsOf(
      "import a from 'node:fs';\nimport type { B } from '../cli/args';\nexport { c } from \"./c\";\nimport 'k6/http';\nconst d = await import('../sim/server');",
    ),
    ['node:fs', '../cli/args', './c', 'k6/http', '../sim/server'],
  );
  assert.equal(targetOf('lib/x.ts', 'node:fs'), 'node:');
  assert.equal(targetOf('lib/x.ts', '../cli/args'), 'cli');
  assert.equal(targetOf('scenarios/k6/login.ts', '../../lib/config'), 'lib');
  assert.equal(targetOf('lib/summary.ts', '../package.json'), 'json');
  assert.equal(targetOf('lib/x.ts', 'ajv'), 'npm');
  assert.ok(!(ALLOWED.lib as readonly string[]).includes('node:'));
  assert.ok(!(ALLOWED.cli as readonly string[]).includes('scenarios'));
});

test('every source folder has a rule', () => {
  const folders = readdirSync(ROOT).filter(
    (d) =>
      statSync(join(ROOT, d)).isDirectory() && !d.startsWith('.') && !['node_modules', 'dist', 'results', 'grafana', 'deploy'].includes(d),
  );
  for (const d of folders) if (sources(d).length > 0) assert.ok(d in ALLOWED, `${d}/ holds sources but has no import rule`);
});
