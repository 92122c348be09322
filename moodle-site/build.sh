#!/usr/bin/env bash
# A throwaway Moodle test site on loopback for moodle-load: PostgreSQL, php-fpm, nginx, Moodle installed
# from MOODLE_SRC, test data from Moodle's own tool_generator, a ready moodle-load config.
#
#   moodle-site/build.sh          build, or on a built site make sure its services run (seconds)
#   moodle-site/build.sh stop     stop the nginx, php-fpm (and PostgreSQL) this script started
#   REBUILD=1 moodle-site/build.sh   drop the site (database, code, data) and build it again
#
# Settings (environment): MOODLE_SRC (a Moodle code tree, a git checkout, or a .tar.gz of one),
# MOODLE_SITE_DIR, MOODLE_SITE_PORT, MOODLE_SITE_DB, MOODLE_SITE_FPM_CHILDREN, REBUILD.
# Each step prints what it does and how long it took; a failing step prints the end of its log.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SITE="${MOODLE_SITE_DIR:-/var/tmp/moodle-load-site}"
PORT="${MOODLE_SITE_PORT:-8090}"
DB="${MOODLE_SITE_DB:-moodle_load}"
DBUSER="$DB"
FPM_CHILDREN="${MOODLE_SITE_FPM_CHILDREN:-12}"
WWWROOT="http://127.0.0.1:$PORT"
CODE="$SITE/code" DATA="$SITE/data" LOGS="$SITE/logs" RUN="$SITE/run" ETC="$SITE/etc" STATE="$SITE/state"
MARKER="$SITE/.moodle-load-site"     # only a directory carrying this is ever deleted by REBUILD
PHP_VERSION=8.2
PACKAGES=(nginx "php$PHP_VERSION-fpm" "php$PHP_VERSION-cli" "php$PHP_VERSION-pgsql" "php$PHP_VERSION-intl"
  "php$PHP_VERSION-mbstring" "php$PHP_VERSION-xml" "php$PHP_VERSION-curl" "php$PHP_VERSION-zip" "php$PHP_VERSION-gd"
  "php$PHP_VERSION-soap" "php$PHP_VERSION-opcache" "php$PHP_VERSION-readline" "php$PHP_VERSION-bcmath"
  postgresql git curl)
# Moodle's generator sizes: the site (courses XS..S) and the plan (M: 100 users in the users file).
SITE_SIZE=S
PLAN_SIZE=M

say() { echo "moodle-site: $*" >&2; }
die() { say "error: $*"; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# step NAME "what it does" FUNCTION: runs FUNCTION with its output in logs/build-NAME.log. A step that
# finds its work already done says so: skip and done_with write the step's result line on fd 3.
step() {
  local name="$1" what="$2" fn="$3" start log result
  start="$(now)"
  log="$LOGS/build-$name.log"
  mkdir -p "$LOGS"
  say "[$name] $what ..."
  local rc=0
  # A subshell outside any condition, so `set -e` holds inside the step.
  set +e
  ( set -e; "$fn" ) >>"$log" 2>&1 3>"$log.result"
  rc=$?
  set -e
  if [ $rc -eq 0 ]; then
    result="$(cat "$log.result")"; rm -f "$log.result"
    say "[$name] ${result:-done} in $(secs "$start") s"
  else
    rm -f "$log.result"
    say "[$name] FAILED after $(secs "$start") s; last lines of $log:"
    tail -n 25 "$log" | sed 's/^/    /' >&2
    say "after fixing the cause, run it again; a half-built site starts clean with REBUILD=1"
    exit 1
  fi
}
skip() { echo "already done${1:+ ($1)}" >&3; }
done_with() { echo "done ($1)" >&3; }

as_postgres() { runuser -u postgres -- "$@"; }
as_www() { (cd "$CODE" && runuser -u www-data -- "$@"); }
# Moodle's environment check wants max_input_vars >= 5000; Debian's CLI default is 1000.
php_cli() { as_www php -d max_input_vars=5000 "$@"; }
psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PGPORT" "$@"; }
count_lines() { awk 'END { print NR }' "$1"; }   # the users file has no final newline
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
fill() {  # fill TEMPLATE OUT: replaces @NAME@ placeholders
  sed -e "s#@RUN@#$RUN#g" -e "s#@LOGS@#$LOGS#g" -e "s#@CODE@#$CODE#g" -e "s#@PORT@#$PORT#g" \
      -e "s#@CHILDREN@#$FPM_CHILDREN#g" -e "s#@DBNAME@#$DB#g" -e "s#@DBUSER@#$DBUSER#g" \
      -e "s#@DBPASS@#$DBPASS#g" -e "s#@DBPORT@#$PGPORT#g" -e "s#@WWWROOT@#$WWWROOT#g" \
      -e "s#@DATAROOT@#$DATA#g" -e "s#@USERSPASS@#$USERSPASS#g" "$1" >"$2.tmp"
  if cmp -s "$2.tmp" "$2"; then rm -f "$2.tmp"; return 1; fi
  mv "$2.tmp" "$2"
}

# --- steps -----------------------------------------------------------------------------------------

packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && { skip "all ${#PACKAGES[@]} present"; return 0; }
  echo "installing: ${missing[*]}"
  # Do not let the packages start their system-wide services (port 80, the default pool): this site runs
  # its own nginx and php-fpm. A policy-rc.d that already exists is left alone.
  local policy=/usr/sbin/policy-rc.d ours=
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; ours=1; fi
  local rc=0
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } || rc=$?
  [ -n "$ours" ] && rm -f "$policy"
  [ $rc -eq 0 ] && done_with "installed ${#missing[@]}: ${missing[*]}"
  return $rc
}

postgres() {
  local line ver cluster status
  line="$(pg_lsclusters --no-header | head -n 1)"
  [ -n "$line" ] || { echo "no PostgreSQL cluster (pg_lsclusters is empty): pg_createcluster 15 main"; return 1; }
  read -r ver cluster PGPORT status _ <<<"$line"
  echo "cluster $ver/$cluster port $PGPORT $status"
  if [ "$status" = online ]; then skip "$ver/$cluster on port $PGPORT"; return 0; fi
  pg_ctlcluster "$ver" "$cluster" start
  echo "$ver $cluster" >"$RUN/postgres.started"   # so `stop` stops only what we started
  done_with "started $ver/$cluster on port $PGPORT"
}

database() {
  if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" = 1 ]; then
    psql_admin -c "ALTER ROLE \"$DBUSER\" WITH LOGIN PASSWORD '$DBPASS'"
    skip "$DB"; return 0
  fi
  if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$DBUSER'")" = 1 ]; then
    psql_admin -c "ALTER ROLE \"$DBUSER\" WITH LOGIN PASSWORD '$DBPASS'"
  else
    psql_admin -c "CREATE ROLE \"$DBUSER\" WITH LOGIN PASSWORD '$DBPASS'"
  fi
  psql_admin -c "CREATE DATABASE \"$DB\" OWNER \"$DBUSER\" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
  # A throwaway site: commits need not wait for the disk (install and generator run faster).
  psql_admin -c "ALTER DATABASE \"$DB\" SET synchronous_commit = off"
  done_with "database $DB, role $DBUSER"
}

code() {
  if [ -f "$CODE/version.php" ] && [ -d "$CODE/.git" ]; then
    skip "$(git -C "$CODE" log -1 --format='%h %s' | cut -c1-60)"; return 0
  fi
  [ -n "${MOODLE_SRC:-}" ] || { echo "MOODLE_SRC is not set: a Moodle code tree, git checkout or .tar.gz"; return 1; }
  [ -e "$MOODLE_SRC" ] || { echo "MOODLE_SRC=$MOODLE_SRC does not exist"; return 1; }
  rm -rf "$CODE" "$CODE.tmp"
  local git=(git -c user.name=moodle-load -c user.email=moodle-load@localhost -c init.defaultBranch=main)
  if [ -f "$MOODLE_SRC" ]; then
    # A tarball: unpacked, then one commit, so a user can commit changes and bisect over them.
    mkdir -p "$CODE.tmp"
    tar -xzf "$MOODLE_SRC" -C "$CODE.tmp"
    local top; top="$(dirname "$(find "$CODE.tmp" -maxdepth 2 -name version.php -path '*/version.php' | head -n 1)")"
    [ -f "$top/version.php" ] || { echo "no version.php in $MOODLE_SRC: not a Moodle code tree"; return 1; }
    mv "$top" "$CODE"; rm -rf "$CODE.tmp"
    "${git[@]}" -C "$CODE" init -q
    "${git[@]}" -C "$CODE" add -A
    "${git[@]}" -C "$CODE" commit -q -m "Moodle $(release_of "$CODE") from $(basename "$MOODLE_SRC")"
  elif git -C "$MOODLE_SRC" rev-parse --git-dir >/dev/null 2>&1; then
    # A git checkout: cloned with its history, on the same branch (or commit when detached).
    # Uncommitted changes in it are not carried over (said in the log).
    [ -z "$(git -C "$MOODLE_SRC" status --porcelain --untracked-files=no)" ] || echo "note: uncommitted changes in $MOODLE_SRC are not copied"
    local branch head; branch="$(git -C "$MOODLE_SRC" symbolic-ref -q --short HEAD || true)"
    head="$(git -C "$MOODLE_SRC" rev-parse HEAD)"
    "${git[@]}" clone -q --no-checkout "$MOODLE_SRC" "$CODE"
    if [ -n "$branch" ]; then "${git[@]}" -C "$CODE" checkout -q -B "$branch" "$head"; else "${git[@]}" -C "$CODE" checkout -q "$head"; fi
  elif [ -f "$MOODLE_SRC/version.php" ]; then
    cp -a "$MOODLE_SRC" "$CODE"
    rm -f "$CODE/config.php"
    "${git[@]}" -C "$CODE" init -q
    "${git[@]}" -C "$CODE" add -A
    "${git[@]}" -C "$CODE" commit -q -m "Moodle $(release_of "$CODE") from $MOODLE_SRC"
  else
    echo "MOODLE_SRC=$MOODLE_SRC is neither a .tar.gz, a git checkout nor a Moodle code tree (no version.php)"; return 1
  fi
  # config.php is the site's own: never committed, never shown as a change.
  echo /config.php >>"$CODE/.git/info/exclude"
  echo "$MOODLE_SRC" >"$STATE/source"
  done_with "$(git -C "$CODE" log -1 --format='%h %s' | cut -c1-70)"
}

release_of() { sed -n "s/^\$release *= *'\([^']*\)'.*/\1/p" "$1/version.php" | head -n 1; }

config() {
  mkdir -p "$DATA"; chown www-data:www-data "$DATA"; chmod 02777 "$DATA"
  local changed=
  fill "$SCRIPT_DIR/templates/config.php" "$CODE/config.php" && changed=1
  chmod 0644 "$CODE/config.php"
  [ -n "$changed" ] && done_with "wrote $CODE/config.php" || skip "config.php unchanged"
}

fpm_bin() { command -v "php-fpm$PHP_VERSION" || echo "/usr/sbin/php-fpm$PHP_VERSION"; }

php_fpm() {
  local changed=
  fill "$SCRIPT_DIR/templates/php-fpm.conf" "$ETC/php-fpm.conf" && changed=1
  if pid_alive "$RUN/php-fpm.pid"; then
    if [ -z "$changed" ]; then skip "pid $(cat "$RUN/php-fpm.pid")"; return 0; fi
    kill "$(cat "$RUN/php-fpm.pid")"; sleep 1
  fi
  # OPcache re-checks every file on every request, so a `git checkout` in the code tree takes effect at once.
  "$(fpm_bin)" --fpm-config "$ETC/php-fpm.conf" -d opcache.enable=1 -d opcache.validate_timestamps=1 \
    -d opcache.revalidate_freq=0 -d opcache.memory_consumption=256 -d opcache.max_accelerated_files=20000
  local i; for i in $(seq 50); do [ -S "$RUN/php-fpm.sock" ] && break; sleep 0.1; done
  [ -S "$RUN/php-fpm.sock" ] || { echo "php-fpm did not open $RUN/php-fpm.sock"; return 1; }
  touch "$RUN/php-fpm.cold"   # the warm step then runs again
  done_with "started, $FPM_CHILDREN children, socket $RUN/php-fpm.sock"
}

nginx_site() {
  local changed=
  fill "$SCRIPT_DIR/templates/nginx.conf" "$ETC/nginx.conf" && changed=1
  nginx -t -q -c "$ETC/nginx.conf"
  if pid_alive "$RUN/nginx.pid"; then
    if [ -n "$changed" ]; then nginx -c "$ETC/nginx.conf" -s reload; done_with "reloaded"; else skip "pid $(cat "$RUN/nginx.pid")"; fi
    return 0
  fi
  nginx -c "$ETC/nginx.conf"
  done_with "listening on 127.0.0.1:$PORT"
}

install_moodle() {
  if [ -f "$STATE/installed" ]; then skip; return 0; fi
  php_cli admin/cli/install_database.php --agree-license --lang=en --fullname="moodle-load test site" \
    --shortname=moodleload --summary="Throwaway site for moodle-load" --adminuser=admin --adminpass="$ADMINPASS" \
    --adminemail=admin@example.invalid
  touch "$STATE/installed"
  done_with "$(release_of "$CODE")"
}

generate() {
  if [ -f "$STATE/generated" ] && [ -s "$SITE/users.csv" ]; then skip "$(count_lines "$SITE/users.csv") users"; return 0; fi
  # Otherwise the admin is enrolled in every generated course and comes first in the users file.
  php_cli admin/cli/cfg.php --name=enroladminnewcourse --set=0
  php_cli admin/tool/generator/cli/maketestsite.php --size="$SITE_SIZE" --fixeddataset --bypasscheck
  php_cli "$SCRIPT_DIR/php/not-enrolled-course.php" "$CODE" >"$STATE/not-enrolled-course"
  # The plan's course: the generated course with the most users (size S: 100 users).
  local course
  course="$(psql_admin -d "$DB" -tAc "SELECT c.shortname FROM mdl_course c JOIN mdl_enrol e ON e.courseid = c.id
    JOIN mdl_user_enrolments ue ON ue.enrolid = e.id WHERE c.shortname LIKE 'testcourse\\_%'
    GROUP BY c.id, c.shortname ORDER BY COUNT(*) DESC, c.id LIMIT 1")"
  [ -n "$course" ] || { echo "no generated course with users"; return 1; }
  echo "$course" >"$STATE/plan-course"
  php_cli admin/tool/generator/cli/maketestplan.php --size="$PLAN_SIZE" --shortname="$course" --bypasscheck --updateuserspassword
  php_cli "$SCRIPT_DIR/php/users-file.php" "$CODE" >"$SITE/users.csv.tmp"
  chmod 0600 "$SITE/users.csv.tmp"; mv "$SITE/users.csv.tmp" "$SITE/users.csv"
  touch "$STATE/generated"
  done_with "$(count_lines "$SITE/users.csv") users in $course"
}

cron_once() {
  if [ -f "$STATE/cron" ]; then skip; return 0; fi
  php_cli admin/cli/cron.php --keep-alive=0
  touch "$STATE/cron"
  done_with "cron ran once"
}

# login_as USER PASS JAR: a session for USER in the cookie jar JAR, as a browser gets one (login page, its
# logintoken, the form posted). The password goes to curl on its stdin, not its command line. Moodle answers
# a good login with a redirect to its cookie check (testsession=); the dashboard after it is not fetched.
login_as() {
  local user="$1" pass="$2" jar="$3" token next
  token="$(curl -sS -c "$jar" -b "$jar" "$WWWROOT/login/index.php" | grep -o 'name="logintoken" value="[^"]*"' | head -n 1 | cut -d'"' -f4)"
  next="$(printf '%s' "$pass" | curl -sS -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" \
    --data-urlencode "username=$user" --data-urlencode "password@-" --data-urlencode "logintoken=$token" \
    --data-urlencode anchor= "$WWWROOT/login/index.php")"
  case "$next" in *testsession=*) ;; *) echo "login as $user failed (answered with a redirect to '$next')"; return 1;; esac
}

# One request per page type as a user of the users file, so the first measured requests do not pay for
# cache builds. Runs after a build and whenever php-fpm was (re)started (its OPcache is then empty).
warm() {
  if [ -f "$STATE/warm" ] && [ ! -f "$RUN/php-fpm.cold" ]; then skip; return 0; fi
  local jar; jar="$(mktemp)"; trap 'rm -f "$jar"' RETURN
  local user pass
  IFS=, read -r user pass <"$SITE/users.csv"
  login_as "$user" "$pass" "$jar"
  local ids path code n=0
  ids="$(ids_json)"
  for path in /my/ "/course/view.php?id=$(jq_get "$ids" course)" "/mod/page/view.php?id=$(jq_get "$ids" page)" \
      "/mod/forum/view.php?id=$(jq_get "$ids" forum)" "/user/profile.php?id=$(jq_get "$ids" user)" \
      "/course/view.php?id=$(jq_get "$ids" not_enrolled)" "/user/profile.php?id=$(jq_get "$ids" missing_user)"; do
    code="$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" "$WWWROOT$path")"
    echo "$code $path"; n=$((n + 1))
  done
  touch "$STATE/warm"; rm -f "$RUN/php-fpm.cold"
  done_with "$n pages"
}

# Moodle keeps each user's 9 most recently viewed course modules (block_recentlyaccesseditems, its observer
# of course_module_viewed). A page view by a user with fewer than 9 inserts one row (1 DB write); with 9, it
# deletes the oldest and inserts (2 writes), unless the page is among the 9. Generated users have none, so
# page view's median DB writes moved from 1 to 2 as the runs used up fresh users: a change of the site, not
# of the code. Each user here views 8 of the config's pages, then the forum (the config's one other course
# module): 9, so every run meets users whose history is already full, as on a site in use. Through the
# modules' own view functions in one PHP process (~1,000 page views over HTTP took 47 s on 2 cores).
HISTORY_PAGES=8   # and the forum: 9 course modules, a full list
user_history() {
  if [ -f "$STATE/user-history" ]; then skip "$(cat "$STATE/user-history")"; return 0; fi
  local ids pages forum
  ids="$(ids_json)"
  pages="$(php -r '$j = json_decode($argv[1], true); echo implode(",", $j["pages"]);' "$ids")"
  forum="$(jq_get "$ids" forum)"
  php_cli "$SCRIPT_DIR/php/user-history.php" "$CODE" "$HISTORY_PAGES" "$forum" "$pages" <"$SITE/users.csv" | tee "$STATE/user-history.tmp"
  mv "$STATE/user-history.tmp" "$STATE/user-history"
  done_with "$(cat "$STATE/user-history"): $HISTORY_PAGES pages and the forum each"
}

# What the journeys write to (quiz attempts, forum posts, assignment submissions): a quiz, 5 assignments and a
# forum with 5 discussions in testcourse_10, not the plan's course, whose pages the page-view tests measure.
journey_modules() {
  if [ -f "$STATE/journey-modules" ]; then skip "$(cat "$STATE/journey-modules")"; return 0; fi
  php_cli "$SCRIPT_DIR/php/journey-modules.php" "$CODE" | tee "$STATE/journey-modules.tmp"
  mv "$STATE/journey-modules.tmp" "$STATE/journey-modules"
  # The site files written before these modules lack them: written again.
  rm -f "$SITE/moodle-load-journeys.json"
  done_with "$(cat "$STATE/journey-modules")"
}

# The ids the config and warm-up use, from the database (php/site-files.php prints them as JSON).
ids_json() { php_cli "$SCRIPT_DIR/php/site-files.php" "$CODE" "$SITE" ids; }
jq_get() { php -r '$j = json_decode($argv[1], true); echo $j[$argv[2]];' "$1" "$2"; }

site_files() {
  if [ -f "$SITE/moodle-load.json" ] && [ -f "$SITE/moodle-load-journeys.json" ] && [ -f "$SITE/inventory.md" ] \
    && [ -f "$SITE/ids.json" ]; then skip; return 0; fi
  ids_json >"$SITE/ids.json.tmp" && mv "$SITE/ids.json.tmp" "$SITE/ids.json"
  php_cli "$SCRIPT_DIR/php/site-files.php" "$CODE" "$SITE" inventory >"$SITE/inventory.md.tmp"
  php_cli "$SCRIPT_DIR/php/site-files.php" "$CODE" "$SITE" config "$WWWROOT" >"$SITE/moodle-load.json.tmp"
  php_cli "$SCRIPT_DIR/php/site-files.php" "$CODE" "$SITE" journeys "$WWWROOT" >"$SITE/moodle-load-journeys.json.tmp"
  mv "$SITE/inventory.md.tmp" "$SITE/inventory.md"
  mv "$SITE/moodle-load-journeys.json.tmp" "$SITE/moodle-load-journeys.json"
  # Last: other tools take moodle-load.json as "the site is ready". Rewritten in place when only the others
  # were missing (same content), so it is never absent on a built site.
  if cmp -s "$SITE/moodle-load.json.tmp" "$SITE/moodle-load.json"; then rm -f "$SITE/moodle-load.json.tmp"
  else mv "$SITE/moodle-load.json.tmp" "$SITE/moodle-load.json"; fi
  done_with "$SITE/moodle-load.json, $SITE/moodle-load-journeys.json, $SITE/inventory.md, $SITE/ids.json"
}

# --- stop and rebuild ------------------------------------------------------------------------------

stop_services() {
  local f
  for f in nginx php-fpm; do
    if pid_alive "$RUN/$f.pid"; then
      local pid; pid="$(cat "$RUN/$f.pid")"
      kill "$pid" && say "stopped $f (pid $pid)"
      local i; for i in $(seq 50); do pid_alive "$RUN/$f.pid" || break; sleep 0.1; done
    fi
  done
  if [ -f "$RUN/postgres.started" ]; then
    local ver cluster; read -r ver cluster <"$RUN/postgres.started"
    pg_ctlcluster "$ver" "$cluster" stop && say "stopped PostgreSQL $ver/$cluster (started by this script)"
    rm -f "$RUN/postgres.started"
  fi
}

rebuild() {
  if [ -e "$SITE" ] && [ ! -f "$MARKER" ]; then die "$SITE exists but is not a moodle-load site (no $MARKER): not deleting it"; fi
  local start; start="$(now)"
  say "[rebuild] dropping the site in $SITE and database $DB ..."
  # The PostgreSQL cluster stays up (it may serve others); only our database and role go.
  if [ -d "$SITE" ]; then
    local f; for f in nginx php-fpm; do pid_alive "$RUN/$f.pid" && kill "$(cat "$RUN/$f.pid")"; done
    sleep 1
  fi
  # A stopped cluster still holds the database: start it to drop it (and stop it again with the
  # site's `stop`, as the postgres step would have started it).
  local line ver cluster status keep=
  line="$(pg_lsclusters --no-header 2>/dev/null | head -n 1)"
  if [ -n "$line" ]; then
    read -r ver cluster PGPORT status _ <<<"$line"
    if [ "$status" != online ]; then pg_ctlcluster "$ver" "$cluster" start && keep="$ver $cluster"; fi
    psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" -c "DROP ROLE IF EXISTS \"$DBUSER\""
  fi
  [ -f "$RUN/postgres.started" ] && keep="$(cat "$RUN/postgres.started")"
  rm -rf "$SITE"
  if [ -n "$keep" ]; then mkdir -p "$RUN"; touch "$MARKER"; echo "$keep" >"$RUN/postgres.started"; fi
  say "[rebuild] dropped in $(secs "$start") s"
}

# Secrets of this site, made once and kept (root-only) beside it.
load_secrets() {
  local env="$ETC/site.env"
  if [ ! -f "$env" ]; then
    umask 077
    { echo "DBPASS=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
      echo "ADMINPASS=Adm-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')!"
      echo "USERSPASS=Load-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"; } >"$env"
    umask 022
  fi
  # shellcheck disable=SC1090
  . "$env"
}

# --- main ------------------------------------------------------------------------------------------

main() {
  if [ "${1:-}" = stop ]; then stop_services; return 0; fi
  local start; start="$(now)"
  if [ "$(id -u)" != 0 ]; then
    local missing=() p
    for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] || die "install the packages first: sudo apt-get install ${missing[*]}"
    die "must run as root (it runs PostgreSQL commands as postgres and Moodle's CLI as www-data): sudo make moodle-site"
  fi
  # The source is needed for a new site: checked before anything is dropped or started.
  if [ "${REBUILD:-}" = 1 ] || [ ! -f "$CODE/version.php" ]; then
    [ -n "${MOODLE_SRC:-}" ] || die "MOODLE_SRC is not set: a Moodle code tree, a git checkout or a .tar.gz of one"
    [ -e "$MOODLE_SRC" ] || die "MOODLE_SRC=$MOODLE_SRC does not exist (relative paths are from $(pwd))"
  fi
  # Relative to where make ran; the steps run elsewhere.
  if [ -n "${MOODLE_SRC:-}" ] && [ -e "$MOODLE_SRC" ]; then MOODLE_SRC="$(realpath "$MOODLE_SRC")"; fi
  [ "${REBUILD:-}" = 1 ] && rebuild
  if [ -e "$SITE" ] && [ ! -f "$MARKER" ]; then die "$SITE exists but is not a moodle-load site (no $MARKER)"; fi
  mkdir -p "$SITE" "$LOGS" "$RUN" "$ETC" "$STATE"; touch "$MARKER"
  chmod 0755 "$SITE"; chmod 0700 "$ETC"
  load_secrets
  PGPORT=5432
  say "site $SITE, $WWWROOT, database $DB${MOODLE_SRC:+, source $MOODLE_SRC}"
  step packages "Debian packages (${#PACKAGES[@]})" packages
  step postgres "PostgreSQL cluster running" postgres
  PGPORT="$(pg_lsclusters --no-header | head -n 1 | awk '{print $3}')"
  step database "database $DB and its role" database
  step code "Moodle code in $CODE (a git work tree)" code
  if [ -n "${MOODLE_SRC:-}" ] && [ -f "$STATE/source" ] && [ "$(cat "$STATE/source")" != "$MOODLE_SRC" ]; then
    say "note: the site was built from $(cat "$STATE/source"), not $MOODLE_SRC (REBUILD=1 to rebuild from it)"
  fi
  step config "config.php and moodledata in $DATA" config
  step php-fpm "php-fpm pool ($FPM_CHILDREN static children, unix socket)" php_fpm
  step nginx "nginx on 127.0.0.1:$PORT" nginx_site
  step install "Moodle install (admin/cli/install_database.php)" install_moodle
  step generate "test data (tool_generator: site $SITE_SIZE, plan $PLAN_SIZE, users file)" generate
  step cron "cron once" cron_once
  step warm "warm caches (one request per page type)" warm
  step user-history "each user views $HISTORY_PAGES pages and the forum (a full recently-accessed list, as on a site in use)" user_history
  step journey-modules "a quiz, 5 assignments and a forum for the journeys (testcourse_10)" journey_modules
  step site-files "moodle-load.json, moodle-load-journeys.json, inventory.md and ids.json" site_files
  say "ready in $(secs "$start") s: $SITE/moodle-load.json (ids: $SITE/inventory.md)"
}

# Sourcing the file (to call one step by hand) defines the steps without running them.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
