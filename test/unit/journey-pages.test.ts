// page-verdict.ts on the pages a real Moodle 4.5.6 answered the journeys' requests with
// (fixtures/moodle-4.5.6/journeys, docs/journey-pages.md): Moodle's own words when a step went
// wrong, and nothing on the pages of a step that went right.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formErrorMessage, moodleErrorMessage, plainText } from '../../lib/journeys/page-verdict';
import { ROOT } from '../helpers/paths';

const DIR = join(ROOT, 'fixtures/moodle-4.5.6/journeys');

function page(name: string): string {
  return readFileSync(join(DIR, `${name}.html`), 'utf8');
}

/** The pages where something went wrong (the fixtures' README says which and why). */
const ERROR_PAGES = new Set([
  'quiz-attempt-badsesskey-post',
  'assign-submission-edit-after-submit',
  'assign-submission-save-empty-post',
  'forum-reply-empty-post',
  'forum-discussion-empty-post',
]);

const SUCCESSFUL_PAGES = readdirSync(DIR)
  .filter((f) => f.endsWith('.html'))
  .map((f) => f.slice(0, -'.html'.length))
  .filter((name) => !ERROR_PAGES.has(name));

test('the fixtures hold the successful pages of every journey', () => {
  for (const name of [
    'quiz-attempt-view',
    'quiz-attempt-page1',
    'quiz-attempt-page2',
    'quiz-attempt-summary',
    'quiz-attempt-review',
    'forum-reply-discuss',
    'forum-reply-form',
    'forum-reply-discuss-after',
    'forum-discussion-view',
    'forum-discussion-form',
    'assign-submission-view',
    'assign-submission-edit-form',
    'assign-submission-view-draft',
    'assign-submission-confirm-form',
    'assign-submission-view-submitted',
  ])
    assert.ok(SUCCESSFUL_PAGES.includes(name), name);
  for (const name of ERROR_PAGES) assert.ok(readdirSync(DIR).includes(`${name}.html`), name);
});

test("a Moodle error page gives Moodle's message", () => {
  assert.equal(
    moodleErrorMessage(page('quiz-attempt-badsesskey-post')),
    'Your session has most likely timed out. Please check if you are logged in or go back to the previous screen and reload the page.',
  );
  // Moodle 4.5.6 shows this one as the bare string identifier (docs/journey-pages.md).
  assert.equal(moodleErrorMessage(page('assign-submission-edit-after-submit')), 'error/nopermission');
});

test("an error notification gives its text, without the close button's", () => {
  assert.equal(moodleErrorMessage(page('assign-submission-save-empty-post')), 'Nothing was submitted');
});

test('no error message on any page of a step that went right', () => {
  assert.ok(SUCCESSFUL_PAGES.length >= 25, `${SUCCESSFUL_PAGES.length} pages`);
  for (const name of SUCCESSFUL_PAGES) {
    const html = page(name);
    assert.equal(moodleErrorMessage(html), null, name);
    assert.equal(formErrorMessage(html), null, name);
  }
});

test("a form sent back gives its fields' validation errors, in page order", () => {
  assert.equal(formErrorMessage(page('forum-reply-empty-post')), 'Post message cannot be empty');
  assert.equal(formErrorMessage(page('forum-discussion-empty-post')), 'Post subject cannot be empty.; Post message cannot be empty');
  // Not Moodle error pages: the step fails as form_error, not moodle_error.
  assert.equal(moodleErrorMessage(page('forum-reply-empty-post')), null);
  assert.equal(moodleErrorMessage(page('forum-discussion-empty-post')), null);
  // An error page has no form errors.
  assert.equal(formErrorMessage(page('quiz-attempt-badsesskey-post')), null);
});

test('a page with a fatal error box but no message, or an empty notification, still says what it is', () => {
  assert.equal(moodleErrorMessage('<div data-rel="fatalerror" class="box errorbox"></div>'), 'Moodle error page');
  assert.equal(moodleErrorMessage('<div class="alert alert-danger"> </div>'), 'Moodle error notification');
  assert.equal(moodleErrorMessage('<div class="alert alert-success">Saved</div>'), null);
});

test('plainText: tags out, entities decoded, spaces collapsed, cut at 160 characters', () => {
  assert.equal(plainText('<p>A &amp; B &lt;c&gt;\n\t<b>&quot;d&quot;</b>&nbsp;it&#39;s</p>'), 'A & B <c> "d" it\'s');
  const exactly = 'x'.repeat(160);
  assert.equal(plainText(exactly), exactly, '160 characters are kept whole');
  const long = plainText(`<p>${'word '.repeat(60)}</p>`);
  assert.equal(long.length, 160);
  assert.ok(long.endsWith('…'));
  assert.equal(long.slice(0, 159), 'word '.repeat(60).slice(0, 159));
  // Cut after the tags are out: markup does not count.
  assert.equal(plainText(`<span class="long-attribute-value">${'y'.repeat(150)}</span>`), 'y'.repeat(150));
  // The messages are cut too.
  const error = moodleErrorMessage(`<div data-rel="fatalerror"><p class="errormessage">${'z'.repeat(300)}</p></div>`);
  assert.equal(error?.length, 160);
});
