// moodle-load capacity with the real k6 against a simulator whose PHP-FPM pool has W = 2 workers and
// whose load pages take 100 ms each: it serves at most 2 / 0.1 = 20 requests a second (1200 rpm). Steps
// of 480, 960 and 1440 rpm put the pool at 40 %, 80 % and 120 %: the first two hold a p95 limit of
// 300 ms, the third queues without end and breaks it, and the search stops there (1920 is never run).
// The HTML report is opened in headless Chromium: its DOM holds one point per step and the limit line,
// and its screenshot is a picture, not a blank page.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { startSimulator, Simulator } from '../../sim/server';
import { LOAD_PAGES, runCli, servedLoad, tempDir, writeConfig } from '../helpers/e2e';

const WORKERS = 2;
const PAGE_MS = 100;
const CHROMIUM = '/usr/bin/chromium';

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ maxChildren: WORKERS, exact: true, baseLatency: { medianMs: 1, sigma: 0 } });
  // Only the load pages are slow: the logins of each step stay quick.
  for (const page of LOAD_PAGES) sim.setLatency(page, PAGE_MS);
});
after(() => sim.close());

interface Step {
  step: number;
  rpm: number | null;
  users: number;
  vus: number;
  requests: number;
  rps: number;
  worst_p95_ms: number | null;
  worst_endpoint: string | null;
  endpoints: Record<string, { requests: number; p95_ms: number | null }>;
  failure_pct: number;
  dropped: number;
  verdict: string;
  broke_on: string[];
  summary_path: string;
}

test(
  '--by rpm: steps 480, 960 held, 1440 broke on p95; request counts are what the simulator served per step',
  { timeout: 120_000 },
  async () => {
    sim.resetStats();
    sim.killSessions();
    const dir = tempDir();
    const report = join(dir, 'capacity.html');
    const workDir = join(dir, 'steps');
    const run = runCli(
      [
        'capacity',
        '--config',
        writeConfig(dir, sim),
        '--duration',
        '6',
        '--concurrency',
        '20',
        '--start',
        '480',
        '--step',
        '480',
        '--max',
        '1920',
        '--max-p95-ms',
        '300',
        '--max-failure-pct',
        '1',
        '--seed',
        '7',
        '--work-dir',
        workDir,
        '--report',
        report,
      ],
      110_000,
    );
    // What the simulator served in each step: read when the step's verdict is printed (its k6 has
    // exited) and before the next step's k6 starts sending.
    const served: number[] = [];
    const counted = (async () => {
      for (let i = 1; i <= 3; i++) {
        await run.waitForStderr(new RegExp(`step ${i} of 4: (held|broke|failed|interrupted)`));
        served.push(servedLoad(sim));
      }
    })();
    const { code, stdout, stderr } = await run.done;
    await counted;
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.deepEqual(Object.keys(result), [
      'by',
      'outcome',
      'settings',
      'limits',
      'steps',
      'last_held',
      'first_broken',
      'notes',
      'work_dir',
      'report_path',
    ]);
    assert.equal(result.by, 'rpm');
    assert.equal(result.outcome, 'broke');
    assert.deepEqual(result.settings.values, [480, 960, 1440, 1920]);
    assert.deepEqual(result.limits, { max_p95_ms: 300, max_failure_pct: 1, max_dropped_pct: 1 });
    const steps = result.steps as Step[];
    assert.deepEqual(
      steps.map((s) => [s.step, s.rpm, s.vus, s.verdict]),
      [
        [1, 480, 20, 'held'],
        [2, 960, 20, 'held'],
        [3, 1440, 20, 'broke'],
      ],
      stderr,
    );
    assert.ok(steps[2]!.broke_on.includes('p95_ms'), JSON.stringify(steps[2]));
    assert.deepEqual(result.last_held, { step: 2, value: 960, rps: steps[1]!.rps, worst_p95_ms: steps[1]!.worst_p95_ms });
    assert.equal(result.first_broken.step, 3);
    assert.equal(result.first_broken.value, 1440);
    // Per step: the summary's count is what the simulator served during that step.
    const perStep = served.map((n, i) => n - (i === 0 ? 0 : (served[i - 1] as number)));
    assert.deepEqual(
      steps.map((s) => s.requests),
      perStep,
      `steps' requests vs served per step`,
    );
    for (const s of steps) {
      const summary = JSON.parse(readFileSync(s.summary_path, 'utf8'));
      assert.equal(summary.total, s.requests);
      assert.equal(summary.target_rpm, s.rpm);
      assert.equal(s.failure_pct, 0);
      // The worst endpoint is the one with the highest p95, as the step's summary says.
      const p95s = Object.entries(summary.endpoints as Record<string, { latency_ms_p95: number }>).map(
        ([n, e]) => [n, e.latency_ms_p95] as const,
      );
      const worst = p95s.reduce((a, b) => (b[1] > a[1] ? b : a));
      assert.equal(s.worst_endpoint, worst[0]);
      assert.equal(s.worst_p95_ms, worst[1]);
    }
    // Held steps: the 100 ms page plus little queueing; the broken step: queued far beyond the limit.
    for (const s of steps.slice(0, 2))
      assert.ok(s.worst_p95_ms! >= PAGE_MS && s.worst_p95_ms! < 300, `step ${s.step} p95 ${s.worst_p95_ms}`);
    assert.ok(steps[2]!.worst_p95_ms! > 300);
    assert.ok(Math.abs(steps[0]!.rps - 8) < 0.5 && Math.abs(steps[1]!.rps - 16) < 1, `${steps[0]!.rps} ${steps[1]!.rps}`);
    assert.ok(sim.stats().workers!.waits > 0);
    assert.match(stderr, /capacity: step 1 of 4: 480 rpm \(20 VUs, 20 users\) for 6 s/);
    assert.match(stderr, /capacity: step 1 of 4: held: p95 [\d.]+ ms \(worst endpoint: [^)]+\), failures 0\.0 %, dropped 0/);
    assert.match(stderr, /capacity: step 3 of 4: broke: p95 above 300 ms/);
    assert.doesNotMatch(stderr, /step 4 of 4/);
    assert.deepEqual(JSON.parse(readFileSync(join(workDir, 'capacity.json'), 'utf8')), result);
    await checkReportInChromium(report, steps);
  },
);

// The closed model: each user thinks 0.5 to 1.5 s (1 s on average) between requests of 100 ms, so N
// users ask for about N / 1.1 requests a second of a pool that serves 20. 6 users (5.5 a second, the
// pool 27 % busy) hold; 36 would ask 33 a second: the requests queue until the response time is about
// 36 x 0.1 / 2 - 1 = 0.8 s (fewer VUs than users only lowers that to 10 x 0.05 = 0.5 s), far above
// 400 ms. 60 is never run.
test('--by users (with --think-time): 6 users held, 36 broke on p95; VUs = min(users, --concurrency)', { timeout: 90_000 }, async () => {
  sim.resetStats();
  sim.killSessions();
  const dir = tempDir();
  const run = runCli(
    [
      'capacity',
      '--config',
      writeConfig(dir, sim),
      '--think-time',
      '0.5,1.5',
      '--duration',
      '8',
      '--concurrency',
      '10',
      '--start',
      '6',
      '--step',
      '30',
      '--max',
      '60',
      '--max-p95-ms',
      '400',
      '--seed',
      '5',
      '--work-dir',
      join(dir, 'steps'),
    ],
    80_000,
  );
  const served: number[] = [];
  const counted = (async () => {
    for (let i = 1; i <= 2; i++) {
      await run.waitForStderr(new RegExp(`step ${i} of 3: (held|broke|failed|interrupted)`));
      served.push(servedLoad(sim));
    }
  })();
  const { code, stdout, stderr } = await run.done;
  await counted;
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout);
  assert.equal(result.by, 'users');
  assert.deepEqual(result.settings.values, [6, 36, 60]);
  assert.deepEqual(result.settings.think_time_sec, [0.5, 1.5]);
  const steps = result.steps as Step[];
  assert.deepEqual(
    steps.map((s) => [s.users, s.vus, s.rpm, s.verdict]),
    [
      [6, 6, null, 'held'],
      [36, 10, null, 'broke'],
    ],
    stderr,
  );
  assert.ok(steps[1]!.broke_on.includes('p95_ms'));
  assert.deepEqual([result.last_held.value, result.first_broken.value], [6, 36]);
  assert.deepEqual(
    steps.map((s) => s.requests),
    served.map((n, i) => n - (i === 0 ? 0 : (served[i - 1] as number))),
    'requests per step = what the simulator served in it',
  );
  for (const s of steps) {
    const summary = JSON.parse(readFileSync(s.summary_path, 'utf8'));
    assert.deepEqual([summary.users.model, summary.users.users, summary.users.vus], ['closed', s.users, s.vus]);
  }
  assert.ok(steps[0]!.worst_p95_ms! < 400 && steps[1]!.worst_p95_ms! > 400, `${steps[0]!.worst_p95_ms} ${steps[1]!.worst_p95_ms}`);
  // The pool's 20 a second caps the second step's throughput.
  assert.ok(steps[1]!.rps < 21, `${steps[1]!.rps} req/s`);
  assert.match(stderr, /capacity: step 2 of 3: 36 users \(10 VUs\) for 8 s/);
});

/** The report as a browser shows it: the DOM Chromium builds, and a screenshot with something drawn. */
async function checkReportInChromium(report: string, steps: readonly Step[]): Promise<void> {
  assert.ok(existsSync(report), 'the report was written');
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: make test-deps installs Debian's chromium (the e2e tests need it)`);
  const html = readFileSync(report, 'utf8');
  assert.doesNotMatch(
    html,
    /<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/,
    'self-contained: no script, no stylesheet, nothing fetched',
  );
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1200,800'];
  const dom = execFileSync(CHROMIUM, [...flags, '--dump-dom', `file://${report}`], {
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  for (const kind of ['p95', 'rps']) {
    const points = [...dom.matchAll(new RegExp(`<circle class="point ${kind}[^"]*"[^>]*data-step="(\\d+)"[^>]*data-x="(\\d+)"`, 'g'))];
    assert.deepEqual(
      points.map((m) => [Number(m[1]), Number(m[2])]),
      steps.map((s) => [s.step, s.rpm]),
      `${kind}: one point per step`,
    );
  }
  assert.match(dom, /<line class="limit"[^>]*data-limit="300"/);
  assert.match(dom, /<circle class="point p95 broken"[^>]*data-step="3"/);
  assert.equal((dom.match(/<tr class="step /g) ?? []).length, steps.length);
  const png = join(tempDirOnce(), 'report.png');
  execFileSync(CHROMIUM, [...flags, `--screenshot=${png}`, `file://${report}`], { timeout: 60_000, stdio: 'ignore' });
  const image = decodePng(readFileSync(png));
  assert.deepEqual([image.width, image.height], [1200, 800]);
  // Drawn: many colours, and the plot's blue and the limit's red among them (a blank page is one colour).
  const colours = new Set<number>();
  let blue = 0;
  let red = 0;
  for (let i = 0; i < image.pixels.length; i += image.channels) {
    const [r, g, b] = [image.pixels[i]!, image.pixels[i + 1]!, image.pixels[i + 2]!];
    colours.add((r << 16) | (g << 8) | b);
    if (b > 150 && r < 80 && g > 80 && g < 140) blue++;
    if (r > 170 && g < 80 && b < 80) red++;
  }
  assert.ok(colours.size > 20, `${colours.size} colours in the screenshot`);
  assert.ok(blue > 100 && red > 100, `blue ${blue}, red ${red} pixels`);
}

let shotDir: string | undefined;
function tempDirOnce(): string {
  return (shotDir ??= tempDir());
}

/** A PNG's pixels (8-bit RGB or RGBA, not interlaced, as Chromium writes its screenshots). */
function decodePng(buf: Buffer): { width: number; height: number; channels: number; pixels: Uint8Array } {
  assert.equal(buf.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      assert.ok(
        depth === 8 && (colour === 2 || colour === 6) && interlace === 0,
        `PNG depth ${depth} colour ${colour} interlace ${interlace}`,
      );
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      assert.ok(predictor !== undefined, `PNG filter ${filter}`);
      pixels[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

test(
  'Ctrl-C during step 2: exit 130, and the JSON of step 1 and the interrupted step 2 is still printed',
  { timeout: 60_000 },
  async () => {
    sim.resetStats();
    const dir = tempDir();
    const args = ['capacity', '--config', writeConfig(dir, sim), '--duration', '5', '--concurrency', '4', '--start', '120', '--max', '360'];
    const run = runCli([...args, '--max-p95-ms', '2000', '--work-dir', join(dir, 'steps')], 50_000);
    await run.waitForStderr(/step 2 of 3: 240 rpm/);
    // k6 of step 2 has started (its login line), and is logging in or loading when the signal comes.
    await run.waitForStderr(/logging in(?:.|\n)*logging in/);
    await new Promise((r) => setTimeout(r, 2500));
    run.child.kill('SIGINT');
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, 130, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.outcome, 'interrupted');
    assert.deepEqual(
      result.steps.map((s: Step) => s.verdict),
      ['held', 'interrupted'],
    );
    assert.equal(result.last_held.step, 1);
    assert.equal(result.first_broken, null);
    assert.ok(result.notes.some((n: string) => n.startsWith('stopped by a signal during step 2')));
    assert.doesNotMatch(stderr, /step 3 of 3/);
  },
);

test('a config that does not exist: one line, exit 2, no step said and nothing sent', { timeout: 20_000 }, async () => {
  sim.resetStats();
  const dir = tempDir();
  const run = runCli(
    ['capacity', '--config', join(dir, 'nope.json'), '--duration', '5', '--start', '60', '--max', '120', '--max-p95-ms', '500'],
    15_000,
  );
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.equal(stderr, `moodle-load: config: file ${join(dir, 'nope.json')} does not exist\n`);
  assert.deepEqual(sim.stats().pages, {});
});
