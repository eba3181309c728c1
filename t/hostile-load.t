# 200 slow or stalled hostile connections (within MaxRequestWorkers) held
# open while a paced client creates leads: every valid create answers 201
# within a second. The pool is small (DBDMax 4 per child) on purpose: no
# hostile request may hold a pooled connection while it waits on its
# client.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);
use LeadsTest qw(backends);
use Load;

my $HOSTILE = 200;

sub random_key {
    my @c = ('a' .. 'z', 0 .. 9);
    return $_[0] . join '', map { $c[rand @c] } 1 .. 40;
}

# One hostile connection of kind $i % 3: a body stalled after one byte
# with an unknown key, the same with a valid key, or headers never ended.
sub hostile {
    my ($site, $i, $key) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $site->port,
                                  Proto => 'tcp', Timeout => 5) or return;
    my $kind = $i % 3;
    my $auth = $kind == 0 ? random_key('lak_') : $key;
    print {$s} $kind == 2
        ? "POST /api/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $auth\r\nX-Slow: "
        : "POST /api/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $auth\r\n"
          . "Content-Type: application/json\r\nContent-Length: 65536\r\n\r\n{";
    return $s;
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend, conf => [
            'StartServers 4', 'ServerLimit 4', 'ThreadsPerChild 64', 'MinSpareThreads 256',
            'MaxSpareThreads 256', 'MaxRequestWorkers 256', 'DBDMax 4', 'LeadsRateLimit 0',
            'Timeout 60' ]);
        my $p = $site->provision;
        my @held = grep { $_ } map { hostile($site, $_, $p->{key}) } 1 .. $HOSTILE;
        is(scalar @held, $HOSTILE, "$HOSTILE hostile connections open");
        sleep 1;
        my $load = Load->start($site, key => $p->{key}, workers => 4, rate => 40);
        sleep 8;
        my @all = $load->stop;
        my @slow = grep { $_->{status} != 201 || $_->{t1} - $_->{t0} >= 1 } @all;
        my ($max) = sort { $b <=> $a } map { $_->{t1} - $_->{t0} } @all;
        ok(@all >= 100, scalar(@all) . ' paced creates sent');
        is(scalar @slow, 0, sprintf 'every one answered 201 within 1 s (slowest %.3f s)', $max // 0)
            or diag Load::summary(\@all);
        close $_ for @held;
        is_deeply([ $site->crashes ], [], 'no child crashed');
    };
}

done_testing;
