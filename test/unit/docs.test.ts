// README.md and docs/: every relative link resolves (file and heading), every page opens with its
// title and one line saying what task it serves and is listed in the README, and the README opens
// with the two commands that work on a fresh machine. The config examples are valid configs, and the
// commands the real-site tests copy from these pages are checked to still be there, so a page and its
// test cannot drift apart.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { parseConfigText } from '../../lib/config';
import { ROOT } from '../helpers/paths';

const DOCS = join(ROOT, 'docs');
const PAGES = [
  join(ROOT, 'README.md'),
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(DOCS, f)),
];

/** The text outside fenced code blocks (links and headings in code are not links and headings). */
function prose(text: string): string {
  let inCode = false;
  return text
    .split('\n')
    .filter((line) => {
      if (line.startsWith('```')) {
        inCode = !inCode;
        return false;
      }
      return !inCode;
    })
    .join('\n');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(readFileSync(file, 'utf8')).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(m[1] as string);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

test('slug: headings with code, punctuation and flags', () => {
  assert.equal(slug("Moodle's performance footer"), 'moodles-performance-footer');
  assert.equal(slug('Long runs with `--stream-stats`'), 'long-runs-with---stream-stats');
  assert.equal(slug('Flags (and `k6 run -e` variables)'), 'flags-and-k6-run--e-variables');
});

test('every relative link in README.md and docs/ resolves, to the file and to the heading', () => {
  const broken: string[] = [];
  for (const page of PAGES) {
    for (const m of prose(readFileSync(page, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] as string;
      if (/^[a-z]+:/.test(target)) continue;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? page : join(dirname(page), path);
      const where = `${relative(ROOT, page)}: ${target}`;
      if (!existsSync(file)) broken.push(`${where} (no such file)`);
      else if (anchor !== undefined && !anchors(file).has(anchor)) broken.push(`${where} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
});

test('each docs page starts with its title and one line saying what task it serves, and the README lists it', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const page of PAGES.slice(1)) {
    const name = relative(ROOT, page);
    const [title, blank, first] = readFileSync(page, 'utf8').split('\n');
    assert.match(title ?? '', /^# \S/, `${name} starts with a title`);
    assert.equal(blank, '', `${name}: a blank line after the title`);
    assert.ok(
      (first ?? '').length > 20 && !first?.startsWith('#') && !first?.startsWith('`'),
      `${name}: a line saying what the page is for`,
    );
    assert.ok(readme.includes(`](${name})`), `README.md links ${name}`);
  }
});

test('the README opens with the two commands that work on a fresh machine', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const firstBlock = readme.slice(readme.indexOf('```'), readme.indexOf('```', readme.indexOf('```') + 3));
  assert.match(firstBlock, /^make demo\b/m);
  assert.match(firstBlock, /^make test\b/m);
  assert.ok(readme.indexOf('```') < readme.indexOf('## A first run'), 'the commands come before the first run');
  assert.ok(readme.split('\n').length <= 150, 'the README stays short');
});

test('the users recipe that test/moodle/state.test.ts runs is the one docs/running-a-load.md gives', () => {
  const page = readFileSync(join(DOCS, 'running-a-load.md'), 'utf8');
  for (const line of [
    "N=200; PW='Load-test-1A'",
    "{ echo 'username,password,firstname,lastname,email,course1'",
    'seq -f "loaduser%04g" 1 $N | awk -v pw="$PW" \'{print $1 "," pw ",Load," $1 "," $1 "@example.invalid,COURSE_SHORTNAME"}\'',
    'sudo -u www-data php admin/tool/uploaduser/cli/uploaduser.php --file=/tmp/load-users.csv --uutype=0',
    'tail -n +2 /tmp/load-users.csv | cut -d, -f1,2 > users.csv',
  ])
    assert.ok(page.includes(line), `docs/running-a-load.md lacks: ${line}`);
});

test('the config examples of README.md and docs/running-a-load.md are valid configs', () => {
  for (const file of ['README.md', 'docs/running-a-load.md']) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const start = text.indexOf('```json\n');
    assert.ok(start >= 0, `${file} has a config example`);
    const json = text.slice(start + 8, text.indexOf('```', start + 8));
    const config = parseConfigText(json, () => 'user1,pass1\n');
    assert.ok(config.users.length > 0 && config.endpoints.length > 0, file);
  }
});
