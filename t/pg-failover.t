# docs/database.md "Running several hosts": a PostgreSQL primary with a
# synchronous standby (t/lib/PgPair.pm), httpd configured with both in a
# multi-host DBDParams (target_session_attrs=read-write).  The primary is
# killed under load (t/lib/Load.pm) and the standby promoted: answers are
# 201, or 503 while no primary exists (never another 5xx); httpd recovers
# without a restart; every acknowledged lead is on the new primary; a
# request answered 503 or not at all, retried with its Idempotency-Key,
# gets its lead (replayed when it had committed); every stored lead's
# lead.created arrives.
#
# Its own backend name in LEADS_BACKENDS: pgfailover.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP ();
use Time::HiRes qw(sleep time);
use LeadsTest;
use Load;
use PgPair;
use Receiver;

plan skip_all => 'pgfailover is not in LEADS_BACKENDS'
    unless grep { $_ eq 'pgfailover' } split ' ', ($ENV{LEADS_BACKENDS} // '');

my $WAIT = 60;                  # seconds: the bound of a wait for load
my $NO_PRIMARY = 2;             # seconds between the kill and the promotion

my $t0 = time;
my $pg = PgPair->start;
note sprintf 'primary and synchronous standby started in %.1f s', $pg->started_in;

# LeadsTest's pgsql sites read the server's port from the environment:
# the primary's, until the standby takes over.
$ENV{LEADS_TEST_PG_PORT} = $pg->primary_port;
my $site = LeadsTest->site(backend => 'pgsql', no_start => 1, conf => [
    'LeadsRateLimit 0', 'LeadsWebhookAllowPrivate On', 'LeadsWebhookPollInterval 1',
    'LeadsWebhookTimeout 2', 'LeadsWebhookRetrySchedule 200ms 1s 2s 5s 10s 20s',
]);
$site->{params} = $pg->params($site->dbname);
$site->start;
my $p = $site->provision(fields => []);
my $rcv = Receiver->new(dir => LeadsTest::tmp() . '/receivers');
$site->ctl_json('webhook', 'add', '--firm', $p->{firm}, '--url', $rcv->url('/failover'));
my $httpd = $site->{pid};

my $load = Load->start($site, key => $p->{key});
ok($load->wait_more(201, 300, $WAIT), 'on the primary: 300 creates answered 201');
my $killed_at = time;
$pg->kill_primary;
sleep $NO_PRIMARY;
my $promoted_at = time;
$pg->promote;
$ENV{LEADS_TEST_PG_PORT} = $pg->primary_port;
note sprintf 'primary killed, standby promoted %.1f s later', $promoted_at - $killed_at;
ok($load->wait_more(201, 300, $WAIT), 'on the promoted standby: 300 more creates answered 201, without a restart');
my @r = $load->stop;
note 'pgfailover: ' . Load::summary(\@r);

my @bad = grep { $_->{status} != 201 && $_->{status} != 503 && $_->{status} != 0 } @r;
ok(!@bad, 'every answer is 201 or 503') or diag join ', ', map { "$_->{status} $_->{code}" } @bad[0 .. ($#bad > 9 ? 9 : $#bad)];
my @u = grep { $_->{status} == 503 } @r;
if (@u) {
    my ($first, $last) = ($u[0]{t1}, $u[0]{t1});
    for (@u) { $first = $_->{t1} if $_->{t1} < $first; $last = $_->{t1} if $_->{t1} > $last }
    note sprintf '503 window: %.1f s (%d answers), from %.1f s after the kill to %.1f s after the promotion',
        $last - $first, scalar @u, $first - $killed_at, $last - $promoted_at;
    cmp_ok($first, '>=', $killed_at, 'no 503 before the kill');
}
is($site->{pid}, $httpd, 'the same httpd parent');
ok(kill(0, $httpd), 'httpd alive');

# A client retries what it got no lasting answer to, with its
# Idempotency-Key: one committed before the kill is replayed.
my @retried = Load::retry($site, $p->{key}, [ grep { $_->{status} != 201 && $_->{err} ne 'connect' } @r ]);
my @failed = grep { $_->{status} != 201 } @retried;
ok(!@failed, scalar(@retried) . ' requests answered 503 or not at all, retried: 201')
    or diag join ', ', map { "$_->{status} $_->{code}" } @failed;
note scalar(grep { $_->{replayed} } @retried) . ' of them replayed (committed before the kill)';

my $stored = Load::stored($site, $p->{firm});
my $n = keys %$stored;
my $rec = Load::reconcile([ @r, @retried ], $stored);
ok(!@{ $rec->{missing} }, "every acknowledged lead is on the new primary ($n stored)")
    or diag scalar(@{ $rec->{missing} }) . ' missing, e.g. ' . $rec->{missing}[0]{id};
ok(!@{ $rec->{unacked} }, 'every stored lead was acknowledged (by a 201 or its retry\'s replay)')
    or diag scalar(@{ $rec->{unacked} }) . ' not, e.g. ' . $rec->{unacked}[0];

# Deliveries leased when the primary died wait out their lease
# (2 x LeadsWebhookTimeout + 15 s) before the sweep sends them again.
my $deadline = time + 120;
my %arrived;
while (1) {
    %arrived = ();
    for my $q ($rcv->requests(path => '/failover')) {
        my $ev = eval { JSON::PP->new->utf8->decode($q->{body}) } || {};
        $arrived{ $ev->{data}{id} } = 1 if ref $ev->{data} eq 'HASH' && $ev->{data}{id};
    }
    last if !grep({ !$arrived{$_} } keys %$stored) || time > $deadline;
    sleep 1;
}
my @lost = grep { !$arrived{$_} } sort keys %$stored;
ok(!@lost, "every stored lead's lead.created arrived") or diag scalar(@lost) . ' did not, e.g. ' . $lost[0];
is_deeply([ $site->crashes ], [], 'no child crashed');
unlike($site->error_log, qr/LEADS00040/, 'never a 500');

$site->stop;
$rcv->stop;
$pg->stop;
note sprintf 'pgfailover: %.0f s in all', time - $t0;
done_testing;
