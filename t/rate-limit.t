# docs/api.md §3 rate limit: per key, a trailing window shared by all httpd children.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep);
use LeadsTest qw(backends in_children);

sub lead { { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com', source => 'web' } }

sub limited_ok {
    my ($r, $what) = @_;
    is($r->{status}, 429, "$what: status 429") or diag $r->{body};
    is(ref $r->{json} eq 'HASH' ? $r->{json}{error}{code} : undef, 'rate_limited', "$what: rate_limited");
    my $ra = $r->{headers}{'retry-after'} // '';
    like($ra, qr/^\d+$/, "$what: Retry-After is whole seconds ($ra)");
    ok($ra =~ /^\d+$/ && $ra >= 1 && $ra <= 60, "$what: 1 <= Retry-After <= window");
    return $ra;
}

# $n requests at once from forked clients; returns their statuses.
sub parallel_statuses {
    my ($site, $key, $n) = @_;
    return in_children($n, sub { my $r = eval { $site->create($key, lead()) }; $r ? $r->{status} : 0 });
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend, conf => 'LeadsRateLimit 5 60');
        my $p = $site->provision;

        subtest 'LeadsRateLimit 5 60: five creates pass, the sixth gets 429 rate_limited with Retry-After' => sub {
            for my $i (1 .. 5) {
                my $r = $site->create($p->{key}, lead());
                is($r->{status}, 201, "request $i: status 201") or diag $r->{body};
            }
            my $n = $site->count_leads;
            limited_ok($site->create($p->{key}, lead()), 'request 6');
            limited_ok($site->create($p->{key}, lead()), 'request 7');
            is($site->count_leads, $n, 'a limited request writes no row');
            like($site->create($p->{key}, lead())->{headers}{'lawfficient-version'} // '',
                 qr/^2026-07-01$/, '429 carries Lawfficient-Version');
        };

        subtest 'each key is counted on its own' => sub {
            my $k2 = $site->add_key($p->{firm}, 'leads:write', 'second');
            for my $i (1 .. 5) {
                is($site->create($k2->{key}, lead())->{status}, 201, "second key, request $i: status 201");
            }
            limited_ok($site->create($k2->{key}, lead()), 'second key, request 6');
            limited_ok($site->create($p->{key}, lead()), 'first key still limited');
        };

        subtest 'the window is shared by all children: 10 parallel clients -> exactly 5 pass' => sub {
            my $k3 = $site->add_key($p->{firm}, 'leads:write', 'parallel');
            my $before = $site->count_leads;
            my @st = parallel_statuses($site, $k3->{key}, 10);
            is(scalar(grep { $_ == 201 } @st), 5, 'five 201') or diag "statuses: @st";
            is(scalar(grep { $_ == 429 } @st), 5, 'five 429') or diag "statuses: @st";
            is($site->count_leads, $before + 5, 'five rows');
        };

        is_deeply([ $site->crashes ], [], 'no child crashed');
        $site->stop;

        subtest 'the window trails: after Retry-After seconds requests pass again' => sub {
            my $s = LeadsTest->site(backend => $backend, conf => 'LeadsRateLimit 2 3');
            my $q = $s->provision;
            is($s->create($q->{key}, lead())->{status}, 201, "request $_: status 201") for 1 .. 2;
            my $r = $s->create($q->{key}, lead());
            is($r->{status}, 429, 'request 3: status 429');
            my $ra = $r->{headers}{'retry-after'} // 3;
            ok($ra >= 1 && $ra <= 3, "Retry-After $ra within the 3 s window");
            sleep $ra + 0.2 if $ra =~ /^\d+$/ && $ra <= 3;
            $r = $s->create($q->{key}, lead());
            is($r->{status}, 201, 'after Retry-After: status 201') or diag $r->{body};
            $s->stop;
        };

        subtest 'LeadsRateLimit 0 turns the limit off' => sub {
            my $s = LeadsTest->site(backend => $backend, conf => 'LeadsRateLimit 0');
            my $q = $s->provision;
            my @st = map { $s->create($q->{key}, lead())->{status} } 1 .. 12;
            is_deeply(\@st, [ (201) x 12 ], '12 requests, all 201');
            my @par = parallel_statuses($s, $q->{key}, 8);
            is_deeply([ sort @par ], [ (201) x 8 ], '8 parallel requests, all 201');
            $s->stop;
        };
    };
}

done_testing;
