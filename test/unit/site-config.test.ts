import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDbType, describeTarget, pgEnv, resolveTarget } from '../../cli/site/db-target';
import { dumpTables } from '../../cli/site/pg-tools';
import { parseMoodleConfig, phpLiteral } from '../../cli/site/moodle-config';
import { throwsMessage } from '../helpers/assert';

// The shape of config-dist.php and of the config.php moodle-site/build.sh writes.
const CONFIG = `<?php  // Moodle configuration file

unset($CFG);
global $CFG;
$CFG = new stdClass();

$CFG->dbtype    = 'pgsql';
$CFG->dblibrary = 'native';
$CFG->dbhost    = '127.0.0.1';
$CFG->dbname    = 'moodle_load';
$CFG->dbuser    = 'moodle_load';
$CFG->dbpass    = 'p4ss;w\\'rd // not a comment';
$CFG->prefix    = 'mdl_';
$CFG->dboptions = array(
    'dbpersist' => 0,
    'dbport' => 5433,   // a comment
    'dbsocket' => '',
);
// $CFG->dbname = 'commented_out';
/* $CFG->prefix = 'x_'; */
$CFG->wwwroot   = 'http://127.0.0.1:8090';
$CFG->dataroot  = "/var/tmp/moodle-load-site/data";
$CFG->directorypermissions = 02777;
require_once(__DIR__ . '/lib/setup.php');
`;

test('config.php: the plain $CFG->x = literal lines, dboptions dbport; comments ignored, quotes inside strings kept', () => {
  assert.deepEqual(parseMoodleConfig(CONFIG), {
    dbtype: 'pgsql',
    dbhost: '127.0.0.1',
    dbname: 'moodle_load',
    dbuser: 'moodle_load',
    dbpass: "p4ss;w'rd // not a comment",
    prefix: 'mdl_',
    dbport: 5433,
    dbsocket: undefined,
    dataroot: '/var/tmp/moodle-load-site/data',
  });
});

test('config.php: short array syntax, a socket, no port; defaults for prefix and password', () => {
  const c = parseMoodleConfig(
    `<?php $CFG->dbtype='pgsql'; $CFG->dbname="m"; $CFG->dbuser='u'; $CFG->dboptions = ['dbsocket' => '/run/postgresql'];`,
  );
  assert.equal(c.prefix, 'mdl_');
  assert.equal(c.dbpass, '');
  assert.equal(c.dbport, undefined);
  assert.equal(c.dbsocket, '/run/postgresql');
});

test('config.php: a value that is not a literal is named, a missing one too; the password never shown', () => {
  throwsMessage(
    () => parseMoodleConfig(`<?php $CFG->dbtype='pgsql'; $CFG->dbname=getenv('DB'); $CFG->dbuser='u';`),
    /^config\.php: \$CFG->dbname is not a plain string literal \(getenv\('DB'\)\)/,
  );
  throwsMessage(() => parseMoodleConfig(`<?php $CFG->dbtype='pgsql'; $CFG->dbname='m';`), /^config\.php: \$CFG->dbuser is not set$/);
  assert.throws(
    () => parseMoodleConfig(`<?php $CFG->dbtype='pgsql'; $CFG->dbname='m'; $CFG->dbuser='u'; $CFG->dbpass = SECRET_SAUCE;`),
    (e: Error) => /dbpass is not a plain string literal; give/.test(e.message) && !e.message.includes('SECRET_SAUCE'),
  );
});

test('PHP literals: escapes of single and double quotes; interpolation is not a literal', () => {
  assert.equal(phpLiteral(`'a\\\\b\\'c\\n'`), "a\\b'c\\n");
  assert.equal(phpLiteral(`"a\\tb\\"c"`), 'a\tb"c');
  assert.equal(phpLiteral(`"x$y"`), undefined);
  assert.equal(phpLiteral('5432'), 5432);
});

test('MySQL/MariaDB: one clear line; other types too', () => {
  throwsMessage(() => checkDbType('mariadb'), /^MySQL\/MariaDB sites \(dbtype 'mariadb'\) are not supported yet: .*PostgreSQL/);
  throwsMessage(() => checkDbType('mysqli'), /not supported yet/);
  throwsMessage(() => checkDbType('sqlsrv'), /^dbtype 'sqlsrv' is not supported/);
  checkDbType('pgsql');
});

test('target: flags over the fallback; the password only from PGPASSWORD, and only in the tools environment', () => {
  const t = resolveTarget(
    { 'db-name': 'other', 'db-port': '5444' },
    { PGPASSWORD: 'pw' },
    { host: 'h', dbname: 'm', user: 'u', prefix: 'mdl_' },
  );
  assert.deepEqual(t, { host: 'h', port: 5444, dbname: 'other', user: 'u', password: 'pw', prefix: 'mdl_', dataroot: undefined });
  assert.equal(describeTarget(t), 'database other on h:5444 as u');
  const env = pgEnv(t, { PATH: '/bin' });
  assert.deepEqual([env.PGHOST, env.PGPORT, env.PGDATABASE, env.PGUSER, env.PGPASSWORD], ['h', '5444', 'other', 'u', 'pw']);
  assert.match(env.PGOPTIONS as string, /lock_timeout/);
  throwsMessage(
    () => resolveTarget({ 'db-name': 'm', 'db-user': 'u', 'db-prefix': 'mdl"; DROP' }, {}),
    /^--db-prefix must hold letters, digits and underscores only/,
  );
  throwsMessage(() => resolveTarget({ 'db-name': 'm', 'db-user': 'u', 'db-port': 'x' }, {}), /^--db-port must be a port number/);
  throwsMessage(() => resolveTarget({}, {}), /^no database named/);
});

test('pg_restore --list: the table names of the dump', () => {
  const toc =
    ';\n; Archive created at 2026-11-25\n215; 1259 16385 TABLE public mdl_config moodle_load\n216; 1259 16384 SEQUENCE public mdl_config_id_seq moodle_load\n4242; 0 16385 TABLE DATA public mdl_config moodle_load\n217; 1259 16390 TABLE public mdl_user moodle_load\n';
  assert.deepEqual(dumpTables(toc), ['mdl_config', 'mdl_user']);
});
