// The built-in journeys: the Moodle pages a student goes through, as steps a config could spell
// out itself (docs/journeys.md lists the pages). Each names the params it needs.
import type { RawStep } from './journey-config';

export interface BuiltinJourney {
  /** Params the config must give (a course module id, or a list to go through). */
  readonly needs: readonly string[];
  readonly steps: readonly RawStep[];
}

const TEXT = 'moodle-load {journey} by VU {vu}, iteration {iteration}';

export const BUILTIN_JOURNEYS: Readonly<Record<string, BuiltinJourney>> = {
  quiz_attempt: {
    needs: ['quiz'],
    steps: [
      { name: 'view', path: '/mod/quiz/view.php?id={quiz}' },
      {
        name: 'start',
        submit: 'form[action*="startattempt.php"]',
        expect_path: '/mod/quiz/attempt.php',
        take: { attempt: { url_param: 'attempt' } },
        creates: ['quiz_attempts'],
      },
      {
        name: 'answer',
        submit: '#responseform',
        answer: 'quiz',
        button: 'next',
        repeat_while_path: '/mod/quiz/attempt.php',
        expect_path: '/mod/quiz/summary.php',
      },
      {
        // The summary page's "Submit all and finish" (a browser asks to confirm in a dialog first).
        name: 'finish',
        submit: '#frm-finishattempt',
        expect_path: '/mod/quiz/review.php',
        creates: ['quiz_attempts_finished'],
      },
    ],
  },
  forum_reply: {
    needs: ['forum'],
    steps: [
      {
        name: 'forum',
        path: '/mod/forum/view.php?id={forum}',
        take: { discussion: { match: 'discuss\\.php\\?d=(\\d+)', pick: 'random' } },
      },
      {
        name: 'discussion',
        path: '/mod/forum/discuss.php?d={discussion}',
        take: { reply: { match: 'post\\.php\\?reply=(\\d+)', pick: 'random' } },
      },
      { name: 'reply_form', path: '/mod/forum/post.php?reply={reply}' },
      {
        name: 'post',
        submit: '#mformforum',
        fields: { 'message[text]': TEXT },
        button: 'submitbutton',
        expect_path: '/mod/forum/discuss.php',
        creates: ['forum_posts'],
      },
    ],
  },
  forum_discussion: {
    needs: ['forum'],
    steps: [
      // The forum page holds the "Add discussion topic" form (shown by a button in a browser).
      { name: 'forum', path: '/mod/forum/view.php?id={forum}' },
      {
        name: 'post',
        submit: '#mformforum',
        fields: { subject: 'moodle-load discussion {vu}.{iteration}', 'message[text]': TEXT },
        button: 'submitbutton',
        expect_path: '/mod/forum/view.php',
        creates: ['forum_discussions', 'forum_posts'],
      },
    ],
  },
  assign_submission: {
    // An online-text submission with drafts: save, then "Submit assignment" and confirm. Once
    // submitted it cannot be edited: a list of assignments gives each VU a fresh one per journey.
    needs: ['assign'],
    steps: [
      { name: 'view', path: '/mod/assign/view.php?id={assign}' },
      { name: 'edit', submit: 'form:has(input[name="action"][value="editsubmission"])', expect_path: '/mod/assign/view.php' },
      {
        name: 'save',
        submit: 'form:has(input[name="_qf__mod_assign_submission_form"])',
        fields: { 'onlinetext_editor[text]': TEXT },
        button: 'submitbutton',
        expect_path: '/mod/assign/view.php',
      },
      { name: 'submit_page', submit: 'form:has(input[name="action"][value="submit"])', expect_path: '/mod/assign/view.php' },
      {
        name: 'confirm',
        submit: 'form:has(input[name="_qf__mod_assign_confirm_submission_form"])',
        button: 'submitbutton',
        expect_path: '/mod/assign/view.php',
        creates: ['assign_submissions'],
      },
    ],
  },
};

export const BUILTIN_NAMES = Object.keys(BUILTIN_JOURNEYS);
