<?php
// Gives each user of the users file the history of an account in use: views of PER_USER of the given pages
// and then of the forum, through the modules' own page_view() and forum_view() (what their view.php calls:
// the course_module_viewed event, its observers, completion), as that user.
// Run as: php user-history.php CODE_DIR PER_USER FORUM_CMID PAGE_CMID,PAGE_CMID,... < users.csv
// Prints how many views it made. Reads only the usernames from the users file.
define('CLI_SCRIPT', true);
require($argv[1] . '/config.php');
require_once($CFG->dirroot . '/mod/page/lib.php');
require_once($CFG->dirroot . '/mod/forum/lib.php');

[$perUser, $forumCmid] = [(int) $argv[2], (int) $argv[3]];
$pageCmids = array_map('intval', explode(',', $argv[4]));
if ($perUser < 1 || $perUser > count($pageCmids)) {
    fwrite(STDERR, "PER_USER must be 1.." . count($pageCmids) . ", got {$argv[2]}\n");
    exit(1);
}

/** [record, course, cm, context] of a course module, read once. */
function module_of(int $cmid, string $modname): array {
    global $DB;
    [$course, $cm] = get_course_and_cm_from_cmid($cmid, $modname);
    $record = $DB->get_record($modname, ['id' => $cm->instance], '*', MUST_EXIST);
    return [$record, $course, $cm->get_course_module_record(), context_module::instance($cmid)];
}

$pages = array_map(fn($cmid) => module_of($cmid, 'page'), $pageCmids);
$forum = module_of($forumCmid, 'forum');

$views = 0;
$n = 0;
while (($line = fgets(STDIN)) !== false) {
    $username = trim(explode(',', $line, 2)[0]);
    if ($username === '') {
        continue;
    }
    $user = $DB->get_record('user', ['username' => $username, 'deleted' => 0], '*', MUST_EXIST);
    // The observers record only logged-in, non-guest users: act as this one.
    \core\session\manager::set_user($user);
    // User n views the PER_USER pages from n x PER_USER on, so every page is in someone's history.
    for ($j = 0; $j < $perUser; $j++) {
        page_view(...$pages[($n * $perUser + $j) % count($pages)]);
        $views++;
    }
    forum_view(...$forum);
    $views++;
    $n++;
}
echo "$n users, $views views\n";
