// What a journey sends: a random valid answer per quiz question, its placeholders' values (a
// list param gone through in turn), what a step takes from a page, and the form body.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateConfig } from '../../lib/config';
import type { Journey } from '../../lib/journeys/journey-types';
import { quizAnswers, QuizQuestion } from '../../lib/journeys/quiz-answers';
import { encodeForm, render, startValues, takeValue, urlParam } from '../../lib/journeys/step-values';
import { uniform } from '../../lib/random';
import { parseTemplate } from '../../lib/template';
import { ROOT } from '../helpers/paths';

/** A seeded draw(n): an integer in 0..n-1, as the k6 runner's. */
function drawer(seed: number): (n: number) => number {
  let i = 0;
  return (n) => Math.min(n - 1, Math.floor(uniform(seed, 0, i++) * n));
}

/** The first and only draw always picks `k` (clamped to n-1). */
const always = (k: number) => (n: number) => Math.min(k, n - 1);

function journeys(raw: unknown[]): readonly Journey[] {
  return validateConfig({ base_url: 'http://m.test', users: [{ username: 'u', password: 'p' }], urls: [], journeys: raw }).journeys;
}

/** The questions of the captured quiz pages (fixtures/moodle-4.5.6/journeys/quiz-attempt-page1/2.html). */
const MULTICHOICE: QuizQuestion = {
  type: 'multichoice',
  radios: { 'q1:1_answer': ['0', '1', '2', '3', '-1'] },
  texts: [],
  checkboxes: [],
};
const TRUEFALSE: QuizQuestion = { type: 'truefalse', radios: { 'q1:2_answer': ['1', '0'] }, texts: [], checkboxes: [] };
const SHORTANSWER: QuizQuestion = { type: 'shortanswer', radios: {}, texts: ['q1:3_answer'], checkboxes: [] };
const NUMERICAL: QuizQuestion = { type: 'numerical', radios: {}, texts: ['q1:4_answer'], checkboxes: [] };
const MULTIANSWER: QuizQuestion = {
  type: 'multichoice',
  radios: {},
  texts: [],
  checkboxes: ['q1:7_choice0', 'q1:7_choice1', 'q1:7_choice2'],
};

test('quizAnswers: one answer per question, never "clear my choice" (-1), every offered value over many draws', () => {
  const seen = new Map<string, Set<string>>();
  for (let seed = 0; seed < 400; seed++) {
    const fields = quizAnswers([MULTICHOICE, TRUEFALSE], drawer(seed));
    assert.deepEqual(Object.keys(fields).sort(), ['q1:1_answer', 'q1:2_answer']);
    for (const [name, value] of Object.entries(fields)) {
      assert.notEqual(value, '-1', name);
      if (!seen.has(name)) seen.set(name, new Set());
      seen.get(name)?.add(value);
    }
  }
  assert.deepEqual([...(seen.get('q1:1_answer') ?? [])].sort(), ['0', '1', '2', '3']);
  assert.deepEqual([...(seen.get('q1:2_answer') ?? [])].sort(), ['0', '1']);
  // Even a draw at the end of the list, where -1 stands on the page, gives an answer.
  assert.equal(quizAnswers([MULTICHOICE], always(4))['q1:1_answer'], '3');
  // A radio group offering nothing but -1 is left alone.
  assert.deepEqual(quizAnswers([{ type: 'multichoice', radios: { q: ['-1'] }, texts: [], checkboxes: [] }], always(0)), {});
});

test('quizAnswers: numerical gets a number, short answer a word, multiple answers one box ticked', () => {
  for (let seed = 0; seed < 50; seed++) {
    const fields = quizAnswers([SHORTANSWER, NUMERICAL, MULTIANSWER], drawer(seed));
    const number = fields['q1:4_answer'] ?? '';
    assert.match(number, /^-?\d+(\.\d+)?$/);
    assert.ok(Number.isFinite(Number(number)));
    const word = fields['q1:3_answer'] ?? '';
    assert.match(word, /^[A-Za-z][A-Za-z0-9]*$/, 'one word');
    const ticked = MULTIANSWER.checkboxes.filter((name) => name in fields);
    assert.equal(ticked.length, 1, `one box ticked: ${JSON.stringify(fields)}`);
    assert.equal(fields[ticked[0] as string], '1', 'a ticked box sends its value');
  }
  assert.deepEqual(quizAnswers([], always(0)), {});
});

test('startValues: params, the run variables, and a list param gone through in turn by each VU', () => {
  const [j] = journeys([{ journey: 'assign_submission', name: 'essays', params: { assign: [301, 302, 303], course: 11 } }]);
  assert.ok(j);
  assert.deepEqual(startValues(j, 1, 7, 0), { vu: '1', iteration: '7', journey: 'essays', assign: '301', course: '11' });
  // VU 1's turns: the next entry each time, round and round.
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((turn) => startValues(j, 1, 0, turn).assign),
    ['301', '302', '303', '301', '302'],
  );
  // VUs start at different entries, and each goes through all of them before any repeats.
  assert.deepEqual(
    [1, 2, 3, 4].map((vu) => startValues(j, vu, 0, 0).assign),
    ['301', '302', '303', '301'],
  );
  for (let vu = 1; vu <= 6; vu++) {
    const turns: (string | undefined)[] = [0, 1, 2].map((turn) => startValues(j, vu, 0, turn).assign);
    assert.deepEqual([...turns].sort(), ['301', '302', '303'], `VU ${vu}`);
  }
  // The iteration number does not move the list: only the VU's turn does.
  assert.equal(startValues(j, 2, 99, 0).assign, startValues(j, 2, 0, 0).assign);
});

test('render fills the placeholders from the values', () => {
  const t = parseTemplate('/mod/forum/post.php?reply={reply}&v={vu}{vu}');
  assert.equal(render(t, { reply: '97', vu: '3' }), '/mod/forum/post.php?reply=97&v=33');
  assert.equal(render(parseTemplate('{a}'), { a: 'x y' }), 'x y', 'as given: a page path is not encoded here');
  assert.equal(render(parseTemplate('/plain'), {}), '/plain');
  const [reply] = journeys([{ journey: 'forum_reply', params: { forum: 306 } }]);
  const text = reply?.steps[3]?.fields['message[text]'];
  assert.ok(text && reply);
  assert.equal(render(text, startValues(reply, 4, 12, 0)), 'moodle-load forum_reply by VU 4, iteration 12');
});

test('urlParam: decoded, + as a space, missing is undefined, the fragment is not the query', () => {
  const url = 'http://127.0.0.1:8090/mod/quiz/attempt.php?attempt=1&cmid=300&page=1#q3';
  assert.equal(urlParam(url, 'attempt'), '1');
  assert.equal(urlParam(url, 'cmid'), '300');
  assert.equal(urlParam(url, 'page'), '1', 'not "1#q3"');
  assert.equal(urlParam(url, 'q3'), undefined);
  assert.equal(urlParam(url, 'missing'), undefined);
  assert.equal(urlParam('/x.php', 'a'), undefined);
  assert.equal(urlParam('/x?q=a+b%26c%3D', 'q'), 'a b&c=');
  assert.equal(urlParam('/x?a%5B0%5D=v&flag', 'a[0]'), 'v');
  assert.equal(urlParam('/x?a%5B0%5D=v&flag', 'flag'), '');
  assert.equal(urlParam('/x?aa=1&a=2', 'a'), '2', 'the whole name, not a prefix');
  assert.equal(urlParam('/x?a=1&a=2', 'a'), '1', 'the first of a repeated name');
});

test('takeValue: first, last or a random match of the first group; a url_param; undefined when nothing matches', () => {
  const html = '<a href="discuss.php?d=49">a</a><a href="discuss.php?d=50">b</a><a href="discuss.php?d=51">c</a>';
  const match = 'discuss\\.php\\?d=(\\d+)';
  const url = 'http://m.test/mod/forum/view.php?id=306&d=7';
  assert.equal(takeValue({ match }, url, html, always(0)), '49', 'first by default');
  assert.equal(takeValue({ match, pick: 'first' }, url, html, always(2)), '49');
  assert.equal(takeValue({ match, pick: 'last' }, url, html, always(0)), '51');
  const sizes: number[] = [];
  assert.equal(
    takeValue({ match, pick: 'random' }, url, html, (n) => (sizes.push(n), 1)),
    '50',
  );
  assert.deepEqual(sizes, [3], 'random draws among all the matches');
  const seen = new Set<string | undefined>();
  const draw = drawer(5);
  for (let i = 0; i < 200; i++) seen.add(takeValue({ match, pick: 'random' }, url, html, draw));
  assert.deepEqual([...seen].sort(), ['49', '50', '51']);
  assert.equal(takeValue({ match: 'reply=(\\d+)' }, url, html, always(0)), undefined);
  assert.equal(takeValue({ url_param: 'id' }, url, html, always(0)), '306', 'from the URL, not the page');
  assert.equal(takeValue({ url_param: 'attempt' }, url, 'attempt=5', always(0)), undefined);
  // A match that can be empty still ends.
  assert.equal(takeValue({ match: '(x*)' }, url, 'abc', always(0)), '');
});

test("the built-ins' takes find their values on the real pages", () => {
  const dir = join(ROOT, 'fixtures/moodle-4.5.6/journeys');
  const [reply, quiz] = journeys([
    { journey: 'forum_reply', params: { forum: 306 } },
    { journey: 'quiz_attempt', params: { quiz: 300 } },
  ]);
  assert.ok(reply && quiz);
  const discussion = reply.steps[0]?.take.discussion;
  const replyTo = reply.steps[1]?.take.reply;
  const attempt = quiz.steps[1]?.take.attempt;
  assert.ok(discussion && replyTo && attempt);
  const forum = readFileSync(join(dir, 'forum-discussion-view.html'), 'utf8');
  const seen = new Set<string | undefined>();
  const draw = drawer(1);
  for (let i = 0; i < 200; i++) seen.add(takeValue(discussion, 'http://127.0.0.1:8090/mod/forum/view.php?id=306', forum, draw));
  assert.deepEqual([...seen].sort(), ['49', '50', '51', '52', '53'], "the forum's five discussions");
  const discuss = readFileSync(join(dir, 'forum-reply-discuss.html'), 'utf8');
  assert.equal(takeValue(replyTo, 'http://127.0.0.1:8090/mod/forum/discuss.php?d=49', discuss, draw), '97');
  // The start's redirect (quiz-attempt-start-post.headers.txt) lands on the attempt's first page.
  assert.equal(takeValue(attempt, 'http://127.0.0.1:8090/mod/quiz/attempt.php?attempt=1&cmid=300', '', draw), '1');
});

test('encodeForm: the order kept, encoded byte for byte as a browser encodes a form', () => {
  const pairs = [
    { name: 'sesskey', value: 'AbC123' },
    { name: 'message[text]', value: 'moodle-load forum_reply by VU 4, iteration 12' },
    { name: 'q1:1_answer', value: '2' },
    { name: 'q1:3_answer', value: "it's (very) fine! ~ok* a+b=c&d 100% é €" },
    { name: 'empty', value: '' },
    { name: 'slots', value: '1,2,3' },
    { name: 'q1:1_answer', value: 'repeated names are kept' },
    { name: 'lines', value: 'one\r\ntwo' },
    { name: 'url', value: 'http://127.0.0.1:8090/mod/forum/discuss.php?d=49#p97' },
  ];
  const body = encodeForm(pairs);
  assert.equal(body, new URLSearchParams(pairs.map((p): [string, string] => [p.name, p.value])).toString());
  assert.ok(body.startsWith('sesskey=AbC123&message%5Btext%5D=moodle-load+forum_reply+by+VU+4%2C+iteration+12&q1%3A1_answer=2&'));
  assert.deepEqual(
    [...new URLSearchParams(body)],
    pairs.map((p) => [p.name, p.value]),
    'decodes back to the same pairs, in order',
  );
  assert.equal(encodeForm([]), '');
});
