#!/bin/bash
# `make bench`: mod_leads against pgbench running the same SQL, in one run.
#
# Starts, in a fresh temp dir, a throwaway PostgreSQL 15 (the test suite's
# settings, plus pg_stat_statements to count round trips), a webhook
# receiver (t/bench/receiver.c: answers 204, logs event id, the lead's
# created_at and the receive time) and httpd (event MPM) with mod_leads and
# one webhook endpoint pointed at the receiver. Then:
#
#   warm-up      wrk, BENCH_WARMUP s at 16 and at 64 connections (+ a short
#                pgbench)
#   for C in 16 64:
#     mod_leads  wrk + t/bench/create.lua, BENCH_DURATION s, C connections
#     none       the same for a second firm with no webhook endpoint
#                (nothing to deliver): the cost of delivering, side by side
#     scraped    the same with /leads-metrics fetched every second
#     pgbench    the statements of one create (t/bench/pgbench-script.pl,
#                from the module's own statement table), C clients
#   top-up       more wrk until BENCH_CREATES creates went through mod_leads
#                after the warm-up (the RSS figure's span)
#
# and prints one table (t/bench/report.pl). Nothing is asserted.
#
#   BENCH_DURATION=15 BENCH_WARMUP=30 BENCH_CREATES=200000 BENCH_CONNS="16 64"
#   BENCH_KEEP=1      keep the temp dir (logs, pgbench logs, receiver log)
#   BENCH_HTTPD_EXTRA directives appended to httpd.conf (to try a tuning)
#   BENCH_SLOW_MS=1000 statements slower than this have their plan logged
#                     (auto_explain, in pgsql/server.log of the kept dir)
#
# Needs root (PostgreSQL runs as postgres, httpd's children as www-data).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

DURATION=${BENCH_DURATION:-15}
WARMUP=${BENCH_WARMUP:-30}
TARGET=${BENCH_CREATES:-200000}
CONNS=${BENCH_CONNS:-"16 64"}
WRK_THREADS=2
PG_BIN=/usr/lib/postgresql/15/bin
MODULES=/usr/lib/apache2/modules
HTTPD=$(command -v apache2 || command -v httpd || echo /usr/sbin/apache2)
MODULE=$ROOT/mod_leads/.libs/mod_leads.so
CTL=$ROOT/build/leadsctl
OUT=$ROOT/build/bench

say() { printf '# %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] ||
    die "must run as root (postgres runs as its own user, httpd as www-data)"
for f in "$MODULE" "$CTL"; do [ -e "$f" ] || die "$f is missing (make build)"; done
for t in wrk pgbench psql curl perl "$HTTPD" "$PG_BIN/pg_ctl"; do
    command -v "$t" >/dev/null || die "$t is missing (make deps-test)"
done

# The two helpers: the statement printer links the module's dialect table
# (from the core library `make build` made).
mkdir -p "$OUT"
CFLAGS="-std=c99 -D_GNU_SOURCE -Wall -Wextra -Werror -O2"
cc $CFLAGS -Imod_leads/core -o "$OUT/leads-sql" t/bench/leads_sql.c build/libleads_core.a
cc $CFLAGS -o "$OUT/receiver" t/bench/receiver.c

TMP=$(mktemp -d /tmp/leads-bench.XXXXXX)
chmod 755 "$TMP"
RES=$TMP/results
mkdir -p "$RES" "$TMP/pgsql" "$TMP/site/run" "$TMP/site/logs" "$TMP/pgbench"
chown postgres:postgres "$TMP/pgsql"
chown www-data:www-data "$TMP/site/run" "$TMP/site/logs"

# The pgbench script first: it fails at once if the module's statements
# no longer match the plan in t/bench/pgbench-script.pl.
perl t/bench/pgbench-script.pl "$OUT/leads-sql" > "$TMP/pgbench/create.sql" ||
    { rm -rf "$TMP"; die "could not write the pgbench script"; }
cp "$TMP/pgbench/create.sql" "$OUT/pgbench-create.sql"

PG_DATA=$TMP/pgsql/data
HTTPD_CONF=$TMP/site/httpd.conf
HTTPD_PIDFILE=$TMP/site/run/httpd.pid
RECV_PID=
LOAD_PID=

cleanup() {
    rc=$?
    trap - EXIT INT TERM HUP
    set +e
    if [ -n "$LOAD_PID" ] && kill -0 "$LOAD_PID" 2>/dev/null; then
        kill -TERM "$LOAD_PID" 2>/dev/null; wait "$LOAD_PID" 2>/dev/null
    fi
    if [ -f "$HTTPD_PIDFILE" ]; then
        pid=$(cat "$HTTPD_PIDFILE" 2>/dev/null)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null
            for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null
        fi
    fi
    if [ -n "$RECV_PID" ] && kill -0 "$RECV_PID" 2>/dev/null; then
        kill -TERM "$RECV_PID" 2>/dev/null; wait "$RECV_PID" 2>/dev/null
    fi
    if [ -f "$PG_DATA/postmaster.pid" ]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 \
            stop >/dev/null
    fi
    if [ -n "${BENCH_KEEP:-}" ] || [ "$rc" -ne 0 ]; then
        [ "$rc" -ne 0 ] && [ -f "$TMP/site/logs/error.log" ] &&
            tail -n 20 "$TMP/site/logs/error.log" >&2
        echo "bench: kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

. "$ROOT/t/lib/free-port.sh"

now_ms() { date +%s%3N; }

# --- PostgreSQL: the test suite's settings (t/lib/db-ctl.sh), and
# pg_stat_statements so the round trips per create are counted, not guessed.
PG_PORT=$(free_port)
say "PostgreSQL 15 on 127.0.0.1:$PG_PORT ($TMP/pgsql)"
runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DATA" --auth=trust \
    --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
    >"$TMP/pgsql/initdb.log" 2>&1 || { cat "$TMP/pgsql/initdb.log" >&2; exit 1; }
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$TMP/pgsql/server.log" \
    -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $TMP/pgsql" \
    -o "-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    -o "-c max_connections=300 -c shared_preload_libraries=pg_stat_statements" \
    -o "-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=${BENCH_SLOW_MS:-1000}" \
    start >/dev/null || { tail -n 30 "$TMP/pgsql/server.log" >&2; exit 1; }

export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres
psql -q -d postgres -c 'CREATE DATABASE leads' >/dev/null
export PGDATABASE=leads
psql -q -c 'CREATE EXTENSION pg_stat_statements' >/dev/null
q() { psql -X -At -c "$1"; }

export LEADS_DBD_DRIVER=pgsql
export LEADS_DBD_PARAMS="host=127.0.0.1 port=$PG_PORT dbname=leads user=postgres"

# --- provisioning, with leadsctl only
"$CTL" init >/dev/null
FIRM=$("$CTL" firm add --name "Bench Law Firm")
STAGE=$("$CTL" stage add --firm "$FIRM" --key new --name New --position 0)
"$CTL" stage add --firm "$FIRM" --key contacted --name Contacted --position 1 >/dev/null
"$CTL" stage add --firm "$FIRM" --key won --name Won --position 2 --closed >/dev/null
"$CTL" field add --firm "$FIRM" --name caseType --type choice \
    --choices Family,Criminal,Immigration >/dev/null
MEMBER=$("$CTL" member add --firm "$FIRM" --name "Bench Attorney" \
    --email attorney@example.com)
KEY=$("$CTL" key add --firm "$FIRM" --scopes leads:write --name bench)
# a second firm like the first but with no webhook endpoint
FIRM0=$("$CTL" firm add --name "Bench Firm Without Webhooks")
"$CTL" stage add --firm "$FIRM0" --key new --name New --position 0 >/dev/null
"$CTL" field add --firm "$FIRM0" --name caseType --type choice \
    --choices Family,Criminal,Immigration >/dev/null
MEMBER0=$("$CTL" member add --firm "$FIRM0" --name "Bench Attorney" \
    --email attorney0@example.com)
KEY0=$("$CTL" key add --firm "$FIRM0" --scopes leads:write --name bench)

# --- the webhook receiver
"$OUT/receiver" "$TMP/receiver.port" "$TMP/receiver.log" &
RECV_PID=$!
for _ in $(seq 1 50); do [ -s "$TMP/receiver.port" ] && break; sleep 0.1; done
RECV_PORT=$(cat "$TMP/receiver.port")
ENDPOINT=$("$CTL" --json webhook add --firm "$FIRM" \
    --url "http://127.0.0.1:$RECV_PORT/hook" --events lead.created |
    perl -MJSON::PP -e 'print decode_json(join "", <STDIN>)->{id}')
[ -n "$ENDPOINT" ] || die "webhook add gave no endpoint id"

# --- httpd: event MPM, two children of 64 threads that live the whole run
# (so their RSS is comparable). Four pooled connections per child: eight
# request backends keep PostgreSQL's two cores busy, and a thread beyond
# them waits for a connection (mod_dbd's pool) instead of adding a backend
# that competes for the same cores (the README's pool sizing).
HTTP_PORT=$(free_port)
cat > "$HTTPD_CONF" <<EOF
# generated by t/bench/run.sh
ServerRoot "$TMP/site"
DefaultRuntimeDir "$TMP/site/run"
PidFile "$HTTPD_PIDFILE"
ErrorLog "$TMP/site/logs/error.log"
LogLevel warn
Listen 127.0.0.1:$HTTP_PORT
ServerName 127.0.0.1
User www-data
Group www-data
Timeout 20
KeepAlive On
MaxKeepAliveRequests 0

LoadModule mpm_event_module $MODULES/mod_mpm_event.so
LoadModule authz_core_module $MODULES/mod_authz_core.so
LoadModule dbd_module $MODULES/mod_dbd.so
LoadModule leads_module $MODULE

StartServers 2
ServerLimit 2
ThreadsPerChild 64
ThreadLimit 64
MaxRequestWorkers 128
MinSpareThreads 64
MaxSpareThreads 256
MaxConnectionsPerChild 0

DBDriver pgsql
DBDParams "$LEADS_DBD_PARAMS"
DBDMin 0
DBDKeep 4
DBDMax 4
DBDExptime 300

LeadsRateLimit 0
LeadsCacheTTL 5
LeadsWebhookAllowPrivate On
LeadsWebhookConcurrency 64
# one endpoint takes every delivery here: let it use every slot (the
# default, 4, is a share for hosts with many firms; README, Performance)
LeadsWebhookEndpointConcurrency 64

<Location "/api/leads">
    SetHandler leads
</Location>
<Location "/leads-metrics">
    SetHandler leads-metrics
</Location>
${BENCH_HTTPD_EXTRA:-}
EOF
"$HTTPD" -t -f "$HTTPD_CONF" >/dev/null 2>"$TMP/site/configtest.log" ||
    { cat "$TMP/site/configtest.log" >&2; exit 1; }
"$HTTPD" -f "$HTTPD_CONF" -k start
for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/" && [ -s "$HTTPD_PIDFILE" ] && break
    sleep 0.1
done
HTTPD_PID=$(cat "$HTTPD_PIDFILE")
URL=http://127.0.0.1:$HTTP_PORT/api/leads
say "httpd $HTTPD_PID on 127.0.0.1:$HTTP_PORT, receiver on :$RECV_PORT"

# One create by hand: it must be a 201, and its answer gives pgbench's
# constants their real sizes (the stored idempotent answer, the event body).
SAMPLE_BODY='{"first_name":"Ada","last_name":"Lovelace 1","email":"ada.sample@example.com","phone":"+1 415 555 0001","source":"bench","assignee_id":"'$MEMBER'","data":{"caseType":"Family"}}'
code=$(curl -s -o "$TMP/sample.json" -w '%{http_code}' "$URL" \
    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -H 'Idempotency-Key: bench-sample' -d "$SAMPLE_BODY")
[ "$code" = 201 ] || { cat "$TMP/sample.json" >&2; echo >&2; die "sample create got $code, not 201"; }

# --- helpers for the runs
children_rss_kb() {
    ps --ppid "$HTTPD_PID" -o rss= | awk '{ s += $1 } END { print s + 0 }'
}
children_pids() { ps --ppid "$HTTPD_PID" -o pid= | tr -s ' \n' ' '; }
children_rss_each() { ps --ppid "$HTTPD_PID" -o pid=,rss= | awk '{ printf "%s%s:%s", s, $1, $2; s = " " }'; }
leads_rows() { q 'SELECT count(*) FROM leads'; }
module_creates() { q "SELECT count(*) FROM leads WHERE source = 'bench'"; }
# deliveries mod_leads still owes (pgbench's rows are parked far ahead)
pending() {
    q "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'
       AND next_attempt_at < now() + interval '1 year'"
}
# CPU time (ms) so far of: httpd (parent + children), PostgreSQL (postmaster,
# its live children, and the ones it has reaped), the receiver, and the
# webhook deliverer's own thread (named leads-watchdog by mod_leads).
cpu_ms() {
    perl -e '
        my ($httpd, $pg, $recv) = @ARGV;
        use POSIX (); my $hz = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;
        # the fields after "(comm)" of a /proc stat file: a process or a thread
        sub st { my $path = $_[0] =~ m{/} ? "$_[0]/stat" : "/proc/$_[0]/stat";
                 open my $f, "<", $path or return (); my $s = <$f>;
                 $s =~ s/^.*\) //; return split / /, $s }
        sub own { my @x = st($_[0]); @x ? $x[11] + $x[12] : 0 }
        sub reaped { my @x = st($_[0]); @x ? $x[13] + $x[14] : 0 }
        sub kids { my @k; for (glob "/proc/[0-9]*") { my ($p) = m{(\d+)$};
                   my @x = st($p); push @k, $p if @x && $x[1] == $_[0] } @k }
        my $h = own($httpd); $h += own($_) for kids($httpd);
        my $g = own($pg) + reaped($pg); $g += own($_) for kids($pg);
        my $d = 0;
        for my $task (map { glob "/proc/$_/task/*" } kids($httpd)) {
            open my $c, "<", "$task/comm" or next;
            chomp(my $name = <$c> // "");
            $d += own($task) if $name eq "leads-watchdog";
        }
        printf "%d %d %d %d\n", map { $_ * 1000 / $hz } $h, $g, own($recv), $d;
    ' "$HTTPD_PID" "$(head -n 1 "$PG_DATA/postmaster.pid")" "$RECV_PID"
}
# cpu_env BEFORE AFTER: key=value lines of the differences
cpu_env() {
    set -- $1 $2
    echo "cpu_httpd_ms=$(($5 - $1))"
    echo "cpu_pg_ms=$(($6 - $2))"
    echo "cpu_recv_ms=$(($7 - $3))"
    echo "cpu_deliverer_ms=$(($8 - $4))"
}
pss_reset() { q 'SELECT pg_stat_statements_reset()' >/dev/null; }
pss_save() {
    psql -X -At -F $'\t' -c "SELECT calls, round(total_exec_time::numeric, 3),
        regexp_replace(query, '\\s+', ' ', 'g')
        FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
        ORDER BY calls DESC" > "$1"
}
# Wait (up to 120 s) for the deliverer to catch up; prints the seconds it took.
drain() {
    local t0 n
    t0=$(now_ms)
    for _ in $(seq 1 600); do
        n=$(pending)
        [ "$n" -eq 0 ] && break
        sleep 0.2
    done
    echo "$(( $(now_ms) - t0 ))"
}

RUN_NO=0
# wrk_run NAME CONNS SECONDS [nodrain]: without nodrain, wait for the
# deliverer to catch up afterwards (so it does not compete with what follows).
# RUN_KEY/RUN_MEMBER: the firm's (default: the one with the endpoint).
wrk_run() {
    local name=$1 c=$2 secs=$3 f=$RES/$1 before after t0 t1 pend cpu0 cpu1
    local key=${RUN_KEY:-$KEY} member=${RUN_MEMBER:-$MEMBER}
    RUN_NO=$((RUN_NO + 1))
    before=$(leads_rows)
    pss_reset
    cpu0=$(cpu_ms)
    t0=$(now_ms)
    BENCH_KEY=$key BENCH_MEMBER=$member BENCH_RUN="r$RUN_NO" \
        wrk -t "$WRK_THREADS" -c "$c" -d "${secs}s" --timeout 10s \
        -s t/bench/create.lua "$URL" > "$f.wrk" 2>&1 &
    LOAD_PID=$!
    wait "$LOAD_PID" || { cat "$f.wrk" >&2; die "wrk failed ($name)"; }
    LOAD_PID=
    t1=$(now_ms)
    cpu1=$(cpu_ms)
    pss_save "$f.pss"
    pend=$(pending)
    after=$(leads_rows)
    {
        echo "kind=mod_leads"
        echo "conns=$c"
        echo "t0=$t0"
        echo "t1=$t1"
        echo "rows=$((after - before))"
        echo "pending_at_end=$pend"
        cpu_env "$cpu0" "$cpu1"
        grep '^WRK ' "$f.wrk" | sed 's/^WRK //' | tr ' ' '\n'
    } > "$f.env"
    grep -q '^WRK ' "$f.wrk" || { cat "$f.wrk" >&2; die "wrk printed no summary ($name)"; }
    [ "${4:-}" = nodrain ] || echo "drain_ms=$(drain)" >> "$f.env"
    LAST_WRK_ENV=$f.env
    echo "rss_after_kb=$(children_rss_kb)" >> "$f.env"
    say "$name: $(grep -o 'requests=[0-9]*' "$f.env"), $((after - before)) rows, $pend deliveries pending at the end"
}

# Constants of the pgbench script: the real ones of the sample create.
SAMPLE=$(cat "$TMP/sample.json")
LEAD_ID=$(printf '%s' "$SAMPLE" | perl -MJSON::PP -e 'print decode_json(join "", <STDIN>)->{id}')
CREATED=$(printf '%s' "$SAMPLE" | perl -MJSON::PP -e 'print decode_json(join "", <STDIN>)->{created_at}')
EVENT_BODY='{"id":"'$LEAD_ID'","type":"lead.created","created_at":"'$CREATED'","data":'$SAMPLE'}'
KEY_HASH=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
FINGERPRINT=$(printf '%s' "$SAMPLE_BODY" | sha256sum | cut -d' ' -f1)

# pgbench_run NAME CLIENTS SECONDS
pgbench_run() {
    local name=$1 c=$2 secs=$3 f=$RES/$1 before after rc=0 logdir cpu0 cpu1
    RUN_NO=$((RUN_NO + 1))
    logdir=$TMP/pgbench/$name
    mkdir -p "$logdir"
    chmod 777 "$logdir"
    before=$(leads_rows)
    pss_reset
    cpu0=$(cpu_ms)
    (cd "$logdir" && exec pgbench -n -M prepared -c "$c" -j 2 -T "$secs" \
        --log --log-prefix="$logdir/tx" -f "$TMP/pgbench/create.sql" \
        -D base=$((RUN_NO * 17592186044416)) -D seq=0 \
        -D key_hash="$KEY_HASH" -D scope="firm:$FIRM" \
        -D fingerprint="$FINGERPRINT" -D status=201 -D idem_body="$SAMPLE" \
        -D firm="$FIRM" -D first=Ada -D last="Lovelace 1" \
        -D email=ada.sample@example.com -D phone=+14155550001 \
        -D source=bench_pgbench -D stage="$STAGE" -D member="$MEMBER" \
        -D data='{"caseType": "Family"}' -D event_type=lead.created \
        -D endpoint="$ENDPOINT" -D event_body="$EVENT_BODY" \
        -D ev_first='lead.created,%' -D ev_last='%,lead.created' \
        -D ev_middle='%,lead.created,%') \
        > "$f.pgbench" 2>&1 &
    LOAD_PID=$!
    wait "$LOAD_PID" || rc=$?
    LOAD_PID=
    cpu1=$(cpu_ms)
    pss_save "$f.pss"
    after=$(leads_rows)
    [ "$rc" -eq 0 ] || { tail -n 20 "$f.pgbench" >&2; say "pgbench exited $rc ($name)"; }
    {
        echo "kind=pgbench"
        echo "conns=$c"
        echo "rows=$((after - before))"
        echo "exit=$rc"
        echo "logs=$logdir"
        cpu_env "$cpu0" "$cpu1"
    } > "$f.env"
    say "$name: $(grep -E '^tps' "$f.pgbench" | head -1), $((after - before)) rows"
    # pgbench's outbox rows are due in 1000 years: pending for ever, they
    # would swell the module's outbox counts (mod_status, metrics) and its
    # retention in the runs that follow; they are not its workload
    psql -q -c "DELETE FROM webhook_deliveries
                WHERE next_attempt_at > now() + interval '100 years'" >/dev/null
}

# --- the runs
# Both concurrencies, so the RSS baseline has every thread, pooled
# connection and deliverer batch size the runs will use; 30 s each because
# the deliverer's child climbs for about a minute of full load (malloc
# arenas reaching the size of its largest batches) and is flat after that
# (sampled every 6 s over 500,000 creates: within 0.3 MB).
say "warm-up: mod_leads ${WARMUP}s at 16 and at 64 connections, pgbench 3s"
wrk_run warmup-16 16 "$WARMUP"
wrk_run warmup 64 "$WARMUP"
pgbench_run pgwarmup 16 3
RSS_WARM=$(children_rss_kb)
RSS_WARM_EACH=$(children_rss_each)
RSS_START_PIDS=$(children_pids)
CREATES_WARM=$(module_creates)

# Unloaded webhook latency: 40 creates, one every ~50 ms, nothing else running.
say "webhook latency probe: 40 single creates"
t0=$(now_ms)
for i in $(seq 1 40); do
    curl -s -o /dev/null "$URL" -H "Authorization: Bearer $KEY" \
        -H 'Content-Type: application/json' -H "Idempotency-Key: bench-probe-$i" \
        -d "${SAMPLE_BODY/ada.sample/ada.probe$i}"
    sleep 0.05
done
t1=$(now_ms)
printf 't0=%s\nt1=%s\ndrain_ms=%s\n' "$t0" "$t1" "$(drain)" > "$RES/probe.env"

for c in $CONNS; do
    say "mod_leads, firm without a webhook endpoint: ${DURATION}s at $c connections"
    RUN_KEY=$KEY0 RUN_MEMBER=$MEMBER0 wrk_run "none-$c" "$c" "$DURATION"
    say "mod_leads: ${DURATION}s at $c connections"
    wrk_run "mod_leads-$c" "$c" "$DURATION"
    # the same with the metrics scraped every second, side by side
    say "mod_leads, metrics scraped every second: ${DURATION}s at $c connections"
    ( while sleep 1; do
          curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/leads-metrics"
      done ) &
    SCRAPER_PID=$!
    wrk_run "scraped-$c" "$c" "$DURATION"
    kill "$SCRAPER_PID" 2>/dev/null; wait "$SCRAPER_PID" 2>/dev/null || true
    say "pgbench: ${DURATION}s at $c clients"
    pgbench_run "pgbench-$c" "$c" "$DURATION"
done

# Top up to BENCH_CREATES creates through mod_leads after the warm-up, for
# the RSS figure.
top=0
while :; do
    done_n=$(( $(module_creates) - CREATES_WARM ))
    [ "$done_n" -ge "$TARGET" ] && break
    top=$((top + 1))
    [ "$top" -le 10 ] || die "could not reach $TARGET creates ($done_n)"
    # the rate of the last wrk run, with 10 % to spare: it slows down as the
    # tables and the webhook backlog grow
    rate=$(grep -h '^requests=\|^duration_us=' "$LAST_WRK_ENV" 2>/dev/null |
           tr '\n' ' ' | perl -ne '/requests=(\d+).*duration_us=(\d+)/ and print int($1 / ($2 / 1e6))')
    [ -n "$rate" ] && [ "$rate" -gt 0 ] || rate=1000
    secs=$(( (TARGET - done_n) * 11 / 10 / rate + 1 ))
    say "top-up $top: $done_n creates since the warm-up, ${secs}s more at 64 connections"
    wrk_run "topup-$top" 64 "$secs" nodrain
done
RSS_END=$(children_rss_kb)
RSS_END_EACH=$(children_rss_each)
# the child whose deliverer holds connections to the receiver
DELIVERER_PID=$(ss -tnpH state established "( dport = :$RECV_PORT )" 2>/dev/null |
    grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2 || true)
RSS_END_PIDS=$(children_pids)
CREATES_END=$(module_creates)
{
    echo "rss_warm_kb=$RSS_WARM"
    echo "rss_end_kb=$RSS_END"
    echo "rss_warm_pids=$RSS_START_PIDS"
    echo "rss_warm_each=$RSS_WARM_EACH"
    echo "rss_end_each=$RSS_END_EACH"
    echo "deliverer_pid=${DELIVERER_PID:-unknown}"
    echo "rss_end_pids=$RSS_END_PIDS"
    echo "creates_warm=$CREATES_WARM"
    echo "creates_end=$CREATES_END"
    echo "log_errors=$(grep -c ':error\]\|:crit\]\|:alert\]\|:emerg\]' "$TMP/site/logs/error.log" || true)"
    echo "log_warnings=$(grep -c ':warn\]' "$TMP/site/logs/error.log" || true)"
    echo "pending_end=$(pending)"
    echo "failed_deliveries=$(q "SELECT count(*) FROM webhook_deliveries WHERE status = 'failed'")"
    echo "duration=$DURATION"
    echo "conns=$CONNS"
    echo "cpus=$(nproc)"
} > "$RES/global.env"

# The least the database can spend on a delivery, on this database: its row
# written and finished the way the create and the finish do it, in bulk (no
# statement, round trip or transaction of its own), with the server quiet.
# What 0.85 leaves the database is compared with it (report.pl); a failed
# measurement leaves the figure out, not the report.
drain >/dev/null
FLOOR_ROWS=20000
floor_ms() { # SQL -> its run time in ms, as psql's \timing prints it
    printf '\\timing on\n%s\n' "$1" |
        psql -X -q -v ON_ERROR_STOP=1 -v body="$EVENT_BODY" |
        sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1
}
FLOOR_PREFIX=ffffffff-ffff-7fff-bfff-     # ids no create makes, at the key's right edge
FLOOR_IDS="CAST('$FLOOR_PREFIX' || lpad(to_hex(i), 12, '0') AS uuid)"
FLOOR_INSERT_MS=$(floor_ms "INSERT INTO webhook_deliveries (id, event_id, event_type,
    endpoint_id, firm_id, body, status, attempts, next_attempt_at, created_at,
    updated_at, lease_owner, lease_until)
    SELECT $FLOOR_IDS, gen_random_uuid(), 'lead.created', CAST('$ENDPOINT' AS uuid),
    CAST('$FIRM' AS uuid), :'body', 'pending', 0, now() + interval '1000 years', now(),
    now(), 'bench-floor', now() + interval '1000 years'
    FROM generate_series(1, $FLOOR_ROWS) i") || true
FLOOR_FINISH_MS=$(floor_ms "UPDATE webhook_deliveries SET status = 'delivered',
    attempts = attempts + 1, last_http_status = 204, last_error = NULL,
    updated_at = now(), delivered_at = now(), last_duration_ms = 1,
    lease_owner = NULL, lease_until = NULL
    WHERE id BETWEEN CAST('${FLOOR_PREFIX}000000000000' AS uuid)
                 AND CAST('${FLOOR_PREFIX}ffffffffffff' AS uuid)") || true
q "DELETE FROM webhook_deliveries WHERE id >= CAST('${FLOOR_PREFIX}000000000000' AS uuid)" >/dev/null ||
    true
{
    echo "floor_rows=$FLOOR_ROWS"
    echo "floor_insert_ms=${FLOOR_INSERT_MS:-}"
    echo "floor_finish_ms=${FLOOR_FINISH_MS:-}"
} >> "$RES/global.env"

# Stop the receiver so its log is complete, then report.
kill -TERM "$RECV_PID"; wait "$RECV_PID" 2>/dev/null || true
RECV_PID=
perl t/bench/report.pl "$RES" "$TMP/receiver.log" "$TMP/pgbench/create.sql"
