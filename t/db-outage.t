# docs/api.md §7.2 503 `unavailable`, docs/database.md §2, §4.1 (mod_dbd pool, the pgsql
# stale-prepared-statement trap): the database going away and coming back
# never needs an httpd restart and never crashes a child.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep);
use LeadsTest qw(backends db_ctl in_children unavailable_ok);

my @backends = grep { $_ ne 'sqlite3' } backends();
plan skip_all => 'needs pgsql or mysql (LEADS_BACKENDS)' unless @backends;

sub lead { { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com', source => 'web' } }

# $n creates at once (forked clients); returns the responses' statuses and codes.
sub parallel {
    my ($site, $key, $n) = @_;
    return in_children($n, sub {
        my $r = eval { $site->create($key, lead()) } || { status => 0, json => {} };
        my $code = ref $r->{json} eq 'HASH' && ref $r->{json}{error} eq 'HASH' ? $r->{json}{error}{code} : '';
        "$r->{status} $code";
    });
}

for my $backend (@backends) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend);
        my $p = $site->provision;
        my @kids = $site->child_pids;

        is($site->create($p->{key}, lead())->{status}, 201, "create $_ before the outage: status 201") for 1 .. 3;

        subtest 'database stopped -> 503 unavailable with Retry-After; httpd stays up' => sub {
            db_ctl('stop', $backend);
            unavailable_ok($site->create($p->{key}, lead()), "request $_") for 1 .. 4;
            my @st = parallel($site, $p->{key}, 6);
            is_deeply([ grep { !/^503 unavailable$/ } @st ], [], '6 parallel requests: all 503 unavailable')
                or diag "@st";
            ok(kill(0, $site->{pid}), 'httpd parent alive');
            is_deeply([ sort { $a <=> $b } $site->child_pids ], [ sort { $a <=> $b } @kids ],
                      'the same children serve (none died)');
            is_deeply([ $site->crashes ], [], 'no crash in the error log');
        };

        subtest 'database started again -> 201 within 10 s, without restarting httpd' => sub {
            db_ctl('start', $backend);
            my ($r, $tries, @seen);
            for $tries (1 .. 20) {
                $r = $site->create($p->{key}, lead());
                push @seen, $r->{status};
                last if $r->{status} == 201;
                sleep 0.5;
            }
            is($r->{status}, 201, 'a create succeeds again') or diag $r->{body};
            # stale pooled connections are tried again on fresh ones: 503
            # while the database cannot be reached, never 500
            is_deeply([ grep { $_ != 201 && $_ != 503 } @seen ], [],
                      'every answer meanwhile was 201 or 503') or diag "@seen";
            my @st = map { $site->create($p->{key}, lead())->{status} } 1 .. 10;
            is_deeply(\@st, [ (201) x 10 ], 'the next 10 sequential creates: all 201');
            @st = parallel($site, $p->{key}, 8);
            is_deeply([ grep { !/^201/ } @st ], [], '8 parallel creates: all 201') or diag "@st";
        };

        subtest 'server-side connections killed -> creates recover (no connection fails forever)' => sub {
            # fill both children's pools
            parallel($site, $p->{key}, 8) for 1 .. 2;
            my $db = $site->dbname;
            my $n;
            if ($backend eq 'pgsql') {
                $n = $site->sql1("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()");
                $site->sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()");
            }
            else {
                my @ids = map { $_->[0] } $site->sql(
                    "SELECT id FROM information_schema.processlist WHERE db = '$db' AND id <> CONNECTION_ID()");
                $n = @ids;
                $site->sql(join ' ', map { "KILL CONNECTION $_;" } @ids) if @ids;
            }
            ok($n >= 1, "$n pooled connections killed");
            my @first;
            push @first, parallel($site, $p->{key}, 8) for 1 .. 3;
            my @bad = grep { !/^201/ } @first;
            ok(@bad <= $n, 'first round: at most one failure per killed connection ('
                           . scalar(@bad) . " of " . scalar(@first) . ")") or diag "@first";
            is_deeply([ grep { !/^503 unavailable$/ } @bad ], [], 'first round: failures are 503 unavailable, not 500')
                or diag "@bad";
            my @st = map { $site->create($p->{key}, lead())->{status} } 1 .. 20;
            is_deeply(\@st, [ (201) x 20 ], 'then 20 sequential creates: all 201');
            @st = parallel($site, $p->{key}, 8);
            is_deeply([ grep { !/^201/ } @st ], [], 'and 8 parallel creates: all 201') or diag "@st";
            is_deeply([ $site->crashes ], [], 'no crash in the error log');
        };

        $site->stop;
    };
}

done_testing;
