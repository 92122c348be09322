// Asset extraction on the captured Moodle 4.5.6 pages. Expected lists: what headless Chromium
// fetched for /my/ on the real site (nginx log, 2026-11-25) that the HTML names, in page order.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { extractAssets, originOf, requireJsAssets, sameOriginUrl } from '../../lib/browser/assets';
import { FIXTURES } from '../helpers/paths';

const ORIGIN = 'http://127.0.0.1:8081';
const page = (name: string) => readFileSync(join(FIXTURES, `${name}.html`), 'utf8');

test('dashboard: stylesheets, scripts, icon and images of the HTML, then what RequireJS loads first', () => {
  assert.deepEqual(extractAssets(page('my-dashboard_loggedin'), ORIGIN, null), [
    `${ORIGIN}/theme/image.php/boost/theme/1795498227/favicon`,
    `${ORIGIN}/theme/yui_combo.php?rollup/3.18.1/yui-moodlesimple-min.css`,
    `${ORIGIN}/theme/styles.php/boost/1795498227_1795498235/all`,
    `${ORIGIN}/lib/javascript.php/1795498227/lib/polyfills/polyfill.js`,
    `${ORIGIN}/theme/yui_combo.php?rollup/3.18.1/yui-moodlesimple-min.js`,
    `${ORIGIN}/lib/javascript.php/1795498227/lib/javascript-static.js`,
    `${ORIGIN}/theme/image.php/boost/block_timeline/1795498227/activities`,
    `${ORIGIN}/lib/javascript.php/1795498227/lib/requirejs/require.min.js`,
    `${ORIGIN}/lib/requirejs.php/1795498227/core/first.js`,
    `${ORIGIN}/lib/javascript.php/1795498227/lib/requirejs/jquery-private.js`,
    `${ORIGIN}/lib/javascript.php/1795498227/lib/jquery/jquery-3.7.1.min.js`,
  ]);
});

test('the MathJax CDN script, links (<a href>) and fragments are not assets', () => {
  const assets = extractAssets(page('my-dashboard_loggedin'), ORIGIN, null);
  assert.ok(page('my-dashboard_loggedin').includes('https://cdn.jsdelivr.net/npm/mathjax'));
  assert.ok(assets.every((u) => u.startsWith(`${ORIGIN}/`)));
  assert.ok(!assets.some((u) => u.includes('/user/profile.php') || u.includes('#')));
});

test('course page: activity icons with &amp; decoded, each URL once', () => {
  const assets = extractAssets(page('course-view_loggedin_id2'), ORIGIN, null);
  assert.ok(assets.includes(`${ORIGIN}/theme/image.php/boost/forum/1795498227/monologo?filtericon=1`));
  assert.equal(new Set(assets).size, assets.length);
});

test('--exclude-url-pattern drops what matches', () => {
  const assets = extractAssets(page('my-dashboard_loggedin'), ORIGIN, /theme\/image\.php|requirejs\.php/);
  assert.equal(assets.length, 8);
  assert.ok(!assets.some((u) => u.includes('image.php') || u.includes('requirejs.php')));
});

test('no RequireJS assets on a page without its config', () => {
  assert.deepEqual(requireJsAssets('<html><script src="/x.js"></script></html>', ORIGIN), []);
});

test('same origin: root-relative resolves; other hosts, ports and schemes do not', () => {
  assert.equal(sameOriginUrl('/theme/a.css', ORIGIN), `${ORIGIN}/theme/a.css`);
  assert.equal(sameOriginUrl('//127.0.0.1:8081/b.js', ORIGIN), `${ORIGIN}/b.js`);
  assert.equal(sameOriginUrl('http://127.0.0.1:80812/b.js', ORIGIN), null);
  assert.equal(sameOriginUrl('https://127.0.0.1:8081/b.js', ORIGIN), null);
  assert.equal(sameOriginUrl('#top', ORIGIN), null);
  assert.equal(originOf('https://h.example/moodle'), 'https://h.example');
});
