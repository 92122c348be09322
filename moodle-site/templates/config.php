<?php  // Moodle configuration file, written by moodle-load's moodle-site/build.sh (a throwaway test site).

unset($CFG);
global $CFG;
$CFG = new stdClass();

$CFG->dbtype    = 'pgsql';
$CFG->dblibrary = 'native';
$CFG->dbhost    = '127.0.0.1';
$CFG->dbname    = '@DBNAME@';
$CFG->dbuser    = '@DBUSER@';
$CFG->dbpass    = '@DBPASS@';
$CFG->prefix    = 'mdl_';
$CFG->dboptions = ['dbport' => @DBPORT@];

$CFG->wwwroot   = '@WWWROOT@';
$CFG->dataroot  = '@DATAROOT@';
$CFG->admin     = 'admin';
$CFG->directorypermissions = 02777;

// The performance footer (timeused, DB reads/writes, ...) on every page: moodle-load reads it.
define('MDL_PERF_TEST', true);
// tool_generator gives its users this password (maketestplan --updateuserspassword).
$CFG->tool_generator_users_password = '@USERSPASS@';
// Nothing leaves the machine: no mail, and every outgoing HTTP request goes to a closed port.
$CFG->noemailever = true;
$CFG->proxyhost = '127.0.0.1';
$CFG->proxyport = 9;
$CFG->proxybypass = '';

require_once(__DIR__ . '/lib/setup.php');
// There is no php closing tag in this file, it is intentional because it prevents trailing whitespace problems!
