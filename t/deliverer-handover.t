# docs/api.md §9.4: a deliverer told to stop (here a graceful restart,
# mid-burst, towards a slow receiver) gives up its leases and its place, so
# the deliverer of the new generation sends what was leased at once, not
# when the leases run out (2 x LeadsWebhookTimeout + 15 s = 25 s here).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);
use LeadsTest qw(backends);
use Receiver;

sub lead { { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com', source => 'web' } }

# Distinct events the receiver got (a resend after the restart counts once).
sub events {
    my ($rcv) = @_;
    my %seen = map { ($_->{headers}{'webhook-id'} // '') => 1 } $rcv->requests;
    return scalar keys %seen;
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $dir = LeadsTest::tmp() . "/handover-$$-$backend";
        mkdir $dir;
        my $rcv = Receiver->new(dir => $dir, status => 200, delay => 1.5);
        my $site = LeadsTest->site(backend => $backend, conf => [
            'LeadsRateLimit 0', 'LeadsWebhookAllowPrivate On', 'LeadsWebhookPollInterval 1',
            'LeadsWebhookTimeout 5', 'LeadsWebhookConcurrency 2' ]);
        my $p = $site->provision;
        my $r = $site->ctl_run('webhook', 'add', '--firm', $p->{firm}, '--url', $rcv->url('/hook'));
        is($r->{rc}, 0, 'endpoint added') or diag $r->{err};
        my $n = 8;
        is($site->create($p->{key}, lead())->{status}, 201, "create $_") for 1 .. $n;
        ok($rcv->wait_count(1, timeout => 20), 'deliveries have started');

        # Clients still connected keep the old generation's children alive
        # (until Timeout), as real traffic does.
        my @held;
        for (1 .. 6) {
            my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $site->port,
                                          Proto => 'tcp', Timeout => 5) or next;
            print {$s} "POST /api/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     . "Content-Length: 100\r\n\r\n{";
            push @held, $s;
        }
        sleep 0.3;
        my $t0 = time;
        $site->graceful;
        my $all = LeadsTest::wait_for(18, sub { events($rcv) >= $n });
        my $took = time - $t0;
        ok($all, sprintf 'all %d events delivered %.1f s after the graceful restart', $n, $took)
            or diag 'delivered: ' . events($rcv) . "\n" . $site->log_tail(20, qr/LEADS|watchdog/i);
        ok($took < 15, 'well before the leases would have run out (25 s)');
        close $_ for @held;
        is_deeply([ $site->crashes ], [], 'no child crashed');
    };
}

done_testing;
