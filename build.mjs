// Bundles the TypeScript sources: scenarios/*.ts into k6 scripts (dist/<name>.js, ES modules,
// k6's built-in modules left as imports) and the Node programs (CLI, simulator, demo).
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';

const scenarios = readdirSync('scenarios')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `scenarios/${f}`);

await build({
  entryPoints: scenarios,
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2020',
  external: ['k6', 'k6/*'],
  // k6 reads an inline source map, so a stack trace names our .ts file and line.
  sourcemap: 'inline',
  logLevel: 'warning',
});

await build({
  entryPoints: { cli: 'cli/main.ts', sim: 'sim/main.ts', demo: 'cli/demo.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  // With process.setSourceMapsEnabled(true) at start-up, Node's stack traces name the .ts line.
  sourcemap: 'inline',
  logLevel: 'warning',
});
