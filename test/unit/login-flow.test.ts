// The login state machine against pages and headers captured from a real Moodle 4.5 site.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { advanceLogin, extractLoginToken, hasLoginError, isLoginPage, LoginResponse, LoginStep, startLogin } from '../../lib/login-flow';
import { FIXTURES } from '../helpers/paths';

const site = { loginUrl: 'http://127.0.0.1:8081/login/index.php' };
const user = { username: 'tool_generator_000001', password: 'moodle' };

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** A captured response: status and Location from the .headers.txt, body from the .html. */
function captured(headers: string, body?: string): LoginResponse {
  const text = fixture(headers);
  const status = Number(/^HTTP\/[\d.]+ (\d+)/.exec(text)?.[1]);
  const location = /^Location: (.*)$/m.exec(text)?.[1]?.trim() ?? null;
  return { status, location, body: body === undefined ? null : fixture(body) };
}

function expectRequest(step: LoginStep): Extract<LoginStep, { kind: 'request' }> {
  assert.equal(step.kind, 'request', JSON.stringify(step));
  return step;
}

test('the token is read from the real login page (32 characters, same in both forms)', () => {
  const html = fixture('login-page.html');
  assert.equal(extractLoginToken(html), 'Ic1Kf4a0yLvjB4BFM5RhU69RIlOUMzZZ');
  assert.ok(isLoginPage(html));
  assert.ok(!hasLoginError(html));
  assert.ok(hasLoginError(fixture('login-failed_page.html')));
  assert.ok(!isLoginPage(fixture('my-dashboard_loggedin.html')));
  assert.equal(extractLoginToken('<form id="login"><input name="username"></form>'), null);
  assert.equal(extractLoginToken(`<input value="abc" type="hidden" name='logintoken'>`), 'abc', 'attribute order and quotes vary by theme');
});

test('success: page, POST with token, 303 testsession, 303 /my/ (not fetched)', () => {
  const first = expectRequest(startLogin(site));
  assert.deepEqual(first.request, { method: 'GET', url: site.loginUrl });
  const post = expectRequest(advanceLogin(site, first.state, captured('login-page.headers.txt', 'login-page.html'), user));
  assert.equal(post.request.method, 'POST');
  assert.deepEqual(post.request.form, {
    username: user.username,
    password: user.password,
    anchor: '',
    logintoken: 'Ic1Kf4a0yLvjB4BFM5RhU69RIlOUMzZZ',
  });
  const test = expectRequest(advanceLogin(site, post.state, captured('login-success_post.headers.txt'), user));
  assert.deepEqual(test.request, { method: 'GET', url: 'http://127.0.0.1:8081/login/index.php?testsession=3' });
  const done = advanceLogin(site, test.state, captured('login-success_testsession.headers.txt'), user);
  assert.deepEqual(done, { kind: 'success', landing: '/my/' });
});

test('a wrong password ends at the 303 to ?loginredirect=1, without another request', () => {
  const first = expectRequest(startLogin(site));
  const post = expectRequest(advanceLogin(site, first.state, captured('login-page.headers.txt', 'login-page.html'), user));
  const step = advanceLogin(site, post.state, captured('login-failed_post.headers.txt'), user);
  assert.equal(step.kind, 'failure');
  assert.equal(step.kind === 'failure' && step.failure, 'invalid_login');
});

test('a login page shown again with "Invalid login" is a failure too', () => {
  const step = advanceLogin(
    site,
    { phase: 'after-post', url: site.loginUrl, hops: 1 },
    captured('login-failed_page.headers.txt', 'login-failed_page.html'),
    user,
  );
  assert.equal(step.kind === 'failure' && step.failure, 'invalid_login');
});

test('no token on the page (disablelogintoken): POST without it', () => {
  const html = fixture('login-page.html').replace(/<input type="hidden" name="logintoken"[^>]*>/g, '');
  const first = expectRequest(startLogin(site));
  const post = expectRequest(advanceLogin(site, first.state, { status: 200, location: null, body: html }, user));
  assert.equal(post.request.form?.logintoken, undefined);
});

test('not a login form, HTTP errors, transport errors and timeouts are failures with a reason', () => {
  const state = expectRequest(startLogin(site)).state;
  const notForm = advanceLogin(site, state, { status: 200, location: null, body: fixture('my-dashboard_loggedin.html') }, user);
  assert.equal(notForm.kind === 'failure' && notForm.failure, 'no_login_form');
  const http503 = advanceLogin(site, state, { status: 503, location: null, body: '' }, user);
  assert.equal(http503.kind === 'failure' && http503.detail, 'GET login page: HTTP 503');
  const refused = advanceLogin(
    site,
    state,
    { status: 0, location: null, body: null, error: 'dial tcp 127.0.0.1:1: connect: connection refused', errorCode: 1212 },
    user,
  );
  assert.equal(refused.kind === 'failure' && refused.failure, 'transport');
  assert.match(refused.kind === 'failure' ? refused.detail : '', /connection refused/);
  const slow = advanceLogin(site, state, { status: 0, location: null, body: null, error: 'request timeout', errorCode: 1050 }, user);
  assert.equal(slow.kind === 'failure' && slow.failure, 'timeout');
});

test('a redirect loop ends after a bounded number of hops', () => {
  let step: LoginStep = startLogin(site);
  for (let i = 0; i < 20 && step.kind === 'request'; i++) {
    step = advanceLogin(site, step.state, { status: 303, location: '/login/index.php?x=1', body: null }, user);
  }
  assert.equal(step.kind === 'failure' && step.failure, 'redirect_loop');
});

test('the password never appears in a failure message', () => {
  const state = expectRequest(startLogin(site)).state;
  const post = expectRequest(
    advanceLogin(site, state, captured('login-page.headers.txt', 'login-page.html'), { username: 'u', password: 's3cret-pw' }),
  );
  const step = advanceLogin(site, post.state, captured('login-failed_post.headers.txt'), { username: 'u', password: 's3cret-pw' });
  assert.ok(!JSON.stringify(step).includes('s3cret-pw'));
});
