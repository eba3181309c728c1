#!/bin/sh
# Start or stop the throwaway database servers of a test run.
#   t/lib/db-ctl.sh start|stop pgsql|mysql
# Everything comes from the environment t/run-tests.sh exports
# (LEADS_TEST_TMP, LEADS_TEST_PG_*, LEADS_TEST_MY_*); the servers' options
# live here only, so a test that stops and starts one gets the same server.
set -eu

action=${1:?usage: db-ctl.sh start|stop pgsql|mysql}
which=${2:?usage: db-ctl.sh start|stop pgsql|mysql}
: "${LEADS_TEST_TMP:?LEADS_TEST_TMP is not set (run through t/run-tests.sh)}"

PG_BIN=/usr/lib/postgresql/15/bin

pg_start() {
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$LEADS_TEST_PG_DATA" \
        -l "$LEADS_TEST_TMP/pgsql/server.log" -w -t 60 \
        -o "-c listen_addresses=$LEADS_TEST_PG_HOST -p $LEADS_TEST_PG_PORT" \
        -o "-k $LEADS_TEST_TMP/pgsql -c fsync=off -c synchronous_commit=off" \
        -o "-c full_page_writes=off -c max_connections=300" \
        start >/dev/null
}

pg_stop() {
    if [ -f "$LEADS_TEST_PG_DATA/postmaster.pid" ]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$LEADS_TEST_PG_DATA" \
            -m fast -w -t 60 stop >/dev/null
    fi
}

my_pid() {
    [ -f "$LEADS_TEST_MY_PIDFILE" ] && cat "$LEADS_TEST_MY_PIDFILE" 2>/dev/null || true
}

my_alive() {
    pid=$(my_pid)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

my_start() {
    if my_alive; then
        echo "db-ctl: mariadbd already running (pid $(my_pid))" >&2
        return 0
    fi
    # setsid: the server must not share the terminal's process group, so a ^C
    # reaches the runner (which stops it cleanly) rather than the server.
    setsid /usr/sbin/mariadbd --no-defaults --user=root \
        --datadir="$LEADS_TEST_MY_DATA" --socket="$LEADS_TEST_MY_SOCK" \
        --pid-file="$LEADS_TEST_MY_PIDFILE" \
        --port="$LEADS_TEST_MY_PORT" --bind-address=127.0.0.1 \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
        --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
        --innodb-buffer-pool-size=64M --max-connections=300 \
        --log-error="$LEADS_TEST_TMP/mysql/server.log" \
        </dev/null >>"$LEADS_TEST_TMP/mysql/server.log" 2>&1 &
    i=0
    while [ $i -lt 120 ]; do
        if mariadb-admin --no-defaults --socket="$LEADS_TEST_MY_SOCK" -u root \
               ping >/dev/null 2>&1 &&
           mariadb --no-defaults -h 127.0.0.1 -P "$LEADS_TEST_MY_PORT" -u root \
               -e 'SELECT 1' >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.5
        i=$((i + 1))
    done
    echo "db-ctl: mariadbd did not answer; see $LEADS_TEST_TMP/mysql/server.log" >&2
    tail -n 20 "$LEADS_TEST_TMP/mysql/server.log" >&2 || true
    return 1
}

my_stop() {
    my_alive || return 0
    pid=$(my_pid)
    mariadb-admin --no-defaults --socket="$LEADS_TEST_MY_SOCK" -u root \
        shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 120 ]; then
            echo "db-ctl: mariadbd $pid did not stop, killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.5
    done
}

case "$action:$which" in
    start:pgsql) pg_start ;;
    stop:pgsql)  pg_stop ;;
    start:mysql) my_start ;;
    stop:mysql)  my_stop ;;
    *) echo "usage: db-ctl.sh start|stop pgsql|mysql" >&2; exit 2 ;;
esac
