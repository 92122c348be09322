<?php
// The site's ids, read from its database, as build.sh needs them:
//   php site-files.php CODE_DIR SITE_DIR ids                 ids.json: the ids the warm-up and the tests use
//   php site-files.php CODE_DIR SITE_DIR inventory           inventory.md, for people
//   php site-files.php CODE_DIR SITE_DIR config WWWROOT      moodle-load.json, a ready moodle-load config
//   php site-files.php CODE_DIR SITE_DIR journeys WWWROOT    moodle-load-journeys.json, a config of the journeys
define('CLI_SCRIPT', true);
[, $codedir, $sitedir, $mode] = $argv;
require($codedir . '/config.php');

/** Usernames of the newest tool_generator users file (the file moodle-load logs in from). */
function users_file_usernames(): array {
    $files = get_file_storage()->get_area_files(context_system::instance()->id, 'tool_generator', 'users',
        false, 'id DESC', false);
    if (!$files) {
        throw new coding_exception('no tool_generator users file');
    }
    $names = [];
    foreach (preg_split('/\R/', trim(reset($files)->get_content())) as $line) {
        $names[] = explode(',', $line, 2)[0];
    }
    return $names;
}

/** A {min, max} range when the ids are consecutive, else null. */
function id_range(array $ids): ?array {
    sort($ids);
    return (end($ids) - reset($ids) === count($ids) - 1) ? ['min' => reset($ids), 'max' => end($ids)] : null;
}

function cmids(int $courseid, string $modname): array {
    $modinfo = get_fast_modinfo($courseid);
    return array_values(array_map(fn($cm) => (int) $cm->id, $modinfo->get_instances_of($modname)));
}

$plancourse = $DB->get_record('course', ['shortname' => trim(file_get_contents("$sitedir/state/plan-course"))], '*', MUST_EXIST);
$notenrolled = (int) trim(file_get_contents("$sitedir/state/not-enrolled-course"));
$usernames = users_file_usernames();
[$insql, $params] = $DB->get_in_or_equal($usernames);
$userids = array_map('intval', array_values($DB->get_fieldset_select('user', 'id', "username $insql", $params)));
sort($userids);
$missinguser = (int) $DB->get_field_sql('SELECT MAX(id) FROM {user}') + 1000;
$pages = cmids($plancourse->id, 'page');
$forums = cmids($plancourse->id, 'forum');
sort($pages);

/** The modules php/journey-modules.php made (found by their names there), or null on a site without them. */
function journey_ids(): ?array {
    global $DB;
    $course = $DB->get_field('course', 'id', ['shortname' => 'testcourse_10']);
    if (!$course) {
        return null;
    }
    $named = function(string $modname, string $name) use ($course): ?cm_info {
        foreach (get_fast_modinfo($course)->get_instances_of($modname) as $cm) {
            if ($cm->name === $name) {
                return $cm;
            }
        }
        return null;
    };
    [$quiz, $forum] = [$named('quiz', 'moodle-load quiz'), $named('forum', 'moodle-load forum')];
    if (!$quiz || !$forum) {
        return null;
    }
    $assigns = [];
    for ($i = 1; $assign = $named('assign', "moodle-load assignment $i"); $i++) {
        $assigns[] = (int) $assign->id;
    }
    $slots = $DB->get_records('quiz_slots', ['quizid' => $quiz->instance], 'slot', 'slot, page');
    // Those journey-modules.php started, not those the journeys add.
    $discussions = $DB->get_records_select('forum_discussions', 'forum = ? AND ' . $DB->sql_like('name', '?'),
        [$forum->instance, 'moodle-load discussion %'], 'id', 'id, firstpost');
    return [
        'course' => (int) $course,
        'quiz' => (int) $quiz->id,
        'quiz_questions' => count($slots),
        'quiz_pages' => count(array_unique(array_column($slots, 'page'))),
        'assigns' => $assigns,
        'forum' => (int) $forum->id,
        'discussions' => array_map('intval', array_keys($discussions)),
        'first_posts' => array_map('intval', array_values(array_column($discussions, 'firstpost'))),
    ];
}

$ids = [
    'course' => (int) $plancourse->id,
    'page' => $pages[0],
    'forum' => $forums[0],
    'user' => $userids[0],
    'not_enrolled' => $notenrolled,
    'missing_user' => $missinguser,
    'pages' => $pages,
    'users' => $userids,
    'journeys' => journey_ids(),
];

if ($mode === 'ids') {
    echo json_encode($ids), "\n";
    exit(0);
}

if ($mode === 'config') {
    $wwwroot = $argv[4];
    $params = [];
    $pagerange = id_range($pages);
    $userrange = id_range($userids);
    if ($pagerange) {
        $params['pageid'] = $pagerange;
    }
    if ($userrange) {
        $params['userid'] = $userrange;
    }
    $config = [
        '$comment' => "Written by moodle-load's make moodle-site for the test site at $wwwroot; ids in inventory.md.",
        'base_url' => $wwwroot,
        'users_file' => 'users.csv',
        'parameters' => (object) $params,
        'urls' => [
            ['name' => 'dashboard', 'path' => '/my/'],
            ['name' => 'course', 'path' => "/course/view.php?id={$plancourse->id}"],
            ['name' => 'page', 'path' => '/mod/page/view.php?id=' . ($pagerange ? '{pageid}' : $pages[0])],
            ['name' => 'forum', 'path' => "/mod/forum/view.php?id={$forums[0]}"],
            ['name' => 'profile', 'path' => '/user/profile.php?id=' . ($userrange ? '{userid}' : $userids[0])],
        ],
    ];
    echo json_encode($config, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
    exit(0);
}

if ($mode === 'journeys') {
    $wwwroot = $argv[4];
    $j = $ids['journeys'] ?? throw new coding_exception('no journey modules: run php/journey-modules.php first');
    // The engine reads `journeys`; `urls` is what a config must have.
    $config = [
        '$comment' => "Written by moodle-load's make moodle-site for the test site at $wwwroot: the journeys, in course "
            . "{$j['course']} (testcourse_10); ids in inventory.md.",
        'base_url' => $wwwroot,
        'users_file' => 'users.csv',
        'urls' => [['name' => 'quiz_view', 'path' => "/mod/quiz/view.php?id={$j['quiz']}"]],
        'journeys' => [
            ['journey' => 'quiz_attempt', 'weight' => 1, 'params' => ['quiz' => $j['quiz']]],
            ['journey' => 'forum_reply', 'weight' => 1, 'params' => ['forum' => $j['forum']]],
            ['journey' => 'forum_discussion', 'weight' => 1, 'params' => ['forum' => $j['forum']]],
            ['journey' => 'assign_submission', 'weight' => 1, 'params' => ['assign' => $j['assigns']]],
        ],
    ];
    echo json_encode($config, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
    exit(0);
}

if ($mode !== 'inventory') {
    fwrite(STDERR, "mode: ids, inventory, config or journeys\n");
    exit(2);
}

// inventory.md
$enrolledcount = function(int $courseid) use ($DB): int {
    return (int) $DB->count_records_sql('SELECT COUNT(DISTINCT ue.userid) FROM {user_enrolments} ue
        JOIN {enrol} e ON e.id = ue.enrolid WHERE e.courseid = ?', [$courseid]);
};
$fileusersin = function(int $courseid) use ($DB, $userids): int {
    [$in, $p] = $DB->get_in_or_equal($userids);
    return (int) $DB->count_records_sql("SELECT COUNT(DISTINCT ue.userid) FROM {user_enrolments} ue
        JOIN {enrol} e ON e.id = ue.enrolid WHERE e.courseid = ? AND ue.userid $in", array_merge([$courseid], $p));
};
$release = $CFG->release;
$out = [];
$out[] = "# moodle-load test site: ids";
$out[] = "";
$out[] = "Moodle $release at {$CFG->wwwroot}, written by `make moodle-site` (generator: site S, plan M).";
$out[] = "The users file (`users.csv`) has " . count($userids) . " users: " . reset($usernames) . " .. "
    . end($usernames) . ", user ids " . (id_range($userids) ? $userids[0] . '..' . end($userids) : implode(', ', $userids)) . ".";
$out[] = "";
$out[] = "## Courses";
$out[] = "";
$out[] = "| id | shortname | enrolled users | users-file users enrolled | what a users-file user gets |";
$out[] = "|---|---|---|---|---|";
foreach ($DB->get_records_select('course', 'id <> ?', [SITEID], 'id', 'id, shortname') as $c) {
    $in = $fileusersin($c->id);
    $gets = $in === count($userids) ? '200 course page' : ($in === 0 ? "303 to /enrol/index.php?id={$c->id} (`not_enrolled`)" : "mixed: $in of " . count($userids));
    $mark = $c->id == $plancourse->id ? ' (the plan\'s course)' : ($c->id == $notenrolled ? ' (nobody enrolled)' : '');
    $out[] = "| {$c->id} | {$c->shortname}$mark | {$enrolledcount($c->id)} | $in | $gets |";
}
$out[] = "";
$out[] = "A course nobody of the users file is enrolled in: **$notenrolled** (`/course/view.php?id=$notenrolled`).";
$out[] = "";
$out[] = "## Modules of the plan's course {$plancourse->id} ({$plancourse->shortname})";
$out[] = "";
$out[] = "| module | count | cmids (`/mod/NAME/view.php?id=`) |";
$out[] = "|---|---|---|";
$modinfo = get_fast_modinfo($plancourse->id);
$bymod = [];
foreach ($modinfo->get_cms() as $cm) {
    $bymod[$cm->modname][] = (int) $cm->id;
}
ksort($bymod);
foreach ($bymod as $modname => $list) {
    sort($list);
    $range = id_range($list);
    $shown = ($range && count($list) > 1) ? "{$range['min']}..{$range['max']}" : implode(', ', $list);
    $out[] = "| $modname | " . count($list) . " | $shown |";
}
$closed = get_fast_modinfo($notenrolled);
$out[] = "";
$out[] = "Modules in the not-enrolled course $notenrolled: " . implode(', ', array_map(
    fn($cm) => "{$cm->modname} {$cm->id}", array_values($closed->get_cms()))) . ".";
$j = $ids['journeys'];
if ($j) {
    $out[] = "";
    $out[] = "## Modules the journeys write to (course {$j['course']}, testcourse_10; `moodle-load-journeys.json`)";
    $out[] = "";
    $out[] = "Made by `php/journey-modules.php`; every users-file user is a student there.";
    $out[] = "";
    $out[] = "- quiz \"moodle-load quiz\": cmid **{$j['quiz']}**, {$j['quiz_questions']} questions on {$j['quiz_pages']} pages "
        . "(multichoice, truefalse, shortanswer / numerical, multichoice, truefalse), unlimited attempts, free navigation";
    $out[] = "- assignments \"moodle-load assignment 1..\": cmids " . implode(', ', $j['assigns'])
        . " (online text, a draft then \"Submit assignment\", no due date)";
    $out[] = "- forum \"moodle-load forum\": cmid **{$j['forum']}**, discussions " . implode(', ', $j['discussions'])
        . " (first posts " . implode(', ', $j['first_posts']) . ": `/mod/forum/post.php?reply=`)";
}
$out[] = "";
$out[] = "## Users";
$out[] = "";
$out[] = "- admin: id " . get_admin()->id . " (its password is in the site's etc/site.env, root only)";
$out[] = "- users file: ids " . (id_range($userids) ? $userids[0] . '..' . end($userids) : implode(', ', $userids));
$out[] = "- all tool_generator users: " . $DB->count_records_select('user', $DB->sql_like('username', '?'), ['tool\_generator\_%']);
$out[] = "- a missing user id: **$missinguser** (`/user/profile.php?id=$missinguser` answers 200 \"Invalid user\": `moodle_error`)";
$out[] = "";
$out[] = "## Paths";
$out[] = "";
$out[] = "- code (a git work tree): $CFG->dirroot";
$out[] = "- moodledata: $CFG->dataroot (sessions in {$CFG->dataroot}/sessions)";
$out[] = "- logs: $sitedir/logs (nginx access log: access.log, one JSON object a line)";
echo implode("\n", $out), "\n";
