# docs/api.md §9.4: a webhook receiver that hangs never slows lead creation.  The
# deliverer (one watchdog thread, libcurl multi) sends at most
# LeadsWebhookConcurrency at once and the outbox row is the truth, so while
# every delivery hangs, a few hundred creates from keep-alive clients are
# all answered 201 and finish while the hung deliveries are still in
# flight; the server answers mod_status and a fresh create meanwhile; once
# the receiver is replaced by one that answers (same port) every lead's
# webhook arrives.
#
# Two receivers that hang: one that reads each request and never answers,
# and a listen socket that never accepts (its backlog full, further
# connects wait for a SYN-ACK).  Nothing here asserts how long anything
# took; every wait is a poll with a bound.
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
use LeadsTest qw(backends json_text wait_for in_children);
use Receiver;

my $RDIR = LeadsTest::tmp() . '/receivers';
my $WAIT = 120;                 # seconds: a bound on every wait for deliveries
my ($CLIENTS, $EACH) = (4, 75); # 300 creates per scenario
my $CONCURRENCY = 16;           # LeadsWebhookConcurrency's default

# LeadsWebhookTimeout 30: the hung deliveries stay in flight through the
# creates; the receiver is replaced rather than waited out, so the test
# does not wait for it.  Short retry delays, enough of them.
my $CONF = [ 'LeadsRateLimit 0', 'LeadsWebhookAllowPrivate On', 'LeadsWebhookPollInterval 1',
             'LeadsWebhookTimeout 30', 'LeadsWebhookRetrySchedule 1s 1s 2s 2s 5s 5s 10s 10s',
             "LoadModule status_module $LeadsTest::MODULES/mod_status.so",
             '<Location "/server-status">', '    SetHandler server-status', '</Location>' ];

my %listeners;                  # pid => 1: never-accepting listeners to stop
END { local $?; kill 'KILL', keys %listeners; waitpid $_, 0 for keys %listeners }

sub lead {
    return { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com',
             source => 'web', @_ };
}

# A listen socket on $port with a backlog of 1 that never accepts: the
# kernel completes a connection or two, the rest wait for a SYN-ACK.
sub never_accepting {
    my ($port) = @_;
    pipe my $rd, my $wr or die "pipe: $!";
    my $parent = $$;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $rd;
        open STDOUT, '>', '/dev/null';      # prove waits for the test's stdout to close
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port, Proto => 'tcp',
                                      Listen => 1, ReuseAddr => 1);
        syswrite $wr, $s ? "ok\n" : "listen: $!\n";
        close $wr;
        POSIX::_exit(1) unless $s;
        sleep 0.5 while getppid() == $parent;
        POSIX::_exit(0);
    }
    close $wr;
    my $line = <$rd> // '';
    die "never-accepting listener on $port: $line" unless $line eq "ok\n";
    $listeners{$pid} = 1;
    return $pid;
}

sub stop_listener {
    my ($pid) = @_;
    kill 'KILL', $pid;
    waitpid $pid, 0;
    delete $listeners{$pid};
}

# Forked clients, each on one keep-alive connection: [status, lead id] per create.
sub keepalive_creates {
    my ($site, $key, $tag) = @_;
    my @out = in_children($CLIENTS, sub {
        my ($c) = @_;
        my $ua = HTTP::Tiny->new(keep_alive => 1, timeout => 60, agent => 'leads-test/1');
        my $lines = '';
        for my $i (1 .. $EACH) {
            my $res = $ua->post($site->url('/api/leads'), {
                headers => { Authorization => "Bearer $key", 'Content-Type' => 'application/json' },
                content => json_text(lead(last_name => "$tag $c $i")) });
            my $id = eval { JSON::PP->new->utf8->decode($res->{content})->{id} } // '-';
            $lines .= "$res->{status} $id\n";
        }
        $lines;
    });
    return map { [ split / / ] } grep { length } map { split /\n/ } @out;
}

# mod_status's LeadsWebhook* counters (and the response).
sub webhook_status {
    my ($site) = @_;
    my $r = $site->request('GET', '/server-status?auto');
    my %v = $r->{body} =~ /^(LeadsWebhook\w+):\s*(\d+)/mg;
    return ($r, \%v);
}

sub in_flight { my (undef, $v) = webhook_status($_[0]); $v->{LeadsWebhookInFlight} // 0 }

sub n_deliveries {
    my ($site, $firm, $status) = @_;
    return 0 + $site->sql1("SELECT COUNT(*) FROM webhook_deliveries WHERE firm_id = '$firm'"
                           . ($status ? " AND status = '$status'" : ''));
}

sub n_attempts {
    my ($site, $firm) = @_;
    return 0 + $site->sql1('SELECT COUNT(*) FROM webhook_attempts a JOIN webhook_deliveries d '
                           . "ON d.id = a.delivery_id WHERE d.firm_id = '$firm'");
}

# One firm with an endpoint on $rcv's port, where something hangs:
# $o{hanging}->() says a delivery is hanging there, $o{still_hanging}->()
# checks more once the creates are answered, $o{replace}->() puts the
# answering receiver $rcv on the port.
sub hung_receiver_ok {
    my ($site, $rcv, %o) = @_;
    my $p = $site->provision(fields => []);
    my $firm = $p->{firm};
    $site->ctl('webhook', 'add', '--firm', $firm, '--url', $rcv->url("/$firm"));

    my $first = $site->create($p->{key}, lead());
    is($first->{status}, 201, 'a first create: 201');
    ok(wait_for(20, $o{hanging}), 'its delivery is hanging at the receiver before the creates start');

    my @res = keepalive_creates($site, $p->{key}, $o{tag});
    my @bad = grep { $_->[0] != 201 } @res;
    is(scalar @res, $CLIENTS * $EACH, "$CLIENTS keep-alive clients: " . $CLIENTS * $EACH . ' answers');
    ok(!@bad, 'every create answered 201') or diag 'statuses: ' . join ' ', map { $_->[0] } @bad;

    # The order of things: the creates are all answered, and still no
    # delivery has been answered, while deliveries are in flight.
    is(n_deliveries($site, $firm, 'delivered'), 0, 'after the last create: no delivery answered yet');
    my ($st, $v) = webhook_status($site);
    is($st->{status}, 200, 'mod_status answers meanwhile');
    ok(($v->{LeadsWebhookInFlight} // 0) >= 1,
       'mod_status: deliveries still in flight (' . ($v->{LeadsWebhookInFlight} // 'none') . ')')
        or diag $st->{body};
    ok(($v->{LeadsWebhookInFlight} // 0) <= $CONCURRENCY, "... no more than LeadsWebhookConcurrency ($CONCURRENCY)");
    like($v->{LeadsWebhookQueued} // '', qr/^\d+$/, "... and the leased deliveries queued behind them ("
         . ($v->{LeadsWebhookQueued} // 'none') . ')');
    ok(($v->{LeadsWebhookInFlight} // 0) + ($v->{LeadsWebhookQueued} // 0) <= 4 * $CONCURRENCY,
       '... no more leased than one batch (4 x LeadsWebhookConcurrency)');
    $o{still_hanging}->($firm) if $o{still_hanging};
    my $fresh = $site->create($p->{key}, lead(last_name => 'Fresh'));
    is($fresh->{status}, 201, 'a fresh create meanwhile: 201') or diag $fresh->{body};

    my $held = $rcv->count(path => "/$firm");     # requests the hung receiver logged
    $o{replace}->();
    my @ids = ($first->{json}{id}, $fresh->{json}{id}, map { $_->[1] } @res);
    my $n = @ids;
    is(n_deliveries($site, $firm), $n, "$n outbox rows, one per lead");
    wait_for($WAIT, sub { n_deliveries($site, $firm, 'delivered') >= $n });
    is(n_deliveries($site, $firm, 'delivered'), $n, "receiver replaced: all $n webhooks delivered")
        or diag $site->log_tail(10, qr/LEADS000/);
    is(n_deliveries($site, $firm, 'failed'), 0, 'none failed');
    my @reqs = $rcv->requests(path => "/$firm");
    splice @reqs, 0, $held;                         # the hung receiver's
    my %got = map { my $j = eval { JSON::PP->new->utf8->decode($_->{body}) }; (($j && $j->{data}{id}) // '') => 1 } @reqs;
    my @missing = grep { !$got{$_} } @ids;
    ok(!@missing, "the answering receiver got every lead's event") or diag scalar(@missing) . ' missing';
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend, conf => $CONF);

        subtest 'a receiver that reads each request and never answers' => sub {
            my $rcv = Receiver->new(dir => $RDIR, delay => 3600);
            hung_receiver_ok($site, $rcv,
                tag     => 'Silent',
                hanging => sub { $rcv->count >= 1 },
                still_hanging => sub {
                    my ($firm) = @_;
                    is(n_attempts($site, $firm), 0, 'no attempt has finished: every request sent still waits');
                    my $held = $rcv->count;
                    ok($held >= 1 && $held <= $CONCURRENCY,
                       "the receiver holds $held unanswered requests (at most $CONCURRENCY)");
                },
                replace => sub { $rcv->stop; $rcv->set_plan(status => 200); $rcv->start });
        };

        subtest 'a listen socket that never accepts (backlog full)' => sub {
            my $rcv = Receiver->new(dir => $RDIR, down => 1);
            my $listener = never_accepting($rcv->port);
            hung_receiver_ok($site, $rcv,
                tag     => 'Backlog',
                hanging => sub { in_flight($site) },
                replace => sub { stop_listener($listener); $rcv->start });
        };

        is_deeply([ $site->crashes ], [], 'no child crashed');
        $site->stop;
    };
}

done_testing;
