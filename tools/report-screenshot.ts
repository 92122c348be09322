// `make report-screenshot`: a short run against the simulator with --report, then a screenshot
// of the report in headless Chromium: results/report.html and results/report.png (not in git).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startSimulator } from '../sim/server';
import { EXIT } from '../cli/exit-codes';
import { ROOT } from '../test/helpers/paths';

const sim = await startSimulator({ perfFooter: true, latencyMs: { '*': 15 } });
const report = join(ROOT, 'results', 'report.html');
const png = join(ROOT, 'results', 'report.png');
const run = spawnSync(
  process.execPath,
  [
    join(ROOT, 'dist', 'cli.js'),
    '--config',
    join(ROOT, 'config.json'),
    '--base-url',
    sim.url,
    '--rpm',
    '3000',
    '--duration',
    '60',
    '--warmup',
    '10',
    '--progress',
    '10',
    '--report',
    report,
    '--summary',
    join(ROOT, 'results', 'report-summary.json'),
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
await sim.close();
if (run.status !== EXIT.ok) process.exit(run.status ?? EXIT.k6Failed);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
await page.goto(`file://${report}`);
await page.waitForSelector('svg');
await page.screenshot({ path: png, fullPage: false });
await browser.close();
process.stderr.write(`report: ${report}\nscreenshot: ${png}\n`);
