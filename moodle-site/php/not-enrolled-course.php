<?php
// Makes (once) a visible course with one page and one forum in which nobody is enrolled, so a
// load test can ask for a course the users cannot enter. Prints its id. php not-enrolled-course.php CODE_DIR
define('CLI_SCRIPT', true);
require($argv[1] . '/config.php');
require_once($CFG->dirroot . '/course/lib.php');
require_once($CFG->dirroot . '/lib/phpunit/classes/util.php');

const SHORTNAME = 'moodle_load_not_enrolled';
$id = $DB->get_field('course', 'id', ['shortname' => SHORTNAME]);
if (!$id) {
    \core\session\manager::set_user(get_admin());
    $course = create_course((object) [
        'fullname' => 'moodle-load: nobody is enrolled here',
        'shortname' => SHORTNAME,
        'category' => $DB->get_field_sql('SELECT MIN(id) FROM {course_categories}'),
        'visible' => 1,
    ]);
    $generator = phpunit_util::get_data_generator();
    $generator->create_module('page', ['course' => $course->id, 'name' => 'Closed page']);
    $generator->create_module('forum', ['course' => $course->id, 'name' => 'Closed forum']);
    $id = $course->id;
}
echo $id, "\n";
