# SPEC §13 (high availability), MariaDB Galera: three nodes on this machine
# (t/lib/Galera.pm), one httpd host per node, all on one database.  The
# same Idempotency-Key or externalId sent at once through the three hosts
# makes one lead and never a 5xx (certification conflicts are retried in
# the module); 1,000 creates spread over the hosts are each delivered once,
# none by two hosts at once; a node killed under load and brought back
# costs its own host 503s only, and nothing acknowledged is lost.
#
# Runs only when LEADS_BACKENDS names `galera` (t/run-tests.sh's default
# does); the cluster is this file's own, not the run's MariaDB.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use IO::Socket::INET;
use JSON::PP ();
use LeadsTest qw(in_children);

BEGIN {
    my %want = map { $_ => 1 } split ' ', $ENV{LEADS_BACKENDS} // '';
    plan skip_all => 'galera is not in LEADS_BACKENDS' unless $want{galera};
}
use Galera;
use Load;
use Receiver;

if (my $why = Galera::unavailable()) {
    plan skip_all => "no Galera cluster here: $why";
}

my $t0 = time;
my $cluster = Galera->start;
note sprintf 'three-node cluster up in %.1f s', time - $t0;

# LEADS_GALERA_ONLY="1 3": only those scenarios (by their order below).
my %ONLY = map { $_ => 1 } split ' ', $ENV{LEADS_GALERA_ONLY} // '';
my $SCENARIO = 0;
sub scenario {
    my ($name, $code) = @_;
    $SCENARIO++;
    return if %ONLY && !$ONLY{$SCENARIO};
    my $before = conflicts();
    subtest $name => $code;
    my $after = conflicts();
    my @d = (0, 0);
    for my $i ($cluster->nodes) {          # a restarted node counts from 0
        for my $c (0, 1) {
            my ($b, $a) = ($before->{$i}[$c], $after->{$i}[$c]);
            $d[$c] += $a >= $b ? $a - $b : $a;
        }
    }
    note sprintf 'Galera conflicts meanwhile: %d certification failures, %d brute-force aborts', @d;
}

# Conflicts each node saw so far: {node => [certification failures,
# brute-force aborts]}.
sub conflicts {
    return { map { $_ => [ $cluster->status($_, 'wsrep_local_cert_failures') // 0,
                           $cluster->status($_, 'wsrep_local_bf_aborts') // 0 ] } $cluster->nodes };
}

my @CONF = ('LeadsRateLimit 0', 'LeadsWebhookAllowPrivate On',
            'LeadsWebhookPollInterval 1');
my $first = LeadsTest->site(backend => 'mysql', db_port => $cluster->port(1),
                            causal_reads => 1, conf => \@CONF);
my @hosts = ($first, map { LeadsTest->site(backend => 'mysql', share => $first,
                                           db_port => $cluster->port($_),
                                           causal_reads => 1, conf => \@CONF) } 2, 3);

# Answers that are server errors other than 503 (each a line for diag).
sub server_errors {
    my (@recs) = @_;
    return map { "host $_->{host}: $_->{status} $_->{code}" }
           grep { $_->{status} >= 500 && $_->{status} != 503 } @recs;
}

# Every host's error log lines of a 500 answer (for the diagnostics).
sub logged_500s {
    return map { grep { /LEADS00040|LEADS00013/ } split /\n/, $_->error_log } @hosts;
}

# One request sent at the moment $at: connected before, written in one
# write at $at (so requests through different hosts reach their databases
# within a millisecond or so of each other), the answer read to its end.
sub post_at {
    my ($site, $at, $key, $body, $headers) = @_;
    $body = JSON::PP->new->utf8->canonical->encode($body) if ref $body;
    my $req = "POST /api/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            . "Authorization: Bearer $key\r\nContent-Type: application/json\r\n"
            . join('', map { "$_: $headers->{$_}\r\n" } sort keys %$headers)
            . 'Content-Length: ' . length($body) . "\r\n\r\n$body";
    my $d = $at - time - 0.05;
    sleep $d if $d > 0;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $site->port,
                                  Proto => 'tcp', Timeout => 10) or return { status => 0 };
    $d = $at - time;
    sleep $d if $d > 0;                 # not a spin: 2 cores, 6 clients
    syswrite $s, $req;
    my $in = '';
    while (sysread $s, my $buf, 65536) { $in .= $buf }
    close $s;
    my ($status, $h, $rbody) = LeadsTest::parse_response($in);
    my $j = eval { JSON::PP->new->utf8->decode($rbody) };
    return { status => $status, headers => $h, json => $j };
}

# $rounds times, $per_host clients on each host send the request made by
# $make->($k) at the same moment (a paced schedule the clients share);
# every answer recorded: {host, k, status, code, id, replayed, what}.
sub at_once_through_all_hosts {
    my ($rounds, $interval, $per_host, $make) = @_;
    my $start = time + 0.5;
    my @out = in_children(3 * $per_host, sub {
        my ($i) = @_;
        my $host = ($i - 1) % 3 + 1;
        my $lines = '';
        for my $k (1 .. $rounds) {
            my $r = post_at($hosts[$host - 1], $start + $k * $interval, $make->($k));
            my $j = ref $r->{json} eq 'HASH' ? $r->{json} : {};
            my $code = ref $j->{error} eq 'HASH' ? $j->{error}{code} // '' : '';
            my $id = $j->{id} // $j->{leadId} // '';
            my $replayed = ($r->{headers}{'idempotent-replayed'} // '') eq 'true' ? 1 : 0;
            $lines .= join("\t", $host, $k, $r->{status}, $code, $id, $replayed, $j->{status} // '') . "\n";
        }
        return $lines;
    });
    my @recs;
    for my $text (@out) {
        for (split /\n/, $text) {
            my %r;
            @r{qw(host k status code id replayed what)} = split /\t/, $_, -1;
            push @recs, \%r;
        }
    }
    return @recs;
}

# Paced background creates on every host (each its own Load), for the
# conflict scenarios to run under load.
sub background_load {
    my ($key, $rate) = @_;
    return map { Load->start($_, key => $key, workers => 2, rate => $rate) } @hosts;
}

sub load_records {
    my (@loads) = @_;
    my @all;
    for my $h (0 .. $#loads) {
        push @all, map { { %$_, host => $h + 1 } } $loads[$h]->stop;
    }
    return @all;
}

# The same request ($make->($k), for $rounds values of k) sent at once by
# four clients on each host, beside a paced Load on every host; checks that
# nothing answered 5xx, notes the answers by $label->($record); returns the
# records.
sub same_request_at_once {
    my ($bg_key, $rounds, $make, $label) = @_;
    my @bg = background_load($bg_key, 20);
    my @recs = at_once_through_all_hosts($rounds, 0.15, 4, $make);
    my @bg_recs = load_records(@bg);
    is(scalar @recs, 12 * $rounds, '12 answers per request (4 clients per host)');
    is_deeply([ server_errors(@recs) ], [], 'no 5xx answer') or diag join "\n", (logged_500s())[0 .. 9];
    my %by;
    $by{ $label->($_) }++ for @recs;
    note 'answers: ', join ', ', map { "$_ x $by{$_}" } sort keys %by;
    is_deeply([ server_errors(@bg_recs) ], [], 'background load meanwhile: no 5xx');
    note 'background: ', Load::summary(\@bg_recs);
    return @recs;
}

scenario 'the same Idempotency-Key at once through all three hosts: one lead, 201 or 409, never 5xx' => sub {
    my $t = time;
    my $p = $first->provision(name => 'Idempotent & Co');
    my ($rounds, $run) = (60, $$);     # $$ here: the clients are forked
    my @recs = same_request_at_once($p->{key}, $rounds, sub {
        my ($k) = @_;
        return ($p->{key}, qq({"first_name":"Same","last_name":"same-$k","email":"same$k\@example.com","source":"galera"}),
                { 'Idempotency-Key' => "same-$run-$k" });
    }, sub { $_[0]{status} . ($_[0]{replayed} ? ' replayed' : '') });
    my @bad;
    for my $k (1 .. $rounds) {
        my @a = grep { $_->{k} == $k } @recs;
        my @ok = grep { $_->{status} == 201 } @a;
        my @other = grep { !($_->{status} == 201 || ($_->{status} == 409 && $_->{code} eq 'idempotency_in_flight')) } @a;
        my %id = map { $_->{id} => 1 } @ok;
        my $fresh = grep { !$_->{replayed} } @ok;
        push @bad, "key $k: " . join(', ', map { "$_->{status} $_->{code}" } @other) if @other;
        push @bad, "key $k: 201s name " . (keys %id) . ' leads' if keys %id > 1;
        push @bad, "key $k: $fresh answers created (not replayed)" if $fresh > 1;
        my $n = $first->sql1("SELECT COUNT(*) FROM leads WHERE firm_id = '$p->{firm}' AND last_name = 'same-$k'");
        push @bad, "key $k: $n leads stored" if $n != 1;
    }
    is_deeply(\@bad, [], 'each key: one lead; every answer 201 (one created, the others replayed) or 409 idempotency_in_flight');
    note sprintf 'scenario took %.1f s', time - $t;
};

scenario 'the same externalId at once through all three hosts: one lead, created or duplicate, never 5xx' => sub {
    my $t = time;
    my $p = $first->provision(name => 'Ingest & Co');
    my $src = $first->ctl_json('source', 'add', '--firm', $p->{firm}, '--name', 'Galera form');
    my ($rounds, $run) = (60, $$);
    my @recs = same_request_at_once($p->{key}, $rounds, sub {
        my ($k) = @_;
        return ($src->{key}, { first_name => 'Ext', last_name => "ext-$k", email => "ext$k\@example.com",
                               externalId => "ext-$run-$k" }, {});
    }, sub { "$_[0]{status} $_[0]{what}" });
    my @bad;
    for my $k (1 .. $rounds) {
        my @a = grep { $_->{k} == $k } @recs;
        my @other = grep { !(($_->{status} == 201 && $_->{what} eq 'created')
                             || ($_->{status} == 200 && $_->{what} eq 'duplicate')) } @a;
        my %id = map { $_->{id} => 1 } grep { $_->{status} < 300 } @a;
        my $created = grep { $_->{status} == 201 } @a;
        push @bad, "externalId $k: " . join(', ', map { "$_->{status} $_->{code}" } @other) if @other;
        push @bad, "externalId $k: answers name " . (keys %id) . ' leads' if keys %id > 1;
        push @bad, "externalId $k: $created answers created" if $created > 1;
        my $n = $first->sql1("SELECT COUNT(*) FROM leads WHERE source_id = '$src->{id}' AND external_id = 'ext-$$-$k'");
        push @bad, "externalId $k: $n leads stored" if $n != 1;
    }
    is_deeply(\@bad, [], 'each externalId: one lead; answers created (one) or duplicate, naming it');
    note sprintf 'scenario took %.1f s', time - $t;
};

scenario '1,000 creates spread over the three hosts: 1,000 leads, each delivered once, none by two hosts at once' => sub {
    my $t = time;
    my $p = $first->provision(name => 'Throughput & Co');
    my $rdir = LeadsTest::tmp() . "/galera-receiver-$$";
    mkdir $rdir;
    my $rcv = Receiver->new(dir => $rdir, status => 200);
    my $r = $first->ctl_run('webhook', 'add', '--firm', $p->{firm}, '--url', $rcv->url('/hook'));
    is($r->{rc}, 0, 'endpoint added') or diag $r->{err};

    # As fast as the hosts answer: one host alone, then all three (the
    # README's figures; a noisy 2-core box, so only the ratio means much).
    my $one = Load->start($first, key => $p->{key}, workers => 4, rate => 0);
    sleep 5;
    my @one = map { { %$_, host => 1 } } $one->stop;
    my $t3 = time;
    my @loads = map { Load->start($_, key => $p->{key}, workers => 4, rate => 0) } @hosts;
    my $need = 1000 - Load::count(\@one, 201);
    my $enough = sub { my $n = 0; $n += Load::count([ $_->results ], 201) for @loads; $n >= $need };
    sleep 0.2 until $enough->() || time - $t3 > 60;
    sleep 5 - (time - $t3) if time - $t3 < 5;
    my @three = load_records(@loads);
    my $rate1 = Load::count(\@one, 201) / 5;
    my $span3 = (sort { $b <=> $a } map { $_->{t1} } @three)[0] - $t3;
    my $rate3 = Load::count(\@three, 201) / ($span3 || 1);
    note sprintf 'creates per second: one host %.0f, three hosts %.0f (x%.2f)', $rate1, $rate3,
        $rate1 ? $rate3 / $rate1 : 0;
    note 'one host: ', Load::summary(\@one);
    note 'three hosts: ', Load::summary(\@three);
    my @all = (@one, @three);
    is_deeply([ server_errors(@all) ], [], 'no 5xx answer') or diag join "\n", (logged_500s())[0 .. 9];
    is(Load::count(\@all, 503), 0, 'no 503 either (no node was down)');
    my $stored = Load::stored($first, $p->{firm});
    my $rec = Load::reconcile(\@all, $stored);
    is(scalar @{ $rec->{missing} }, 0, 'every acknowledged lead is stored');
    my $n = keys %$stored;
    cmp_ok($n, '>=', 1000, "at least 1,000 leads stored ($n)");
    my %per_host;
    $per_host{ $_->{host} }++ for grep { $_->{status} == 201 } @three;
    note 'created per host (three hosts phase): ', join ', ', map { "host $_: $per_host{$_}" } sort keys %per_host;

    my $td = time;
    my $events = sub { my %e; $e{ $_->{headers}{'webhook-id'} // '' }++ for $rcv->requests(path => '/hook'); \%e };
    LeadsTest::wait_for(120, sub { keys %{ $events->() } >= $n });
    my $e = $events->();
    is(scalar keys %$e, $n, "every lead's lead.created delivered ($n)");
    my @twice = grep { $e->{$_} > 1 } sort keys %$e;
    is_deeply(\@twice, [], 'no delivery sent twice (a 200 receiver: a second send would be two hosts leasing one row)');
    my $max_inflight = 0;
    for ($rcv->requests(path => '/hook')) { $max_inflight = $_->{inflight} if $_->{inflight} > $max_inflight }
    note sprintf 'deliveries done %.1f s after the last create; receiver saw up to %d at once',
        time - $td, $max_inflight;
    my @lease_errors = grep { /leads_delivery_lease failed/ && /:error\]/ } map { split /\n/, $_->error_log } @hosts;
    is(scalar @lease_errors, 0, 'no lease conflict logged as an error') or diag join "\n", @lease_errors[0 .. 4];
    $rcv->stop;
    note sprintf 'scenario took %.1f s', time - $t;
};

scenario 'a node killed under load and brought back: the others answer 201, its host 503 then 201, nothing acknowledged lost' => sub {
    my $t = time;
    my $p = $first->provision(name => 'Outage & Co');
    my @loads = map { Load->start($_, key => $p->{key}, workers => 3, rate => 30) } @hosts;
    ok($loads[2]->wait_more(201, 30, 30), 'host 3 answers 201 before the kill');
    my $killed = time;
    $cluster->kill(3);
    ok($loads[2]->wait_until(sub { grep { $_->{t0} > $killed && $_->{status} == 503 } @{ $_[0] } }, 30),
       'host 3 answers 503 while its node is down');
    ok($loads[0]->wait_more(201, 30, 30), 'host 1 keeps answering 201');
    ok($loads[1]->wait_more(201, 30, 30), 'host 2 keeps answering 201');
    my $down = time - $killed;
    my $back = $cluster->restart(3);
    note sprintf 'node 3 down %.1f s, Synced again %.1f s after its restart', $down, $back;
    my $synced = time;
    ok($loads[2]->wait_until(sub { grep { $_->{t0} > $synced && $_->{status} == 201 } @{ $_[0] } }, 30),
       'host 3 answers 201 again');
    sleep 3;
    my @recs = load_records(@loads);
    is_deeply([ server_errors(@recs) ], [], 'no 5xx other than 503') or diag join "\n", (logged_500s())[0 .. 9];
    my @others = grep { $_->{host} != 3 && $_->{status} != 201 } @recs;
    is(scalar @others, 0, 'hosts 1 and 2 answered 201 throughout')
        or diag join "\n", map { "host $_->{host}: $_->{status} $_->{code} $_->{err}" } @others[0 .. 9];
    my @h3 = grep { $_->{host} == 3 } @recs;
    my @odd = grep { $_->{status} != 201 && $_->{status} != 503 } @h3;
    is(scalar @odd, 0, 'host 3: 201 or 503 only')
        or diag join "\n", map { "$_->{status} $_->{code} $_->{err}" } @odd[0 .. 9];
    my $stored = Load::stored($first, $p->{firm});
    my $rec = Load::reconcile(\@recs, $stored);
    is(scalar @{ $rec->{missing} }, 0, 'every acknowledged lead is stored')
        or diag join "\n", map { "$_->{ikey} $_->{id}" } @{ $rec->{missing} }[0 .. 9];
    note 'host 1: ', Load::summary([ grep { $_->{host} == 1 } @recs ]);
    note 'host 2: ', Load::summary([ grep { $_->{host} == 2 } @recs ]);
    note 'host 3: ', Load::summary(\@h3);
    note sprintf '%d stored leads no 201 acknowledged (in flight at the kill)', scalar @{ $rec->{unacked} };
    note sprintf 'scenario took %.1f s', time - $t;
};

is_deeply([ map { $_->crashes } @hosts ], [], 'no httpd child crashed');
my $n500 = grep { /LEADS00040/ } map { split /\n/, $_->error_log } @hosts;
note "LEADS00040 (answering 500) lines in the three error logs: $n500";
$_->stop for @hosts;
$cluster->stop;
note sprintf 'galera.t took %.1f s', time - $t0;

done_testing;
