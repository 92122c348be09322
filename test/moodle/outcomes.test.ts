// Moodle's own answers classified: a course the users are not enrolled in, a missing user's profile, and
// the performance footer's figures per endpoint, checked against what nginx saw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoad, runLoad, siteIds, writeSiteConfig, type AccessEntry, type RequestLogLine } from './site';

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

test('not enrolled, Moodle error pages and the footer per endpoint, on the real site', async (t) => {
  const ids = siteIds();
  const urls = [
    { name: 'course', path: `/course/view.php?id=${ids.course}` },
    { name: 'closed', path: `/course/view.php?id=${ids.not_enrolled}` },
    { name: 'nobody', path: `/user/profile.php?id=${ids.missing_user}` },
    { name: 'page', path: `/mod/page/view.php?id=${ids.page}` },
  ];
  const r = await runLoad({ config: writeSiteConfig(urls), rpm: 300, durationSec: 15, concurrency: 4 });
  const s = r.summary;
  const load = r.access.filter(isLoad);
  const served = (path: string): AccessEntry[] => load.filter((e) => e.uri === path);
  const logged = (name: string): RequestLogLine[] => r.log.filter((l) => l.endpoint === name);
  assert.equal(load.length, s.total);
  t.diagnostic(`total ${s.total}: ${urls.map(({ name }) => `${name} ${s.endpoints[name]!.total}`).join(', ')}`);
  for (const { name } of urls) assert.ok(s.endpoints[name]!.total >= 5, `${name}: enough requests (${s.endpoints[name]!.total})`);

  // Not enrolled: Moodle redirects to the enrolment page (303); never a success, never a lost session.
  const closed = s.endpoints.closed!;
  assert.equal(closed.failure_reasons.not_enrolled, closed.total);
  assert.deepEqual(new Set(served(urls[1]!.path).map((e) => e.status)), new Set([303]));
  assert.equal(served(urls[1]!.path).length, closed.total);

  // A missing user: Moodle answers 200 with "Invalid user": a Moodle error, not a success.
  const nobody = s.endpoints.nobody!;
  assert.equal(nobody.failure_reasons.moodle_error, nobody.total);
  assert.deepEqual(new Set(served(urls[2]!.path).map((e) => e.status)), new Set([200]));
  assert.equal(served(urls[2]!.path).length, nobody.total);

  // Neither kills the session, and the enrolled pages succeed.
  assert.equal(s.failure_reasons.session_lost, 0);
  assert.equal(s.relogins.success + s.relogins.failure, 0);
  assert.equal(s.failures, closed.total + nobody.total);
  for (const name of ['course', 'page']) assert.equal(s.endpoints[name]!.success, s.endpoints[name]!.total, `${name}: all succeed`);

  // The footer: on every response Moodle sent (the redirect and the error page too, in the request log),
  // and per endpoint in `server` for the successful ones.
  for (const line of r.log) assert.ok(line.db_reads !== null && line.server_ms !== null, `footer read from ${line.path} (${line.status})`);
  for (const { name, path } of [urls[0]!, urls[3]!]) {
    const server = s.endpoints[name]!.server;
    assert.ok(server !== null, `${name}: server figures`);
    assert.equal(server.requests, s.endpoints[name]!.success, `${name}: one footer per successful request`);
    const lines = logged(name);
    // The summary's means are the request log's, footer by footer.
    assert.ok(Math.abs(server.db_reads_mean - mean(lines.map((l) => l.db_reads!))) < 0.01, `${name}: DB reads mean`);
    assert.ok(Math.abs(server.time_ms_mean - mean(lines.map((l) => l.server_ms!))) < 0.01, `${name}: server time mean`);
    assert.ok(
      server.db_reads_mean >= 10 && server.included_files_mean >= 100 && server.ram_peak_mb_mean > 1,
      `${name}: a real Moodle page's figures`,
    );
    // Moodle's own time is inside nginx's request time (nginx counts in whole ms).
    const nginxMs = mean(served(path).map((e) => e.request_time * 1000));
    assert.ok(server.time_ms_mean <= nginxMs + 1, `${name}: Moodle time ${server.time_ms_mean} ms within nginx's ${nginxMs} ms`);
    t.diagnostic(`${name}: DB reads mean ${server.db_reads_mean}, Moodle time ${server.time_ms_mean} ms, nginx ${nginxMs.toFixed(1)} ms`);
    assert.ok(server.time_ms_mean >= nginxMs * 0.5, `${name}: Moodle time ${server.time_ms_mean} ms is most of nginx's ${nginxMs} ms`);
  }
});
