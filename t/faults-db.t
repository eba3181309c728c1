# Faults under load: the database server stopped and started again, and
# the app's server-side connections killed over and over, while
# t/lib/Load.pm posts a few hundred creates a second.  docs/api.md §7.2: the
# database away is 503 `unavailable` with Retry-After, never another 5xx
# and never a dropped connection (httpd stays up, no child dies); creates
# succeed again without an httpd restart.  docs/api.md §5, §9.4: every 201's lead is
# stored with its request's data, nothing partial is stored, and a stored
# lead is answered 201 even when the database's answer to its COMMIT was
# lost (the module looks the lead up), and retrying its Idempotency-Key
# replays it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use LeadsTest qw(backends db_ctl run_cmd);
use Load;

my @backends = grep { $_ ne 'sqlite3' } backends();
plan skip_all => 'needs pgsql or mysql (LEADS_BACKENDS)' unless @backends;

my $WAIT = 60;                  # seconds: the bound of every wait

# Every answer is 201, or 503 unavailable with Retry-After: nothing else,
# no request without an answer.
sub answers_ok {
    my ($recs, $what) = @_;
    my %bad;
    for (@$recs) {
        next if $_->{status} == 201;
        next if $_->{status} == 503 && $_->{code} eq 'unavailable' && $_->{retry} =~ /^\d+$/;
        $bad{"status $_->{status} code '$_->{code}' Retry-After '$_->{retry}' err '$_->{err}'"
             . " ($_->{got} bytes of an answer, " . ($_->{reused} ? 'a reused' : 'a new') . ' connection)'}++;
    }
    ok(!%bad, "$what: every answer is 201 or 503 unavailable with Retry-After (no other 5xx, "
              . 'no connection error)') or diag join "\n", map { "$bad{$_} x $_" } sort keys %bad;
}

# Every 201's lead is stored, with its request's data.  A stored lead that
# was not answered 201 is one whose COMMIT went through while the
# connection to the database was lost on the way back (mysql: KILL or
# shutdown just then; "LEADS00013: COMMIT failed: Lost connection"): its
# request was answered 503, and a retry with its Idempotency-Key must
# replay it.  Nothing else is stored.
sub stored_ok {
    my ($site, $p, $recs, $what) = @_;
    my $stored = Load::stored($site, $p->{firm});
    my $rec = Load::reconcile($recs, $stored);
    my %by_key = map { $_->{ikey} => $_ } @$recs;
    ok(!@{ $rec->{missing} }, "$what: every acknowledged (201) lead is stored, with its request's data")
        or diag scalar(@{ $rec->{missing} }) . ' missing, e.g. ' . $rec->{missing}[0]{id};
    my @unacked = map { $by_key{ $stored->{$_} } } @{ $rec->{unacked} };
    my @known = grep { defined && $_->{status} == 503 } @unacked;
    my @replayed = grep { $_->{status} == 201 && $_->{replayed} && ($stored->{ $_->{id} } // '') eq $_->{ikey} }
                   Load::retry($site, $p->{key}, \@known);
    ok(@replayed == @unacked, "$what: a stored lead not answered 201 was answered 503, "
                              . 'and a retry with its Idempotency-Key replays it')
        or diag join "\n", map { "$_: answered " . ($by_key{ $stored->{$_} } || { status => 'never' })->{status} }
                           @{ $rec->{unacked} };
    is(scalar @unacked, 0, "$what: no 503 for a lead that was stored (a lost COMMIT answer is looked up)")
        or diag map { "lead $_ stored, its request answered 503\n" } @{ $rec->{unacked} };
    is(scalar(keys %$stored), Load::count($recs, 201) + @replayed,
       "$what: as many leads stored as creates acknowledged (by a 201, or replayed to a retry)");
    is(0 + $site->sql1("SELECT COUNT(*) FROM idempotency_keys WHERE scope = 'firm:$p->{firm}'"),
       scalar(keys %$stored), "$what: one Idempotency-Key record per stored lead (no partial create)");
}

# The same httpd, nothing crashed.  (Which children serve is the MPM's
# business: under load it may start one more and later retire it.)
sub httpd_ok {
    my ($site, $pid, $what) = @_;
    is($site->{pid}, $pid, "$what: the same httpd parent");
    ok(kill(0, $pid), "$what: httpd parent alive");
    is_deeply([ $site->crashes ], [], "$what: no child crashed (error log)");
}

# The app's connections, killed from another session (pgsql:
# pg_terminate_backend, mysql: KILL CONNECTION); how many.
sub kill_backends {
    my ($site) = @_;
    my $db = $site->dbname;
    if ($site->backend eq 'pgsql') {
        return scalar grep { $_->[0] eq 't' } $site->sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()");
    }
    my @ids = map { $_->[0] } $site->sql(
        "SELECT id FROM information_schema.processlist WHERE db = '$db' AND id <> CONNECTION_ID()");
    # --force: one may be gone meanwhile (KILL of an unknown id is an error)
    run_cmd([ qw(mariadb --no-defaults --force -h 127.0.0.1 -u root -P), $ENV{LEADS_TEST_MY_PORT},
              '-e', join ' ', map { "KILL CONNECTION $_;" } @ids ]) if @ids;
    return scalar @ids;
}

for my $backend (@backends) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend, conf => [ 'LeadsRateLimit 0' ]);
        my $pid = $site->{pid};

        subtest 'database stopped and started under load: 503 while down, then 201 again' => sub {
            my $p = $site->provision(fields => []);
            my $load = Load->start($site, key => $p->{key});
            ok($load->wait_more(201, 300, $WAIT), 'load running: 300 creates answered 201');
            db_ctl('stop', $backend);
            ok($load->wait_more(503, 300, $WAIT), 'database down: 503s');
            sleep 3;                                # more load against the stopped server
            db_ctl('start', $backend);
            ok($load->wait_more(201, 600, $WAIT),
               'database up again: 600 more creates answered 201, httpd not restarted');
            my @r = $load->stop;
            note "$backend, database stopped and started: " . Load::summary(\@r);
            answers_ok(\@r, 'stop/start');
            httpd_ok($site, $pid, 'stop/start');
            stored_ok($site, $p, \@r, 'stop/start');
        };

        subtest 'server-side connections killed again and again under load: 201 or 503, then 201 again' => sub {
            my $p = $site->provision(fields => []);
            my $load = Load->start($site, key => $p->{key});
            ok($load->wait_more(201, 300, $WAIT), 'load running: 300 creates answered 201');
            my $killed = 0;
            for (1 .. 15) {
                $killed += kill_backends($site);
                sleep 0.3;
            }
            my $last = time;
            ok($killed >= 15, "$killed connections killed in 15 rounds");
            ok($load->wait_more(201, 600, $WAIT),
               'after the last round: 600 more creates answered 201');
            my @r = $load->stop;
            note "$backend, $killed connections killed: " . Load::summary(\@r)
                 . '; after the last round: ' . Load::summary(Load::since(\@r, $last));
            answers_ok(\@r, 'connections killed');
            httpd_ok($site, $pid, 'connections killed');
            stored_ok($site, $p, \@r, 'connections killed');
        };

        $site->stop;
    };
}

done_testing;
