<?php
// Makes (once) the modules the journeys write to, in course testcourse_10: a quiz of 6 questions on 2 pages,
// 5 assignments with online text submissions and a forum with 5 discussions by users of the users file.
// Run as: php journey-modules.php CODE_DIR. Prints what it made (or found). Modules already there (by name)
// are left alone, so a second run changes nothing.
define('CLI_SCRIPT', true);
require($argv[1] . '/config.php');
require_once($CFG->dirroot . '/lib/phpunit/classes/util.php');
require_once($CFG->dirroot . '/mod/quiz/locallib.php');
require_once($CFG->dirroot . '/question/engine/bank.php');

// Not the plan's course (testcourse_9): its pages stay as the page-view tests measured them. Size S gives
// testcourse_10 the same 100 users.
const COURSE = 'testcourse_10';
const QUIZ = 'moodle-load quiz';
const ASSIGN = 'moodle-load assignment';   // 1..ASSIGNS
const ASSIGNS = 5;
const FORUM = 'moodle-load forum';
const DISCUSSIONS = 5;
const SECTION = 1;

/** Usernames of the newest tool_generator users file (as in site-files.php). */
function users_file_usernames(): array {
    $files = get_file_storage()->get_area_files(context_system::instance()->id, 'tool_generator', 'users',
        false, 'id DESC', false);
    if (!$files) {
        throw new coding_exception('no tool_generator users file');
    }
    return array_map(fn($line) => explode(',', $line, 2)[0], preg_split('/\R/', trim(reset($files)->get_content())));
}

/** The cm of the module called $name in the course, or null. */
function module_named(int $courseid, string $modname, string $name): ?cm_info {
    foreach (get_fast_modinfo($courseid)->get_instances_of($modname) as $cm) {
        if ($cm->name === $name) {
            return $cm;
        }
    }
    return null;
}

/**
 * Saves a question as its edit form would (what core_question_generator::create_question() does; that one
 * loads question/engine/tests/helpers.php, which needs PHPUnit, not in a release). Form data as in the
 * qtypes' test helpers: multichoice one_of_four, truefalse true, shortanswer frogtoad, numerical pi.
 */
function make_question(string $qtype, int $categoryid, string $name): stdClass {
    $html = fn(string $text) => ['text' => $text, 'format' => FORMAT_HTML];
    $form = (object) [
        'category' => $categoryid,
        'name' => $name,
        'defaultmark' => 1,
        'generalfeedback' => $html(''),
        'penalty' => 0.3333333,
        'status' => \core_question\local\bank\question_version_status::QUESTION_STATUS_READY,
    ];
    switch ($qtype) {
        case 'multichoice':   // one answer of four: radio buttons
            $form->questiontext = $html('Which is the oddest number?');
            $form->single = 1;
            $form->shuffleanswers = 1;
            $form->answernumbering = 'abc';
            $form->showstandardinstruction = 0;
            $form->shownumcorrect = 1;
            $form->answer = array_map(fn($t) => ['text' => $t, 'format' => FORMAT_PLAIN], ['One', 'Two', 'Three', 'Four']);
            $form->fraction = ['1.0', '0.0', '0.0', '0.0'];
            $form->feedback = array_fill(0, 4, $html(''));
            $form->correctfeedback = $html('Well done!');
            $form->partiallycorrectfeedback = $html('Parts, but only parts, of your response are correct.');
            $form->incorrectfeedback = $html('That is not right at all.');
            break;
        case 'truefalse':
            $form->questiontext = $html('The answer is true.');
            $form->correctanswer = '1';
            $form->feedbacktrue = $html('');
            $form->feedbackfalse = $html('');
            $form->penalty = 1;
            break;
        case 'shortanswer':
            $form->questiontext = $html('Name an amphibian: __________');
            $form->usecase = 0;
            $form->answer = ['frog', 'toad', '*'];
            $form->fraction = ['1.0', '0.8', '0.0'];
            $form->feedback = array_fill(0, 3, $html(''));
            break;
        case 'numerical':   // no units: one text field
            $form->questiontext = $html('What is pi to two d.p.?');
            $form->answer = ['3.14', '*'];
            $form->tolerance = [0, 0];
            $form->fraction = ['1.0', '0.0'];
            $form->feedback = array_fill(0, 2, $html(''));
            $form->unitrole = 3;   // qtype_numerical::UNITNONE
            $form->unitpenalty = 0.1;
            $form->unitgradingtypes = 1;
            $form->unitsleft = 0;
            $form->nounits = 1;
            $form->multiplier = ['1.0'];
            break;
    }
    $question = (object) ['qtype' => $qtype, 'category' => $categoryid, 'createdby' => 0, 'idnumber' => null,
        'status' => $form->status];
    return question_bank::get_qtype($qtype)->save_question($question, $form);
}

\core\session\manager::set_user(get_admin());
$course = $DB->get_record('course', ['shortname' => COURSE], '*', MUST_EXIST);
$generator = phpunit_util::get_data_generator();

// The journeys log in as users of the users file: each must be a student here.
$usernames = users_file_usernames();
$studentrole = $DB->get_field('role', 'id', ['shortname' => 'student'], MUST_EXIST);
[$in, $params] = $DB->get_in_or_equal($usernames);
$users = $DB->get_records_select('user', "username $in", $params, 'id', 'id, username');
$students = $DB->get_fieldset_select('role_assignments', 'userid', 'roleid = ? AND contextid = ?',
    [$studentrole, context_course::instance($course->id)->id]);
$missing = array_diff(array_keys($users), $students);
if ($missing || count($users) !== count($usernames)) {
    throw new moodle_exception('generalexceptionmessage', 'error', '', count($missing) . ' of ' . count($usernames)
        . ' users-file users are not students of ' . COURSE);
}
$made = [];
// All or nothing: a run that fails half-way leaves no quiz without its questions for the next run to skip.
$transaction = $DB->start_delegated_transaction();

// The quiz: 2 pages of 3 questions, each type on page 1. The generator's defaults: unlimited attempts, no time
// limit, free navigation, deferred feedback, every review option on (the review page follows the finish).
if (!($quizcm = module_named($course->id, 'quiz', QUIZ))) {
    $quiz = $generator->create_module('quiz', ['course' => $course->id, 'section' => SECTION, 'name' => QUIZ,
        'intro' => 'Attempted by moodle-load journeys.', 'questionsperpage' => 3, 'attempts' => 0, 'timelimit' => 0,
        'navmethod' => QUIZ_NAVMETHOD_FREE, 'quizpassword' => '', 'preferredbehaviour' => 'deferredfeedback']);
    $category = $generator->get_plugin_generator('core_question')->create_question_category([
        'contextid' => context_course::instance($course->id)->id, 'name' => QUIZ . ' questions']);
    $layout = [1 => ['multichoice', 'truefalse', 'shortanswer'], 2 => ['numerical', 'multichoice', 'truefalse']];
    $n = 0;
    foreach ($layout as $page => $qtypes) {
        foreach ($qtypes as $qtype) {
            $n++;
            $question = make_question($qtype, $category->id, "Q$n $qtype");
            quiz_add_quiz_question($question->id, $quiz, $page);
        }
    }
    \mod_quiz\quiz_settings::create($quiz->id)->get_grade_calculator()->recompute_quiz_sumgrades();
    $quizcm = module_named($course->id, 'quiz', QUIZ);
    $made[] = "quiz $quizcm->id ($n questions)";
}

// Assignments: online text only; a student saves a draft, then submits it (no statement to accept).
for ($i = 1; $i <= ASSIGNS; $i++) {
    if (module_named($course->id, 'assign', ASSIGN . " $i")) {
        continue;
    }
    $assign = $generator->create_module('assign', ['course' => $course->id, 'section' => SECTION,
        'name' => ASSIGN . " $i", 'intro' => 'Submitted by moodle-load journeys.',
        'assignsubmission_onlinetext_enabled' => 1, 'assignsubmission_file_enabled' => 0,
        'submissiondrafts' => 1, 'requiresubmissionstatement' => 0, 'duedate' => 0, 'cutoffdate' => 0,
        'allowsubmissionsfromdate' => 0, 'gradingduedate' => 0, 'teamsubmission' => 0]);
    $made[] = "assign $assign->cmid";
}

// The forum, with discussions by the first users of the users file, for the replies.
if (!($forumcm = module_named($course->id, 'forum', FORUM))) {
    $forum = $generator->create_module('forum', ['course' => $course->id, 'section' => SECTION, 'name' => FORUM,
        'intro' => 'Written to by moodle-load journeys.', 'type' => 'general']);
    $authors = array_values($users);
    for ($i = 1; $i <= DISCUSSIONS; $i++) {
        $generator->get_plugin_generator('mod_forum')->create_discussion(['course' => $course->id,
            'forum' => $forum->id, 'userid' => $authors[$i - 1]->id, 'name' => "moodle-load discussion $i",
            'message' => "<p>Discussion $i, for moodle-load journeys to reply to.</p>", 'messageformat' => FORMAT_HTML,
            // Marked as mailed: a later cron run sends no notifications for them.
            'mailed' => 1]);
    }
    $forumcm = module_named($course->id, 'forum', FORUM);
    $made[] = "forum $forum->cmid (" . DISCUSSIONS . " discussions)";
}

// And may do what the journeys do.
$caps = ['mod/quiz:attempt' => $quizcm, 'mod/forum:replypost' => $forumcm, 'mod/forum:startdiscussion' => $forumcm,
    'mod/assign:submit' => module_named($course->id, 'assign', ASSIGN . ' 1')];
foreach ($caps as $cap => $cm) {
    foreach ($users as $user) {
        if (!has_capability($cap, context_module::instance($cm->id), $user->id)) {
            throw new moodle_exception('generalexceptionmessage', 'error', '', "$user->username lacks $cap");
        }
    }
}

$transaction->allow_commit();
rebuild_course_cache($course->id, true);
echo COURSE . " ($course->id): " . ($made ? 'made ' . implode(', ', $made) : 'all there already') . "\n";
