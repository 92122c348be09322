// Bundles the TypeScript sources: scenarios/*.ts into k6 scripts (dist/<name>.js, ES modules,
// k6's built-in modules left as imports), the two parts the scenario loads where needed
// (dist/scenario-control.js and dist/scenario-browser.js), and the Node programs (CLI,
// simulator, demo).
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';

const scenarios = readdirSync('scenarios')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `scenarios/${f}`);

// Files dist/scenario.js loads with k6's require() where needed, so that a load VU does not
// evaluate them (scenarios/scenario.ts): its __VU 0 part, browser emulation, and journeys.
const PARTS = {
  'scenario-control': 'scenarios/k6/control.ts',
  'scenario-browser': 'scenarios/k6/page-view.ts',
  'scenario-journeys': 'scenarios/k6/journey-runner.ts',
};

const k6Bundle = {
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2020',
  // k6 reads an inline source map, so a stack trace names our .ts file and line.
  sourcemap: 'inline',
  logLevel: 'warning',
};

await build({
  ...k6Bundle,
  entryPoints: scenarios,
  // The parts stay files of their own (k6 loads them beside the script), not inlined.
  external: ['k6', 'k6/*', ...Object.keys(PARTS).map((name) => `./${name}.js`)],
});

await build({ ...k6Bundle, entryPoints: PARTS, external: ['k6', 'k6/*'] });

await build({
  entryPoints: { cli: 'cli/main.ts', sim: 'sim/main.ts', demo: 'cli/demo.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // commander is CommonJS: its require('node:events') needs a real require in an ES module bundle.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as moodleLoadRequire } from 'node:module';\nconst require = moodleLoadRequire(import.meta.url);",
  },
  // With process.setSourceMapsEnabled(true) at start-up, Node's stack traces name the .ts line.
  sourcemap: 'inline',
  logLevel: 'warning',
});
