import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfigText, validateConfig } from '../../lib/config';

const base = {
  base_url: 'https://moodle.test/',
  users: [{ username: 'u1', password: 'p1' }],
  urls: [{ path: '/my/', name: 'dashboard' }],
};

/** A config with these journeys (and, unless given, base's urls). */
function withJourneys(journeys: unknown[], urls: unknown[] = base.urls): unknown {
  return structuredClone({ ...base, urls, journeys });
}

/** A config with one journey of its own steps. */
function withSteps(steps: unknown[], more: Record<string, unknown> = {}): unknown {
  return withJourneys([{ name: 'mine', ...more, steps }]);
}

/** validateConfig throws a ConfigError whose one-line message is exactly `message`. */
function rejects(raw: unknown, message: string | RegExp): void {
  assert.throws(
    () => validateConfig(raw),
    (e: Error) => {
      assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    },
  );
}

const BUILTINS = 'quiz_attempt, forum_reply, forum_discussion, assign_submission';

test('no journeys: the config has none', () => {
  assert.deepEqual(validateConfig(base).journeys, []);
});

test('each built-in journey with its param parses into its steps, named after the built-in', () => {
  const c = validateConfig(
    withJourneys([
      { journey: 'quiz_attempt', params: { quiz: 300 } },
      { journey: 'forum_reply', params: { forum: 306 }, weight: 2 },
      { journey: 'forum_discussion', params: { forum: 306 } },
      { journey: 'assign_submission', params: { assign: [301, 302, 303] } },
    ]),
  );
  assert.deepEqual(
    c.journeys.map((j) => [j.name, j.kind, j.weight, j.steps.map((s) => s.name)]),
    [
      ['quiz_attempt', 'quiz_attempt', 1, ['view', 'start', 'answer', 'finish']],
      ['forum_reply', 'forum_reply', 2, ['forum', 'discussion', 'reply_form', 'post']],
      ['forum_discussion', 'forum_discussion', 1, ['forum', 'post']],
      ['assign_submission', 'assign_submission', 1, ['view', 'edit', 'save', 'submit_page', 'confirm']],
    ],
  );
  const [quiz, reply, discussion, assign] = c.journeys;
  assert.ok(quiz && reply && discussion && assign);
  // The first step of each opens the module's page with the param filled in.
  assert.equal(quiz.steps[0]?.path?.source, '/mod/quiz/view.php?id={quiz}');
  assert.deepEqual(quiz.steps[0]?.path?.params, ['quiz']);
  assert.equal(reply.steps[0]?.path?.source, '/mod/forum/view.php?id={forum}');
  assert.equal(assign.steps[0]?.path?.source, '/mod/assign/view.php?id={assign}');
  assert.deepEqual(assign.params, { assign: [301, 302, 303] });
  assert.deepEqual(quiz.think, [0, 0], 'no think time unless asked');
  // Later steps submit forms, and say what they create.
  assert.equal(quiz.steps[1]?.submit, 'form[action*="startattempt.php"]');
  assert.deepEqual(quiz.steps[1]?.take, { attempt: { url_param: 'attempt' } });
  assert.equal(quiz.steps[2]?.answer, 'quiz');
  assert.equal(quiz.steps[2]?.repeat_while_path, '/mod/quiz/attempt.php');
  assert.equal(reply.steps[3]?.submit, '#mformforum');
  assert.equal(reply.steps[3]?.button, 'submitbutton');
  assert.deepEqual(reply.steps[3]?.fields['message[text]']?.params, ['journey', 'vu', 'iteration']);
  assert.deepEqual(
    c.journeys.flatMap((j) => j.steps.flatMap((s) => s.creates)),
    ['quiz_attempts', 'quiz_attempts_finished', 'forum_posts', 'forum_discussions', 'forum_posts', 'assign_submissions'],
  );
  // A step that opens a page sets no fields.
  for (const j of c.journeys) for (const s of j.steps) if (s.path) assert.deepEqual(s.fields, {}, `${j.name}.${s.name}`);
});

test('a journey of its own steps parses from JSON text: path, submit, fields, take, creates, think_time', () => {
  const c = parseConfigText(
    JSON.stringify({
      ...base,
      journeys: [
        {
          name: 'glossary',
          weight: 0.5,
          params: { cm: [7, 8], word: 'load' },
          think_time: [1, 3.5],
          steps: [
            {
              name: 'view',
              path: '/mod/glossary/view.php?id={cm}',
              take: { entry: { match: 'showentry\\.php\\?eid=(\\d+)', pick: 'last' }, course: { url_param: 'courseid' } },
            },
            { name: 'edit', path: '/mod/glossary/edit.php?cmid={cm}&id={entry}&c={course}', expect_path: '/mod/glossary/edit.php' },
            {
              name: 'save',
              submit: '#mform1',
              fields: { concept: '{word} {vu}-{iteration}', 'definition_editor[text]': 'by {journey}' },
              button: 'submitbutton',
              creates: ['glossary_entries'],
            },
          ],
        },
      ],
    }),
  );
  assert.equal(c.journeys.length, 1);
  const j = c.journeys[0];
  assert.ok(j);
  assert.equal(j.name, 'glossary');
  assert.equal(j.kind, 'custom');
  assert.equal(j.weight, 0.5);
  assert.deepEqual(j.params, { cm: [7, 8], word: 'load' });
  assert.deepEqual(j.think, [1, 3.5]);
  const [view, edit, save] = j.steps;
  assert.ok(view && edit && save);
  assert.deepEqual(view.path?.params, ['cm']);
  assert.equal(view.submit, undefined);
  assert.deepEqual(view.take, {
    entry: { match: 'showentry\\.php\\?eid=(\\d+)', pick: 'last' },
    course: { url_param: 'courseid' },
  });
  assert.deepEqual(view.creates, []);
  assert.deepEqual(edit.path?.params, ['cm', 'entry', 'course'], 'what an earlier step took is a placeholder');
  assert.equal(edit.expect_path, '/mod/glossary/edit.php');
  assert.equal(save.path, undefined);
  assert.equal(save.submit, '#mform1');
  assert.equal(save.button, 'submitbutton');
  assert.deepEqual(Object.keys(save.fields), ['concept', 'definition_editor[text]']);
  assert.deepEqual(save.fields.concept?.params, ['word', 'vu', 'iteration']);
  assert.deepEqual(save.fields['definition_editor[text]']?.parts, ['by ', '']);
  assert.deepEqual(save.creates, ['glossary_entries']);
  assert.deepEqual(save.take, {});
});

test('urls may be empty when there are journeys, but not with none', () => {
  const c = validateConfig(withJourneys([{ journey: 'forum_reply', params: { forum: 1 } }], []));
  assert.deepEqual(c.endpoints, []);
  assert.equal(c.journeys.length, 1);
  rejects({ ...base, urls: [] }, 'config: urls is empty: give at least one url or journey');
  rejects({ ...base, urls: [], journeys: [] }, 'config: urls is empty: give at least one url or journey');
});

test('an unknown journey: did you mean, or the list of built-ins', () => {
  rejects(
    withJourneys([{ journey: 'forum_replay', params: { forum: 1 } }]),
    'config: journeys[0].journey is not a known journey: "forum_replay" (did you mean forum_reply?)',
  );
  rejects(withJourneys([{ journey: 'wiki_edit' }]), `config: journeys[0].journey is not a known journey: "wiki_edit" (known: ${BUILTINS})`);
});

test('a journey needs a built-in or steps, not neither and not both', () => {
  rejects(withJourneys([{ name: 'x' }]), `config: journeys[0] needs journey (a built-in: ${BUILTINS}) or steps of its own, not neither`);
  rejects(
    withJourneys([{ journey: 'forum_reply', params: { forum: 1 }, steps: [{ name: 'a', path: '/' }] }]),
    `config: journeys[0] needs journey (a built-in: ${BUILTINS}) or steps of its own, not both`,
  );
});

test('a built-in without its param, or with an empty list', () => {
  rejects(
    withJourneys([{ journey: 'quiz_attempt' }]),
    'config: journeys[0].params.quiz is missing: quiz_attempt needs it (a course module id, e.g. 42)',
  );
  rejects(
    withJourneys([{ journey: 'forum_reply', params: { quiz: 3 } }]),
    'config: journeys[0].params.forum is missing: forum_reply needs it (a course module id, e.g. 42)',
  );
  rejects(withJourneys([{ journey: 'assign_submission', params: { assign: [] } }]), 'config: journeys[0].params.assign is empty');
});

test('a step opens a page or submits a form: not neither, not both, and the first one opens a page', () => {
  rejects(
    withSteps([{ name: 'a' }]),
    'config: journeys[0].steps[0] needs a path (a page to open) or submit (a form on the page the step before ended on)',
  );
  rejects(
    withSteps([{ name: 'a', path: '/' }, { name: 'b' }]),
    'config: journeys[0].steps[1] needs a path (a page to open) or submit (a form on the page the step before ended on)',
  );
  rejects(
    withSteps([{ name: 'a', path: '/', submit: '#f' }]),
    'config: journeys[0].steps[0] has both path and submit: a step opens a page or submits a form',
  );
  rejects(
    withSteps([{ name: 'a', submit: '#f' }]),
    'config: journeys[0].steps[0].submit cannot be the first step: there is no page yet; open one with path',
  );
});

test('fields, button, answer and repeat_while_path are only for a step that submits', () => {
  const page = { name: 'a', path: '/' };
  rejects(
    withSteps([page, { name: 'b', path: '/x', fields: { subject: 'hi' } }]),
    'config: journeys[0].steps[1].fields is for a step that submits a form (submit)',
  );
  rejects(
    withSteps([page, { name: 'b', path: '/x', button: 'go' }]),
    'config: journeys[0].steps[1].button is for a step that submits a form (submit)',
  );
  rejects(withSteps([{ ...page, answer: 'quiz' }]), 'config: journeys[0].steps[0].answer is for a step that submits a form (submit)');
  rejects(
    withSteps([{ ...page, repeat_while_path: '/x' }]),
    'config: journeys[0].steps[0].repeat_while_path is for a step that submits a form (submit)',
  );
});

test('every placeholder is given before the step that uses it', () => {
  const nobody = (field: string, name: string) =>
    `config: journeys[0].${field} uses {${name}}, which no param, earlier step's take or run variable (vu, iteration, journey) gives`;
  rejects(withSteps([{ name: 'a', path: '/x?id={nope}' }]), nobody('steps[0].path', 'nope'));
  rejects(
    withSteps([
      { name: 'a', path: '/' },
      { name: 'b', submit: '#f', fields: { subject: '{who}' } },
    ]),
    nobody('steps[1].fields.subject', 'who'),
  );
  // Given by a param, a run variable, or an earlier step's take: accepted.
  const ok = validateConfig(
    withSteps(
      [
        { name: 'a', path: '/x?id={cm}&v={vu}', take: { d: { match: 'd=(\\d+)' } } },
        { name: 'b', path: '/y?d={d}&j={journey}&i={iteration}' },
      ],
      { params: { cm: 5 } },
    ),
  );
  assert.deepEqual(ok.journeys[0]?.steps[1]?.path?.params, ['d', 'journey', 'iteration']);
  // Taken only by a later step, or by the same step: not known yet.
  rejects(
    withSteps([
      { name: 'a', path: '/y?d={d}' },
      { name: 'b', path: '/x', take: { d: { match: 'd=(\\d+)' } } },
    ]),
    nobody('steps[0].path', 'd'),
  );
  rejects(withSteps([{ name: 'a', path: '/y?d={d}', take: { d: { url_param: 'd' } } }]), nobody('steps[0].path', 'd'));
  // The urls' parameters are not the journey's.
  rejects(
    { ...(withSteps([{ name: 'a', path: '/c?id={courseid}' }]) as object), parameters: { courseid: { min: 1, max: 2 } } },
    nobody('steps[0].path', 'courseid'),
  );
  // A broken template says where.
  rejects(withSteps([{ name: 'a', path: '/x?id={cm' }]), 'config: journeys[0].steps[0].path unclosed "{" at character 7: "/x?id={cm"');
});

test('a take needs match or url_param, and a match a valid regular expression with a group', () => {
  const take = (rule: unknown) => withSteps([{ name: 'a', path: '/', take: { d: rule } }]);
  const neither = 'config: journeys[0].steps[0].take.d needs one of match (a regular expression on the page) or url_param';
  rejects(take({ pick: 'first' }), neither);
  rejects(take({ match: 'd=(\\d+)', url_param: 'd' }), neither);
  rejects(take({ match: 'd=\\d+' }), 'config: journeys[0].steps[0].take.d.match needs a group ( ) around the value to take');
  rejects(take({ match: 'd=(?:\\d+)' }), 'config: journeys[0].steps[0].take.d.match needs a group ( ) around the value to take');
  rejects(
    take({ match: 'd=(\\d+' }),
    /^config: journeys\[0\]\.steps\[0\]\.take\.d\.match is not a regular expression \(Invalid regular expression: .+\)$/,
  );
  // A named group, or a group among alternatives, is a group.
  assert.equal(validateConfig(take({ match: 'd=(?<id>\\d+)' })).journeys.length, 1);
  assert.equal(validateConfig(take({ match: 'x|d=(\\d+)' })).journeys.length, 1);
});

test('names: a journey repeating a url or journey name, a repeated step name, a custom journey without one', () => {
  rejects(
    withSteps([{ name: 'a', path: '/' }], { name: 'dashboard' }),
    'config: journeys[0].name repeats the name "dashboard": journey and url names must be unique',
  );
  // A url without a name is named by its path.
  rejects(
    withJourneys([{ name: '/my/', steps: [{ name: 'a', path: '/' }] }], [{ path: '/my/' }]),
    'config: journeys[0].name repeats the name "/my/": journey and url names must be unique',
  );
  // Two of the same built-in need names of their own.
  rejects(
    withJourneys([
      { journey: 'forum_reply', params: { forum: 1 } },
      { journey: 'forum_reply', params: { forum: 2 } },
    ]),
    'config: journeys[1].name repeats the name "forum_reply": journey and url names must be unique',
  );
  assert.deepEqual(
    validateConfig(
      withJourneys([
        { journey: 'forum_reply', params: { forum: 1 } },
        { journey: 'forum_reply', name: 'reply_2', params: { forum: 2 } },
      ]),
    ).journeys.map((j) => [j.name, j.kind]),
    [
      ['forum_reply', 'forum_reply'],
      ['reply_2', 'forum_reply'],
    ],
  );
  rejects(
    withSteps([
      { name: 'a', path: '/' },
      { name: 'a', path: '/x' },
    ]),
    'config: journeys[0].steps[1].name repeats the step name "a"',
  );
  rejects(
    withJourneys([{ steps: [{ name: 'a', path: '/' }] }]),
    'config: journeys[0].name is missing: a journey of its own steps needs a name',
  );
  rejects(
    withSteps([{ name: 'a', path: '/' }], { name: 'a,b' }),
    'config: journeys[0].name must not contain a comma or quotes, nor start or end with a space: "a,b"',
  );
});

test('think_time: [min, max] seconds, min not negative nor above max', () => {
  const think = (t: unknown) => withJourneys([{ journey: 'forum_reply', params: { forum: 1 }, think_time: t }]);
  assert.deepEqual(validateConfig(think([0, 0])).journeys[0]?.think, [0, 0]);
  assert.deepEqual(validateConfig(think([2, 2])).journeys[0]?.think, [2, 2]);
  rejects(think([5, 2]), 'config: journeys[0].think_time has min (5) greater than max (2)');
  rejects(think([-1, 2]), 'config: journeys[0].think_time must not be negative (-1)');
  rejects(think([1, 2, 3]), 'config: journeys[0].think_time must be [min, max] seconds');
});
