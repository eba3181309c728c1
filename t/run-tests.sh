#!/bin/bash
# Run the whole suite: the unit TAP programs (build/unit/*) and the
# integration tests (t/*.t) in ONE prove run, against throwaway database
# servers started here in a fresh temp dir and stopped on exit.
#
#   sh t/run-tests.sh                     # all backends
#   LEADS_BACKENDS="sqlite3 pgsql" sh t/run-tests.sh
#   LEADS_BACKENDS=galera sh t/run-tests.sh t/galera.t   # t/galera.t starts
#                                         # its own three-node cluster
#   sh t/run-tests.sh t/auth.t            # only some test files
#   LEADS_TEST_KEEP=1 ...                 # keep the temp dir for inspection
#
# Needs root (it runs PostgreSQL as the postgres user and httpd drops to
# www-data). Never touches system-wide database servers.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

if [ "$(id -u)" -ne 0 ]; then
    echo "run-tests.sh: must run as root (postgres is run as its own user, httpd as www-data)" >&2
    exit 1
fi

BACKENDS=${LEADS_BACKENDS:-"sqlite3 pgsql mysql galera pgfailover"}
for b in $BACKENDS; do
    case "$b" in sqlite3|pgsql|mysql|galera|pgfailover) ;; *)
        echo "run-tests.sh: unknown backend '$b' in LEADS_BACKENDS" >&2; exit 2 ;;
    esac
done
wants() { case " $BACKENDS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

for f in mod_leads/.libs/mod_leads.so build/leadsctl; do
    [ -e "$f" ] || { echo "run-tests.sh: $f is missing (make build)" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/leads-test.XXXXXX)
chmod 755 "$TMP"           # postgres and www-data must reach their dirs below
export LEADS_TEST_TMP=$TMP
export LEADS_BACKENDS="$BACKENDS"
export LEADS_TEST_ROOT=$ROOT

cleanup() {
    rc=$?
    trap - EXIT INT TERM HUP
    set +e
    # Interrupted: stop prove first (its tests stop their httpd on TERM).
    if [ -n "${PROVE_PID:-}" ] && kill -0 "$PROVE_PID" 2>/dev/null; then
        # the running test (prove's child) gets the TERM too: it stops its
        # httpd in END
        pkids=$(ps -o pid= --ppid "$PROVE_PID" 2>/dev/null || true)
        kill -TERM "$PROVE_PID" $pkids 2>/dev/null
        for p in "$PROVE_PID" $pkids; do
            for _ in $(seq 1 150); do
                kill -0 "$p" 2>/dev/null || break
                sleep 0.1
            done
        done
        wait "$PROVE_PID" 2>/dev/null
    fi
    # A test killed hard may leave its httpd behind: stop it by its pid file.
    for pidfile in "$TMP"/sites/*/run/httpd.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile" 2>/dev/null)
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || continue
        echo "run-tests.sh: stopping leftover httpd $pid ($pidfile)" >&2
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
    done
    # t/faults-sqlite.t killed hard may leave a tmpfs mounted or a database
    # file immutable below $TMP: rm -rf could remove neither.
    awk -v t="$TMP/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r m; do
            echo "run-tests.sh: unmounting leftover $m" >&2
            umount "$m" 2>/dev/null || umount -l "$m"
        done
    find "$TMP" -name 'leads.db*' -exec chattr -i {} + 2>/dev/null
    # t/galera.t killed hard may leave its cluster's nodes (t/lib/Galera.pm
    # starts each in a process group of its own): stop them by pid file.
    for pidfile in "$TMP"/galera-*/node*/mariadbd.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile" 2>/dev/null)
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || continue
        echo "run-tests.sh: stopping leftover galera node $pid ($pidfile)" >&2
        kill -KILL -- "-$pid" "$pid" 2>/dev/null
    done
    if [ -n "${LEADS_TEST_PG_DATA:-}" ]; then sh t/lib/db-ctl.sh stop pgsql; fi
    if [ -n "${LEADS_TEST_MY_DATA:-}" ]; then sh t/lib/db-ctl.sh stop mysql; fi
    if [ -n "${LEADS_TEST_KEEP:-}" ]; then
        echo "run-tests.sh: kept $TMP" >&2
    else
        # a test that was still winding down may add files: try again
        for _ in 1 2 3; do rm -rf "$TMP" 2>/dev/null && break; sleep 1; done
        [ -d "$TMP" ] && echo "run-tests.sh: could not remove $TMP" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

. "$ROOT/t/lib/free-port.sh"

if wants pgsql; then
    mkdir -p "$TMP/pgsql"
    chown postgres:postgres "$TMP/pgsql"
    export LEADS_TEST_PG_HOST=127.0.0.1
    export LEADS_TEST_PG_PORT=$(free_port)
    export LEADS_TEST_PG_DATA=$TMP/pgsql/data
    echo "# starting PostgreSQL 15 on 127.0.0.1:$LEADS_TEST_PG_PORT ($TMP/pgsql)"
    runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$LEADS_TEST_PG_DATA" \
        --auth=trust --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
        >"$TMP/pgsql/initdb.log" 2>&1 ||
        { cat "$TMP/pgsql/initdb.log" >&2; exit 1; }
    sh t/lib/db-ctl.sh start pgsql ||
        { tail -n 30 "$TMP/pgsql/server.log" >&2; exit 1; }
fi

if wants mysql; then
    mkdir -p "$TMP/mysql"
    export LEADS_TEST_MY_PORT=$(free_port)
    export LEADS_TEST_MY_DATA=$TMP/mysql/data
    export LEADS_TEST_MY_SOCK=$TMP/mysql/my.sock
    export LEADS_TEST_MY_PIDFILE=$TMP/mysql/mariadbd.pid
    echo "# starting MariaDB on 127.0.0.1:$LEADS_TEST_MY_PORT ($TMP/mysql)"
    mariadb-install-db --no-defaults --user=root --datadir="$LEADS_TEST_MY_DATA" \
        --auth-root-authentication-method=normal --skip-test-db \
        >"$TMP/mysql/install.log" 2>&1 ||
        { cat "$TMP/mysql/install.log" >&2; exit 1; }
    sh t/lib/db-ctl.sh start mysql
fi

# SANITIZE=1: the module and leadsctl were built with ASan and UBSan.
# Reports go to files under $TMP/sanitizer; any report fails the run.
if [ "${SANITIZE:-0}" = 1 ]; then
    mkdir -p "$TMP/sanitizer"
    chmod 1777 "$TMP/sanitizer"
    export LEADS_HTTPD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
    export ASAN_OPTIONS="detect_leaks=0:log_path=$TMP/sanitizer/asan"
    export UBSAN_OPTIONS="print_stacktrace=1:log_path=$TMP/sanitizer/ubsan"
    echo "# SANITIZE=1: httpd preloads $LEADS_HTTPD_PRELOAD"
fi

# The unit programs are TAP executables: prove runs them as they are, so one
# prove run (and one summary) covers them and the integration tests.
units=()
for u in build/unit/*; do
    [ -f "$u" ] && [ -x "$u" ] && units+=("$u")
done

if [ $# -gt 0 ]; then
    tests=("$@")
else
    tests=("${units[@]}" t/*.t)
fi

# In the background so a signal reaches our trap at once (bash would wait
# for a foreground prove first); one prove, serial: tests stop and start the
# database servers.
set +e
prove ${LEADS_PROVE_FLAGS:-} -I t/lib "${tests[@]}" &
PROVE_PID=$!
wait "$PROVE_PID"
rc=$?
PROVE_PID=
set -e
if [ "${SANITIZE:-0}" = 1 ] && [ -n "$(ls -A "$TMP/sanitizer" 2>/dev/null)" ]; then
    echo "run-tests.sh: sanitizer reports:" >&2
    head -n 200 "$TMP"/sanitizer/* >&2
    # Last, for a log read from its end: each report's error and the first
    # frames of its stacks (the access, then where it was freed/allocated).
    echo "run-tests.sh: sanitizer reports in short:" >&2
    for f in "$TMP"/sanitizer/*; do
        grep -m1 -E 'ERROR|runtime error' "$f"
        grep -E '^ +#[0-9]+ ' "$f" | head -n 16 |
            sed -E 's/^ +(#[0-9]+) 0x[0-9a-f]+ in /\1 /'
    done >&2
    rc=1
fi
exit $rc
