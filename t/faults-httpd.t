# Faults under load: httpd killed with SIGKILL (the parent and its children
# at once) and started again, and gracefully restarted, while
# t/lib/Load.pm posts a few hundred creates a second and a real receiver
# (t/lib/Receiver.pm) takes the webhooks.  docs/api.md §9.4 "Nothing committed is
# dropped": no acknowledged lead is missing, no lead is stored that
# its client cannot learn of, and every stored lead's lead.created arrives
# once httpd runs again (at least once, always with the same event id).
# A graceful restart fails no request.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP ();
use Time::HiRes qw(sleep time);
use LeadsTest qw(backends);
use Load;
use Receiver;

my $WAIT = 60;                  # seconds: the bound of a wait for load
# Deliveries in flight when httpd is killed stay leased for
# 2 x LeadsWebhookTimeout + 15 s before the sweep sends them again.
my $DELIVERY_WAIT = $ENV{LEADS_TEST_LEASE_WAIT} || 150;
my @CONF = ('LeadsRateLimit 0', 'LeadsWebhookAllowPrivate On', 'LeadsWebhookPollInterval 1',
            'LeadsWebhookTimeout 2', 'LeadsWebhookRetrySchedule 200ms 1s 2s 5s 10s 20s');

sub statuses { my %n; $n{"$_->{status} $_->{code}"}++ for @{ $_[0] }; join ', ', map { "$_ x $n{$_}" } sort keys %n }

sub n_deliveries {
    my ($site, $firm, $status) = @_;
    return 0 + $site->sql1("SELECT COUNT(*) FROM webhook_deliveries WHERE firm_id = '$firm'"
                           . ($status ? " AND status = '$status'" : ''));
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend, conf => \@CONF);
        my $p = $site->provision(fields => []);
        my $rcv = Receiver->new(dir => LeadsTest::tmp() . '/receivers');
        $site->ctl_json('webhook', 'add', '--firm', $p->{firm}, '--url', $rcv->url('/faults'));
        my @recs;               # every request of the file, retries included

        subtest 'kill -9 of httpd under load, twice, and started again' => sub {
            my $load = Load->start($site, key => $p->{key});
            for my $round (1, 2) {
                ok($load->wait_more(201, 300, $WAIT), "round $round: 300 creates answered 201");
                $site->kill9;
                sleep 1;                            # the load meets a dead port
                $site->start;
                ok($load->wait_more(201, 300, $WAIT), "round $round: started again, 300 more creates answered 201");
            }
            my @r = $load->stop;
            note "$backend, kill -9 twice: " . Load::summary(\@r);
            my @bad = grep { $_->{status} != 201 && $_->{status} != 0 } @r;
            # sqlite3: a new child's first statements are prepared while the
            # restarted httpd recovers the killed one's WAL ("database is
            # locked"): the module waits for it as for BEGIN.
            ok(!@bad, 'every answer is 201 (a request without an answer is not acknowledged)')
                or diag statuses(\@bad);
            # A client retries what it got no answer to: a lead committed
            # just before the kill is replayed, the others are made now.
            my @unanswered = grep { $_->{status} == 0 && $_->{err} ne 'connect' } @r;
            my @retried = Load::retry($site, $p->{key}, \@unanswered);
            my @failed = grep { $_->{status} != 201 } @retried;
            ok(!@failed, scalar(@retried) . ' requests without an answer, retried with their Idempotency-Key: 201')
                or diag statuses(\@failed);
            note scalar(grep { $_->{replayed} } @retried) . ' of them replayed (committed before the kill)';
            is_deeply([ $site->crashes ], [], 'no child crashed');
            push @recs, @r, @retried;
        };

        subtest 'graceful restarts under load: no request fails' => sub {
            my $pid = $site->{pid};
            my $load = Load->start($site, key => $p->{key});
            for my $round (1 .. 3) {
                ok($load->wait_more(201, 300, $WAIT), "before graceful $round: 300 creates answered 201");
                ok(eval { $site->graceful; 1 }, "apache2 -k graceful $round: a new generation") or diag $@;
            }
            ok($load->wait_more(201, 300, $WAIT), 'after the last: 300 creates answered 201');
            my @r = $load->stop;
            note "$backend, 3 graceful restarts: " . Load::summary(\@r);
            # The old generation closes its idle keep-alive connections: a
            # request sent on one just then is never read, and Load.pm sends
            # it again on a new connection (the keep-alive race).  Nothing
            # else may fail, and such a request must not have been processed.
            my @bad = grep { $_->{status} != 201 } @r;
            ok(!@bad, 'every request answered 201') or diag statuses(\@bad);
            ok(!grep({ $_->{replayed} } @r), 'no answer was a replay: a request resent after the keep-alive race '
                                             . 'had not been processed');
            is($site->{pid}, $pid, 'the same httpd parent');
            ok(kill(0, $pid), 'httpd parent alive');
            is_deeply([ $site->crashes ], [], 'no child crashed');
            push @recs, @r;
        };

        subtest 'no acknowledged lead lost; every stored lead\'s lead.created arrives' => sub {
            my $stored = Load::stored($site, $p->{firm});
            my $n = keys %$stored;
            my $rec = Load::reconcile(\@recs, $stored);
            ok(!@{ $rec->{missing} }, "every acknowledged (201) lead is stored, with its request's data")
                or diag scalar(@{ $rec->{missing} }) . ' missing, e.g. ' . $rec->{missing}[0]{id};
            ok(!@{ $rec->{unacked} }, "each of the $n stored leads was acknowledged (by a 201 or its retry's replay)")
                or diag scalar(@{ $rec->{unacked} }) . ' not, e.g. ' . $rec->{unacked}[0];
            is(n_deliveries($site, $p->{firm}), $n, 'one outbox row per stored lead');
            my $deadline = time + $DELIVERY_WAIT;
            sleep 1 while n_deliveries($site, $p->{firm}, 'delivered') < $n && time < $deadline;
            is(n_deliveries($site, $p->{firm}, 'delivered'), $n, "all $n deliveries delivered")
                or diag 'by status: ' . join ', ', map { "@$_" } $site->sql(
                    "SELECT status, COUNT(*) FROM webhook_deliveries WHERE firm_id = '$p->{firm}' GROUP BY status");
            my (%events_of, %lead_of);
            for my $q ($rcv->requests(path => '/faults')) {
                my $ev = eval { JSON::PP->new->utf8->decode($q->{body}) } || {};
                my $lead = ref $ev->{data} eq 'HASH' ? $ev->{data}{id} // '' : '';
                $events_of{$lead}{ $ev->{id} // '' }++;
                $lead_of{ $ev->{id} // '' }{$lead} = 1;
            }
            my @lost = grep { !$events_of{$_} } sort keys %$stored;
            ok(!@lost, "every stored lead's lead.created arrived") or diag scalar(@lost) . ' did not, e.g. ' . $lost[0];
            my @strays = grep { !$stored->{$_} } sort keys %events_of;
            ok(!@strays, 'no event for a lead that is not stored') or diag "e.g. '$strays[0]'";
            ok(!grep({ keys %{ $events_of{$_} } != 1 } keys %events_of), 'each lead\'s event always has one id');
            ok(!grep({ keys %{ $lead_of{$_} } != 1 } keys %lead_of), 'no event id for two leads');
            my $repeats = grep { (values %{ $events_of{$_} })[0] > 1 } keys %events_of;
            note "$backend: $n leads, $repeats events arrived more than once (allowed: at-least-once)";
        };

        $site->stop;
        $rcv->stop;
    };
}

done_testing;
