# httpd stopped (SIGTERM) while many clients are stalled mid-body (half of
# them just gave up) and a valid create waits behind them: no child may die
# of a signal. Seen before as
# a segfault in one or two children every time (threads still waiting in
# mod_dbd's pool while the child's pool was destroyed).
#
# LEADS_STOP_LOOPS=N repeats the scenario N times per backend (default 1;
# .ci/run's plain pass runs it many times).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(sleep time);
use LeadsTest qw(backends);

my $LOOPS = $ENV{LEADS_STOP_LOOPS} || 1;

sub lead { { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com', source => 'web' } }

sub core_files { my ($site) = @_; return glob($site->dir . '/run/core*') }

for my $backend (backends()) {
    subtest "backend $backend: $LOOPS stop(s) with stalled clients" => sub {
        my $site = LeadsTest->site(backend => $backend, conf => [
            'StartServers 2', 'ServerLimit 2', 'ThreadsPerChild 32', 'MinSpareThreads 32',
            'MaxSpareThreads 64', 'MaxRequestWorkers 64', 'DBDMax 4', 'LeadsRateLimit 0' ]);
        my $p = $site->provision;
        my @crashes;
        for my $i (1 .. $LOOPS) {
            $site->start if $i > 1;
            my @held;
            for (1 .. 40) {
                my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $site->port,
                                              Proto => 'tcp', Timeout => 5) or next;
                print {$s} "POST /api/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $p->{key}\r\n"
                         . "Content-Type: application/json\r\nContent-Length: 65536\r\n\r\n{";
                push @held, $s;
            }
            sleep 0.5;
            my $pid = fork // die "fork: $!";
            if (!$pid) {
                HTTP::Tiny->new(timeout => 10)->request('POST', $site->url('/api/leads'), {
                    headers => { Authorization => "Bearer $p->{key}", 'Content-Type' => 'application/json' },
                    content => JSON::PP->new->encode(lead()) });
                POSIX::_exit(0);
            }
            sleep 0.5;
            # half give up; the other half are still stalled when httpd
            # stops, with threads behind them waiting for a connection
            close $_ for splice @held, 0, 20;
            sleep 0.2;
            $site->stop;
            close $_ for @held;
            waitpid $pid, 0;
            push @crashes, $site->crashes;
        }
        is_deeply(\@crashes, [], "no child died of a signal in $LOOPS stop(s)")
            or diag join "\n", @crashes[0 .. ($#crashes < 5 ? $#crashes : 5)];
        is_deeply([ core_files($site) ], [], 'no core file');
    };
}

done_testing;
