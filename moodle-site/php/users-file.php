<?php
// Prints the newest users file that admin/tool/generator/cli/maketestplan.php stored
// (one username,password line per user). Run as: php users-file.php CODE_DIR
define('CLI_SCRIPT', true);
require($argv[1] . '/config.php');

$fs = get_file_storage();
$files = $fs->get_area_files(context_system::instance()->id, 'tool_generator', 'users', false, 'id DESC', false);
if (!$files) {
    fwrite(STDERR, "no tool_generator users file: maketestplan.php has not run\n");
    exit(1);
}
echo reset($files)->get_content();
