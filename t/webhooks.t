# docs/api.md §9 webhooks, end to end: a real receiver (t/lib/Receiver.pm) on
# loopback, the outbox tables (webhook_deliveries, webhook_attempts), both
# signature schemes checked with core Digest::SHA, retries, endpoint
# filters, the ring overflowing, httpd killed or restarted, two hosts on one
# database, the private-address guard (§9.6), and `leadsctl webhook ...`
# (§9.1, §9.4).
#
# Timings are short (`LeadsWebhookRetrySchedule 200ms 500ms 1s`, a 1 s
# sweep) so the file stays fast; every wait polls with a bound ($WAIT) and
# nothing asserts on how long something took.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Digest::SHA qw(hmac_sha256_hex hmac_sha256_base64);
use MIME::Base64 qw(decode_base64 encode_base64);
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(sleep time);
use LeadsTest qw(backends uuid_re timestamp_re json_key_order wait_for scenario);
use Receiver;

my $JSON = JSON::PP->new->utf8->canonical;
my $RDIR = LeadsTest::tmp() . '/receivers';
my $WAIT = $ENV{LEADS_TEST_WEBHOOK_WAIT} || 20;     # seconds, the usual bound
my $SLOW_WAIT = 3 * $WAIT;                           # after a kill / restart (watchdog election)
my $LEASE_WAIT = $ENV{LEADS_TEST_LEASE_WAIT} || 150; # an orphaned lease must expire first
my $VERSION = do {
    open my $h, '<', "$LeadsTest::ROOT/mod_leads/mod_leads.h";
    local $/;
    my $t = $h ? <$h> : '';
    $t =~ /#define\s+LEADS_VERSION\s+"([^"]+)"/ ? $1 : undef;
};
my $UUID = qr/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
my $REFUSAL = qr/privat|loopback|local|refus|not allowed|disallow|forbid|block|den(?:y|ied)|reject|unspecified|AllowPrivate/i;

my $SHORT = 'LeadsWebhookRetrySchedule 200ms 500ms 1s';      # 4 attempts
my $LONG  = 'LeadsWebhookRetrySchedule 200ms 1s 2s 5s 10s';  # 6 attempts over ~18 s

sub conf {
    my (%o) = @_;
    return [ 'LeadsRateLimit 0', 'LeadsWebhookPollInterval 1', 'LeadsWebhookTimeout 5',
             'LeadsWebhookAllowPrivate ' . ($o{private} // 'On'),
             $o{schedule} // $SHORT, @{ $o{more} || [] } ];
}

sub lead {
    return { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com',
             source => 'web', @_ };
}

sub receiver { Receiver->new(dir => $RDIR, @_) }

sub random_bytes {
    open my $fh, '<:raw', '/dev/urandom' or die "/dev/urandom: $!";
    read $fh, my $b, $_[0];
    return $b;
}

sub uuid4 {
    my @b = unpack 'C16', random_bytes(16);
    $b[6] = ($b[6] & 0x0f) | 0x40;
    $b[8] = ($b[8] & 0x3f) | 0x80;
    return sprintf '%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x', @b;
}

sub b64pad { my $s = shift; $s .= '=' while length($s) % 4; $s }

# ---------------------------------------------------------------- endpoints

# `leadsctl --json webhook add`: {id, secret}.  With fallback => 1, a
# refusal by leadsctl (an event type it does not know, a private URL it
# checks early) is answered by inserting the row with SQL, so what is
# tested is still the deliverer; the test says so in a note.
sub add_endpoint {
    my ($site, $firm, $url, %o) = @_;
    my @ev = defined $o{events} ? ('--events', $o{events}) : ();
    my $r = $site->ctl_run('--json', 'webhook', 'add', '--firm', $firm, '--url', $url, @ev);
    if ($r->{rc} == 0) {
        my $j = eval { JSON::PP->new->utf8->decode($r->{out}) };
        die "webhook add --json: not one JSON object: $r->{out}\n" unless ref $j eq 'HASH';
        die "webhook add --json: no id/secret: $r->{out}\n" unless $j->{id} && $j->{secret};
        return $j;
    }
    die "leadsctl webhook add --url $url @ev: exit $r->{rc}: $r->{err}" unless $o{fallback};
    note "leadsctl webhook add --url $url @ev refused ($r->{err}); inserting the endpoint with SQL";
    my $id = uuid4();
    my $secret = 'whsec_' . encode_base64(random_bytes(24), '');
    my $events = $o{events} // '*';
    $site->sql("INSERT INTO webhook_endpoints (id, firm_id, url, secret, events) "
               . "VALUES ('$id', '$firm', '$url', '$secret', '$events')");
    return { id => $id, secret => $secret, via_sql => 1 };
}

# ---------------------------------------------------------------- checks

# What is wrong with one received request, as docs/api.md §9.3 has it (empty list:
# nothing).  $secret is the endpoint's whsec_ secret.
sub delivery_problems {
    my ($req, $secret) = @_;
    my @p;
    my $h = $req->{headers} || {};
    my $body = $req->{body} // '';
    push @p, "method $req->{method}" unless $req->{method} eq 'POST';
    my ($t, $v1) = ($h->{'lawfficient-signature'} // '') =~ /^t=(\d+),v1=([0-9a-f]{64})$/;
    if (!defined $t) {
        push @p, 'Lawfficient-Signature is not t=<unix>,v1=<hex>: ' . ($h->{'lawfficient-signature'} // '(none)');
    }
    else {
        push @p, 'Lawfficient-Signature v1 does not verify'
            unless $v1 eq hmac_sha256_hex("$t.$body", $secret);
        push @p, "signature timestamp $t is not the time of sending"
            unless abs($t - $req->{time_ms} / 1000) <= 300;     # verifiers' usual tolerance
    }
    my $id = $h->{'webhook-id'} // '';
    my $ts = $h->{'webhook-timestamp'} // '';
    push @p, "webhook-timestamp '$ts' is not Lawfficient-Signature's t" unless defined $t && $ts eq $t;
    my $key = decode_base64(substr $secret, 6);
    my $want = 'v1,' . b64pad(hmac_sha256_base64("$id.$ts.$body", $key));
    my @sigs = split ' ', $h->{'webhook-signature'} // '';
    push @p, 'webhook-signature has no v1,<base64> that verifies: ' . ($h->{'webhook-signature'} // '(none)')
        unless grep { $_ eq $want } @sigs;
    push @p, 'Content-Type: ' . ($h->{'content-type'} // '(none)')
        unless ($h->{'content-type'} // '') =~ m{^application/json\s*(?:;\s*charset="?utf-8"?)?$}i;
    my $ua = $h->{'user-agent'} // '';
    push @p, "User-Agent: $ua"
        unless defined $VERSION ? $ua eq "mod_leads/$VERSION" : $ua =~ m{^mod_leads/\S+$};
    my $j = eval { JSON::PP->new->utf8->decode($body) };
    if (ref $j ne 'HASH') {
        push @p, 'body is not a JSON object';
    }
    else {
        push @p, "webhook-id '$id' is not the body's id" unless defined $j->{id} && !ref $j->{id} && $id eq $j->{id};
        push @p, 'type is not lead.created' unless ($j->{type} // '') eq 'lead.created';
        push @p, 'id is not a UUID' unless ($j->{id} // '') =~ uuid_re();
        push @p, 'created_at is not ISO with ms and Z' unless ($j->{created_at} // '') =~ timestamp_re();
        push @p, 'data is not an object' unless ref $j->{data} eq 'HASH';
    }
    return @p;
}

sub event_of { my $j = eval { JSON::PP->new->utf8->decode($_[0]{body}) }; ref $j eq 'HASH' ? $j : {} }

# Every request verifies with $secret_for->{path} (or the one secret);
# returns (\%count_by_webhook_id, \%count_by_lead_id).
sub check_all {
    my ($reqs, $secret_for, $what) = @_;
    my (%by_event, %by_lead, @bad);
    for my $q (@$reqs) {
        my $secret = ref $secret_for ? $secret_for->{ $q->{path} } : $secret_for;
        my @p = defined $secret ? delivery_problems($q, $secret) : ("unexpected path $q->{path}");
        push @bad, "request $q->{n} ($q->{path}): " . join('; ', @p) if @p;
        $by_event{ $q->{headers}{'webhook-id'} // '' }++;
        my $data = event_of($q)->{data};
        $by_lead{ ref $data eq 'HASH' ? $data->{id} // '' : '' }++;
    }
    ok(!@bad, "$what: all " . scalar(@$reqs) . ' requests are signed and shaped as docs/api.md §9.3 says')
        or diag join "\n", @bad[0 .. ($#bad < 4 ? $#bad : 4)];
    return (\%by_event, \%by_lead);
}

sub dups { my ($h) = @_; grep { $h->{$_} > 1 } sort keys %$h }

# ---------------------------------------------------------------- database

sub n_deliveries {
    my ($site, $where, $status) = @_;
    return 0 + $site->sql1("SELECT COUNT(*) FROM webhook_deliveries WHERE $where"
                           . ($status ? " AND status = '$status'" : ''));
}

# Rows of webhook_deliveries: {id, event_id, endpoint_id, status, attempts, http}.
sub deliveries {
    my ($site, $where) = @_;
    return map { +{ id => $_->[0], event_id => $_->[1], endpoint_id => $_->[2], status => $_->[3],
                    attempts => $_->[4], http => $_->[5] } }
        $site->sql('SELECT id, event_id, endpoint_id, status, attempts, COALESCE(last_http_status, 0) '
                   . "FROM webhook_deliveries WHERE $where ORDER BY created_at, id");
}

# [attempt, http_status (0 for none)] of one delivery, in attempt order, as
# `leadsctl webhook attempts` shows them: failed attempts have rows of their
# own, a success is recorded on the delivery row (SPEC §7.1, Cost).
sub attempts_of {
    my ($site, $delivery) = @_;
    return map { [ 0 + $_->{attempt}, 0 + ($_->{http_status} // 0) ] }
        @{ $site->ctl_json('webhook', 'attempts', $delivery) };
}

# Rows in webhook_attempts of one delivery: failed attempts only.
sub attempt_rows_of {
    my ($site, $delivery) = @_;
    return 0 + $site->sql1("SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id = '$delivery'");
}

sub state_diag {
    my ($site, $where) = @_;
    my @g = eval { $site->sql('SELECT status, attempts, COALESCE(last_http_status, 0), COUNT(*) '
                              . "FROM webhook_deliveries WHERE $where "
                              . 'GROUP BY status, attempts, last_http_status') };
    diag 'webhook_deliveries (status attempts last_http_status count): '
         . (@g ? join('; ', map { "@$_" } @g) : 'none');
    my $e = eval { $site->sql1("SELECT last_error FROM webhook_deliveries WHERE $where "
                               . "AND last_error IS NOT NULL AND last_error <> '' LIMIT 1") };
    diag "a last_error: $e" if defined $e;
    my @l = grep { /\S/ } split /\n/, $site->error_log;
    splice @l, 0, @l - 15 if @l > 15;
    diag join "\n", '--- error_log tail:', @l;
}

# Wait until $n deliveries matching $where have $status; one test.
sub wait_status_ok {
    my ($site, $where, $n, $status, $what, $timeout) = @_;
    my $got = wait_for($timeout // $WAIT, sub {
        my $c = n_deliveries($site, $where, $status);
        $c >= $n ? $c : 0;
    });
    my $c = $got || n_deliveries($site, $where, $status);
    is($c, $n, "$what: $n deliveries $status") or state_diag($site, $where);
    return $c == $n;
}

# Wait until every event of the rows matching $where arrived at $rcv at
# least once (at-least-once: repeats are fine); one test.
sub wait_arrived_ok {
    my ($site, $where, $rcv, $what) = @_;
    my %events = map { $_->{event_id} => 1 } deliveries($site, $where);
    my (%by_event, @missing);
    wait_for($SLOW_WAIT, sub {
        %by_event = ();
        $by_event{ $_->{headers}{'webhook-id'} // '' }++ for $rcv->requests;
        @missing = grep { !$by_event{$_} } sort keys %events;
        !@missing;
    });
    ok(%events && !@missing, "$what: every one of the " . scalar(keys %events) . ' events arrived at least once')
        or do { diag scalar(@missing) . " missing, e.g. " . ($missing[0] // '-'); state_diag($site, $where) };
    return (\%by_event, \@missing);
}

# ---------------------------------------------------------------- clients

# Forked clients creating leads; $jobs = [[site, key, n], ...].  collect()
# gives [status, lead id] per create.
sub start_clients {
    my ($jobs) = @_;
    my @kids;
    for my $j (@$jobs) {
        my ($site, $key, $n) = @$j;
        pipe my $rd, my $wr or die "pipe: $!";
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $rd;
            for my $i (1 .. $n) {
                my $r = eval { $site->create($key, lead(last_name => "Burst $$ $i")) };
                my $id = $r && ref $r->{json} eq 'HASH' && defined $r->{json}{id} ? $r->{json}{id} : '-';
                syswrite $wr, ($r ? $r->{status} : 0) . " $id\n";
            }
            close $wr;
            POSIX::_exit(0);        # no END blocks: the parent owns sites and receivers
        }
        close $wr;
        push @kids, [ $pid, $rd ];
    }
    return \@kids;
}

sub collect_clients {
    my ($kids) = @_;
    my @res;
    for (@$kids) {
        my ($pid, $rd) = @$_;
        while (my $l = <$rd>) { chomp $l; push @res, [ split / /, $l ] }
        close $rd;
        waitpid $pid, 0;
    }
    return @res;
}

# All creates 201: returns the lead ids.
sub all_created_ok {
    my ($res, $n, $what) = @_;
    my @bad = grep { $_->[0] != 201 } @$res;
    is(scalar(@$res), $n, "$what: $n answers");
    ok(!@bad, "$what: every create got 201") or diag 'statuses: ' . join ' ', map { $_->[0] } @bad;
    return map { $_->[1] } grep { $_->[0] == 201 } @$res;
}

# ---------------------------------------------------------------- leadsctl

# The objects with an "id" in `--json` output, whatever the container:
# an array, {"deliveries": [...]}, or one object per line.
sub listed {
    my ($out) = @_;
    my @vals;
    my $v = eval { JSON::PP->new->utf8->decode($out) };
    if (defined $v) { @vals = ($v) }
    else {
        for (grep { /\S/ } split /\n/, $out) {
            my $x = eval { JSON::PP->new->utf8->decode($_) };
            return undef unless defined $x;
            push @vals, $x;
        }
    }
    my (@objs, @stack);
    @stack = @vals;
    while (@stack) {
        my $x = shift @stack;
        if (ref $x eq 'ARRAY') { push @stack, @$x }
        elsif (ref $x eq 'HASH') {
            if (defined $x->{id} && !ref $x->{id}) { push @objs, $x }
            else { push @stack, values %$x }
        }
    }
    return \@objs;
}

# `leadsctl --json webhook deliveries --firm F --status S`: the listed ids;
# checks it is JSON and that a listed status (when shown) is S.
sub listed_deliveries {
    my ($site, $firm, $status) = @_;
    my $r = $site->ctl_run('--json', 'webhook', 'deliveries', '--firm', $firm, '--status', $status);
    is($r->{rc}, 0, "webhook deliveries --status $status --json: exit 0") or diag $r->{err};
    my $objs = listed($r->{out});
    ok(defined $objs, "webhook deliveries --status $status --json: JSON") or diag $r->{out};
    $objs ||= [];
    my @wrong = grep { defined $_->{status} && $_->{status} ne $status } @$objs;
    ok(!@wrong, "webhook deliveries --status $status: every listed delivery is $status")
        or diag $r->{out};
    return { map { $_->{id} => 1 } @$objs };
}

# ================================================================ tests

subtest 'the verifier in this file matches the Standard Webhooks test vector' => sub {
    # from the standard-webhooks specification's reference libraries
    my $secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    my ($id, $ts, $body) = ('msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    is('v1,' . b64pad(hmac_sha256_base64("$id.$ts.$body", decode_base64(substr $secret, 6))),
       'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=', 'v1 signature');
};

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        # ------------------------------------------------ site B: ring of 8, longer schedule
        # (started first: its restart scenarios leave leases to expire while A and D run)
        my @bconf = @{ conf(schedule => $LONG, more => [ 'LeadsWebhookQueueSize 8', 'LeadsWebhookConcurrency 4' ]) };
        my $B = LeadsTest->site(backend => $backend, conf => \@bconf);

        # Deliveries in flight when httpd is killed (or when a graceful restart
        # abandons them) stay leased until the lease expires; the next sweep
        # sends them again.  How long a lease lasts is the module's business,
        # so those outbox rows are checked at the end of this backend
        # ('orphaned leases ...'), after sites A and D have run meanwhile.
        my @orphan_checks;      # [label, where, n]

        scenario 'kill -9 of httpd right after 100 acknowledged creates -> every event arrives after a restart' => sub {
            my $p = $B->provision(fields => []);
            my $rcv = receiver(delay => 0.3);   # a backlog at the moment of the kill
            my $ep = add_endpoint($B, $p->{firm}, $rcv->url('/killed'));
            my @ids = all_created_ok([ collect_clients(start_clients([ map { [ $B, $p->{key}, 25 ] } 1 .. 4 ])) ],
                                     100, '100 creates');
            $B->kill9;
            my @pre = $rcv->requests;
            note scalar(@pre) . ' requests had arrived when httpd was killed';
            my $max = 0;
            $_->{inflight} > $max and $max = $_->{inflight} for @pre;
            ok($max <= 4, "before the kill: never more than LeadsWebhookConcurrency (4) at once (max $max)");
            my $where = "firm_id = '$p->{firm}'";
            is(n_deliveries($B, $where), 100, '100 delivery rows survived the kill');
            $rcv->set_plan(status => 200);
            $B->start;
            # Deliveries resume after the restart (those leased by the killed
            # process wait for their lease: checked at the end).
            my $resumed = wait_for($SLOW_WAIT, sub { n_deliveries($B, $where, 'delivered') > @pre });
            ok($resumed, 'the restarted httpd delivers the backlog') or state_diag($B, $where);
            push @orphan_checks, { label => 'kill -9', where => $where, n => 100, rcv => $rcv,
                                   secret => $ep->{secret}, leads => \@ids };
        };

        scenario 'apache2 -k graceful during a burst loses nothing' => sub {
            my $p = $B->provision(fields => []);
            my $rcv = receiver(delay => 0.05);
            my $ep = add_endpoint($B, $p->{firm}, $rcv->url('/graceful'));
            my $pid = $B->{pid};
            my $kids = start_clients([ map { [ $B, $p->{key}, 50 ] } 1 .. 4 ]);
            wait_for($WAIT, sub { $B->count_leads("firm_id = '$p->{firm}'") >= 20 });
            my $ok = eval { $B->graceful; 1 };
            ok($ok, 'apache2 -k graceful') or diag $@;
            my @ids = all_created_ok([ collect_clients($kids) ], 200, '200 creates across the graceful restart');
            is($B->{pid}, $pid, 'the same parent');
            ok(kill(0, $pid), 'httpd parent alive');
            my $where = "firm_id = '$p->{firm}'";
            is(n_deliveries($B, $where), 200, '200 delivery rows');
            $rcv->set_plan(status => 200);
            my $resumed = wait_for($SLOW_WAIT, sub { n_deliveries($B, $where, 'delivered') >= 150 });
            ok($resumed, 'the new generation delivers the backlog') or state_diag($B, $where);
            push @orphan_checks, { label => 'graceful', where => $where, n => 200, rcv => $rcv,
                                   secret => $ep->{secret}, leads => \@ids };
        };

        # ------------------------------------------------ site A: short schedule
        my $A = LeadsTest->site(backend => $backend, conf => conf());

        scenario 'one lead.created -> one delivery, both signatures verify, data is the 201 lead' => sub {
            my $p = $A->provision(fields => [ [ 'caseType', 'choice', 'Family,Criminal' ],
                                              [ 'amount', 'number' ], [ 'urgent', 'boolean' ] ]);
            my $rcv = receiver();
            my $r = $A->ctl_run('webhook', 'add', '--firm', $p->{firm}, '--url', $rcv->url('/hook'));
            is($r->{rc}, 0, 'leadsctl webhook add: exit 0') or diag $r->{err};
            like($r->{out}, qr{^whsec_[A-Za-z0-9+/]+={0,2}\n\z}, 'it prints the whsec_ secret alone');
            my ($secret) = $r->{out} =~ /^(whsec_\S+)/ or die "no secret from webhook add: $r->{out}$r->{err}";
            my $b64 = substr $secret, 6;
            ok(length($b64) % 4 == 0 && length(decode_base64($b64)) >= 24,
               'the secret is padded base64 of 24+ bytes');
            my $ep = $A->sql1("SELECT id FROM webhook_endpoints WHERE firm_id = '$p->{firm}'");
            like($ep // '', $UUID, 'the endpoint row exists');

            my $res = $A->create($p->{key}, lead(first_name => 'Zoë', last_name => '李 Lovelace 🦉',
                data => { caseType => 'Family', amount => 1250.5, urgent => JSON::PP::true, other => 1 }));
            is($res->{status}, 201, 'create: 201') or diag $res->{body};
            my $lead = $res->{json} || {};
            is(n_deliveries($A, "firm_id = '$p->{firm}'"), 1,
               'the delivery row is there as soon as the 201 is (written in the lead\'s transaction)');

            is($rcv->wait_count(1, timeout => $WAIT), 1, 'the receiver got one request')
                or state_diag($A, "firm_id = '$p->{firm}'");
            wait_status_ok($A, "firm_id = '$p->{firm}'", 1, 'delivered', 'outbox');
            my @req = $rcv->requests;
            is(scalar @req, 1, 'exactly one request for one lead');
            my $q = $req[0] or return;
            is($q->{path}, '/hook', 'to the endpoint URL\'s path');
            is_deeply([ delivery_problems($q, $secret) ], [], 'signatures and headers as docs/api.md §9.3 says');
            my $h = $q->{headers};
            my ($t, $v1) = ($h->{'lawfficient-signature'} // '') =~ /^t=(\d+),v1=([0-9a-f]{64})$/;
            ok(defined $t, "Lawfficient-Signature: t=<unix>,v1=<hex> ($h->{'lawfficient-signature'})");
            is($v1, hmac_sha256_hex("$t.$q->{body}", $secret), 'v1 = HMAC-SHA256(whsec_ secret, "<t>.<body>")') if defined $t;
            is($h->{'webhook-timestamp'}, $t, 'webhook-timestamp = t');
            my $key = decode_base64($b64);
            is($h->{'webhook-signature'},
               'v1,' . b64pad(hmac_sha256_base64("$h->{'webhook-id'}.$t.$q->{body}", $key)),
               'webhook-signature = v1,base64 HMAC(decoded key, "<id>.<t>.<body>")');
            like($h->{'content-type'} // '', qr{^application/json}, 'Content-Type: application/json');
            like($h->{'user-agent'} // '', qr{^mod_leads/\S+$}, "User-Agent: mod_leads/<version> ($h->{'user-agent'})");
            is($h->{'user-agent'}, "mod_leads/$VERSION", "the module's version") if defined $VERSION;

            my $ev = event_of($q);
            is_deeply([ json_key_order($q->{body}) ], [qw(id type created_at data)],
                      'body keys: id, type, created_at, data (the docs\' order)');
            like($ev->{id} // '', uuid_re(), 'id is a UUID');
            is($h->{'webhook-id'}, $ev->{id}, 'webhook-id is the event id');
            is($ev->{type}, 'lead.created', 'type lead.created');
            like($ev->{created_at} // '', timestamp_re(), 'created_at is ISO with ms and Z');
            is_deeply($ev->{data}, $lead, 'data is the lead exactly as the 201 returned it');
            if ($q->{body} =~ /"data"\s*:\s*(\{.*\})\s*\}\s*\z/s) {
                is_deeply([ json_key_order($1) ], [ json_key_order($res->{body}) ], 'data keys in the 201\'s order');
            }
            else { fail('data is the last member of the body') }

            my ($d) = deliveries($A, "firm_id = '$p->{firm}'");
            is($d->{event_id}, $ev->{id}, 'webhook_deliveries.event_id is the event id');
            is($d->{endpoint_id}, $ep, 'endpoint_id is the endpoint');
            is($d->{status}, 'delivered', 'status delivered');
            is($d->{attempts}, 1, 'attempts 1');
            is($d->{http}, 200, 'last_http_status 200');
            is_deeply([ attempts_of($A, $d->{id}) ], [ [ 1, 200 ] ], 'webhook_attempts: one attempt, HTTP 200');
            is(attempt_rows_of($A, $d->{id}), 0, 'a first-try success writes no attempt row: the delivery row records it');
            like($A->sql1("SELECT delivered_at FROM webhook_deliveries WHERE id = '$d->{id}'") // '', qr/\d/,
                 'delivered_at set');

            # An idempotent replay is not a second event (docs/api.md §5).
            my $idem = { 'Idempotency-Key' => "wh-$backend-$$" };
            my $r1 = $A->create($p->{key}, lead(), $idem);
            is($r1->{status}, 201, 'create with an Idempotency-Key: 201');
            my $r2 = $A->create($p->{key}, lead(), $idem);
            is($r2->{headers}{'idempotent-replayed'}, 'true', 'the same again is replayed');
            is(n_deliveries($A, "firm_id = '$p->{firm}'"), 2, 'the replay made no delivery row');
            wait_status_ok($A, "firm_id = '$p->{firm}'", 2, 'delivered', 'after the replay');
            is($rcv->count, 2, 'the receiver got one request for the replayed create, not two');

            my $listed = listed_deliveries($A, $p->{firm}, 'delivered');
            ok($listed->{ $d->{id} }, 'webhook deliveries --status delivered lists the delivery');
            is(scalar(keys %$listed), 2, '... and both of this firm\'s deliveries, nothing else');
            ok(!listed_deliveries($A, $p->{firm}, 'pending')->{ $d->{id} }, '--status pending does not');
            ok(!listed_deliveries($A, $p->{firm}, 'failed')->{ $d->{id} }, '--status failed does not');
        };

        scenario 'ingestion mode: a new externalId makes one lead.created, a duplicate none (docs/api.md §6.5)' => sub {
            my $p = $A->provision(fields => []);
            my $rcv = receiver();
            my $ep = add_endpoint($A, $p->{firm}, $rcv->url('/ingest'));
            my $src = $A->ctl_json('source', 'add', '--firm', $p->{firm}, '--name', 'Intake form');
            my $body = { first_name => 'Ida', last_name => 'Ingest', email => 'ida@example.com',
                         externalId => "ext-$backend-1" };
            my $r = $A->create($src->{key}, $body);
            is($r->{status}, 201, 'source create: 201') or diag $r->{body};
            my $lead_id = ref $r->{json} eq 'HASH' ? $r->{json}{leadId} : undef;
            my $dup = $A->create($src->{key}, $body);
            is($dup->{status}, 200, 'the same externalId again: 200 duplicate');
            is(n_deliveries($A, "firm_id = '$p->{firm}'"), 1, 'one delivery row for the two posts');
            wait_status_ok($A, "firm_id = '$p->{firm}'", 1, 'delivered', 'ingestion');
            my @req = $rcv->requests;
            is(scalar @req, 1, 'one request at the receiver');
            check_all(\@req, $ep->{secret}, 'ingestion');
            my $data = event_of($req[0] || {})->{data} || {};
            ok(defined $lead_id && defined $data->{id} && $data->{id} eq $lead_id, 'data.id is the leadId of the 201');
            is($data->{source}, 'Intake form', 'data.source is the source\'s name');
            is($data->{email}, 'ida@example.com', 'data carries the mapped fields');
        };

        scenario 'endpoint filters: *, lead.created, another event type, disabled, another firm' => sub {
            my $p = $A->provision(fields => []);
            my $o = $A->provision(fields => [], name => 'Some other firm');
            my $rcv = receiver();
            my %ep;
            $ep{'/default'}  = add_endpoint($A, $p->{firm}, $rcv->url('/default'));
            $ep{'/star'}     = add_endpoint($A, $p->{firm}, $rcv->url('/star'), events => '*');
            $ep{'/created'}  = add_endpoint($A, $p->{firm}, $rcv->url('/created'), events => 'lead.created');
            $ep{'/updated'}  = add_endpoint($A, $p->{firm}, $rcv->url('/updated'), events => 'lead.updated', fallback => 1);
            $ep{'/disabled'} = add_endpoint($A, $p->{firm}, $rcv->url('/disabled'));
            $ep{'/other'}    = add_endpoint($A, $o->{firm}, $rcv->url('/other'));
            is($A->ctl_run('webhook', 'disable', $ep{'/disabled'}{id})->{rc}, 0, 'webhook disable: exit 0');
            my %secret = map { $_ => $ep{$_}{secret} } keys %ep;
            isnt($secret{'/star'}, $secret{'/created'}, 'each endpoint has its own secret');

            my @ids = map { my $r = $A->create($p->{key}, lead()); is($r->{status}, 201, "lead $_: 201"); $r->{json}{id} } 1 .. 2;
            my $where = "firm_id = '$p->{firm}'";
            is(n_deliveries($A, $where), 6, 'one row per lead per matching enabled endpoint (2 x 3)');
            wait_status_ok($A, $where, 6, 'delivered', 'filters');
            $rcv->wait_count(6, timeout => $WAIT);
            my %want = ('/default' => 2, '/star' => 2, '/created' => 2, '/updated' => 0, '/disabled' => 0, '/other' => 0);
            my %got = map { $_ => $rcv->count(path => $_) } keys %want;
            is_deeply(\%got, \%want, 'requests per endpoint: *, default and lead.created get both; the rest none');
            is($rcv->count, 6, 'nothing else arrived');
            my (undef, $by_lead) = check_all([ $rcv->requests ], \%secret, 'filters');
            is_deeply([ sort keys %$by_lead ], [ sort @ids ], 'the two leads, each signed with its endpoint\'s secret');
            my %eps = map { $_->{endpoint_id} => 1 } deliveries($A, $where);
            is_deeply([ sort keys %eps ], [ sort map { $ep{$_}{id} } qw(/default /star /created) ],
                      'rows only for the matching enabled endpoints');
            is(n_deliveries($A, "firm_id = '$o->{firm}'"), 0, 'no row for the other firm');

            # Enabling and disabling take effect for the next lead at once
            # (docs/directives.md §3.2 lets a child cache stages, fields and members, not
            # endpoints), also when the firm has been used already.
            my $rows_of = sub {
                my %n = map { $_->[0] => $_->[1] }
                    $A->sql("SELECT endpoint_id, COUNT(*) FROM webhook_deliveries WHERE $where GROUP BY endpoint_id");
                return { map { $_ => $n{ $ep{$_}{id} } // 0 } keys %ep };
            };
            is($A->ctl_run('webhook', 'enable', $ep{'/disabled'}{id})->{rc}, 0, 'webhook enable: exit 0');
            my $r = $A->create($p->{key}, lead());
            is($r->{status}, 201, 'a lead after enabling: 201');
            is_deeply($rows_of->(), { '/default' => 3, '/star' => 3, '/created' => 3, '/disabled' => 1,
                                      '/updated' => 0, '/other' => 0 },
                      'rows per endpoint: the re-enabled endpoint has one, for the new lead only');
            my $n = n_deliveries($A, $where);
            wait_status_ok($A, $where, $n, 'delivered', 'after enable');
            $rcv->wait_count($n, timeout => $WAIT);
            my @dis = $rcv->requests(path => '/disabled');
            is(scalar @dis, 1, 're-enabled endpoint: one request (no backlog from while it was disabled)');
            is(event_of($dis[0] || {})->{data}{id} // '', $r->{json}{id}, '... for the new lead');

            is($A->ctl_run('webhook', 'disable', $ep{'/star'}{id})->{rc}, 0, 'webhook disable of a used endpoint: exit 0');
            my $before = $rows_of->();
            my $star_seen = $rcv->count(path => '/star');
            $r = $A->create($p->{key}, lead());
            is($r->{status}, 201, 'a lead after disabling: 201');
            my $after = $rows_of->();
            is($after->{'/star'}, $before->{'/star'}, 'no row for the endpoint just disabled');
            is($after->{'/default'}, $before->{'/default'} + 1, '... while the others get theirs');
            $n = n_deliveries($A, $where);
            wait_status_ok($A, $where, $n, 'delivered', 'after disable');
            $rcv->wait_count($n, timeout => $WAIT);
            is($rcv->count(path => '/star'), $star_seen, 'the disabled endpoint got nothing more');
            is($rcv->count(path => '/updated'), 0, 'the lead.updated endpoint got nothing, ever');
            is($rcv->count(path => '/other'), 0, 'the other firm\'s endpoint got nothing, ever');
            is($rcv->count, $n, 'one request per delivery row, no more');
        };

        scenario 'receiver answers 500, 500, then 200 -> delivered on the third attempt' => sub {
            my $p = $A->provision(fields => []);
            my $rcv = receiver(statuses => [ 500, 500 ]);
            my $ep = add_endpoint($A, $p->{firm}, $rcv->url('/flaky'));
            my $r = $A->create($p->{key}, lead());
            is($r->{status}, 201, 'create: 201');
            my $where = "firm_id = '$p->{firm}'";
            wait_status_ok($A, $where, 1, 'delivered', 'retries');
            my ($d) = deliveries($A, $where);
            is($d->{attempts}, 3, 'attempts 3');
            is($d->{http}, 200, 'last_http_status 200');
            my @req = $rcv->requests;
            is(scalar @req, 3, 'three requests');
            is_deeply([ map { $_->{status} } @req ], [ 500, 500, 200 ], 'answered 500, 500, 200');
            my ($by_event) = check_all(\@req, $ep->{secret}, 'retries');
            is_deeply([ keys %$by_event ], [ $d->{event_id} ], 'the same webhook-id (the event id) every time');
            is(scalar(grep { $_->{body} eq $req[0]{body} } @req), 3, 'the same body every time');
            is_deeply(event_of($req[0])->{data}, $r->{json}, 'data is the 201 lead');
            my @att = attempts_of($A, $d->{id});
            is_deeply([ map { $_->[1] } @att ], [ 500, 500, 200 ], 'webhook attempts: HTTP 500, 500, 200');
            is(attempt_rows_of($A, $d->{id}), 2, 'attempt rows for the two failures only');
            my @n = map { $_->[0] } @att;
            ok(@n == 3 && $n[0] < $n[1] && $n[1] < $n[2], "attempt numbers increase (@n)");
        };

        scenario 'a redirect is not followed: it is a failed attempt, retried' => sub {
            my $p = $A->provision(fields => []);
            my $rcv = receiver();
            $rcv->set_plan(statuses => [ { status => 302, headers => { Location => $rcv->url('/redirected') } } ]);
            my $ep = add_endpoint($A, $p->{firm}, $rcv->url('/moved'));
            is($A->create($p->{key}, lead())->{status}, 201, 'create: 201');
            my $where = "firm_id = '$p->{firm}'";
            wait_status_ok($A, $where, 1, 'delivered', 'redirect');
            my ($d) = deliveries($A, $where);
            is($d->{attempts}, 2, 'attempts 2 (302, then 200)');
            is_deeply([ map { $_->[1] } attempts_of($A, $d->{id}) ], [ 302, 200 ], 'webhook attempts: 302, 200');
            is($rcv->count(path => '/redirected'), 0, 'the Location was never requested');
            is($rcv->count(path => '/moved'), 2, 'two requests to the endpoint');
        };

        scenario 'schedule spent -> failed; leadsctl webhook deliveries lists it; webhook retry delivers it' => sub {
            my $p = $A->provision(fields => []);
            my $rcv = receiver(status => 503);
            my $ep = add_endpoint($A, $p->{firm}, $rcv->url('/down'));
            my @leads = map { $A->create($p->{key}, lead())->{json}{id} } 1 .. 2;
            my $where = "firm_id = '$p->{firm}'";
            wait_status_ok($A, $where, 2, 'failed', '503 every time') or return;
            my ($d1, $d2) = deliveries($A, $where);
            is($_->{attempts}, 4, 'attempts = schedule length + 1 = 4') for $d1, $d2;
            is($_->{http}, 503, 'last_http_status 503') for $d1, $d2;
            is_deeply([ map { $_->[1] } attempts_of($A, $d1->{id}) ], [ (503) x 4 ], 'webhook_attempts: 4 x 503');
            my ($by_event) = check_all([ $rcv->requests ], $ep->{secret}, 'failing');
            is_deeply($by_event, { $d1->{event_id} => 4, $d2->{event_id} => 4 }, 'the receiver saw 4 requests per event');

            my $failed = listed_deliveries($A, $p->{firm}, 'failed');
            ok($failed->{ $d1->{id} } && $failed->{ $d2->{id} }, '--status failed lists both');
            ok(!listed_deliveries($A, $p->{firm}, 'delivered')->{ $d1->{id} }, '--status delivered lists neither');
            my $plain = $A->ctl_run('webhook', 'deliveries', '--firm', $p->{firm}, '--status', 'failed');
            is($plain->{rc}, 0, 'webhook deliveries (plain): exit 0');
            like($plain->{out}, qr/\Q$d1->{id}\E/, 'the plain listing shows the delivery id');

            $rcv->set_plan(status => 200);
            my $r = $A->ctl_run('webhook', 'retry', $d1->{id});
            is($r->{rc}, 0, 'webhook retry: exit 0') or diag $r->{err};
            my $st = $A->sql1("SELECT status FROM webhook_deliveries WHERE id = '$d1->{id}'");
            like($st, qr/^(pending|delivered)$/, "the retried delivery is pending again ($st)");
            wait_status_ok($A, "id = '$d1->{id}'", 1, 'delivered', 'retried');
            my @req = $rcv->requests;
            my @for1 = grep { ($_->{headers}{'webhook-id'} // '') eq $d1->{event_id} } @req;
            is(scalar @for1, 5, 'a fifth request for the retried event');
            is($for1[-1]{body}, $for1[0]{body}, 'with the same body') if @for1;
            is_deeply([ delivery_problems($for1[-1] || {}, $ep->{secret}) ], [], 'signed afresh, verifies');
            is($A->sql1("SELECT status FROM webhook_deliveries WHERE id = '$d2->{id}'"), 'failed',
               'the other one stays failed');
            is(scalar(grep { ($_->{headers}{'webhook-id'} // '') eq $d2->{event_id} } @req), 4,
               '... and was not sent again');
            ok(listed_deliveries($A, $p->{firm}, 'delivered')->{ $d1->{id} }, '--status delivered lists the retried one');
            my $f = listed_deliveries($A, $p->{firm}, 'failed');
            ok($f->{ $d2->{id} } && !$f->{ $d1->{id} }, '--status failed lists only the other one');

            my $bad = $A->ctl_run('webhook', 'retry', uuid4());
            isnt($bad->{rc}, 0, 'webhook retry of an unknown id: non-zero exit');
            like($bad->{err}, qr/\S/, '... with a message on stderr');
        };

        is_deeply([ $A->crashes ], [], 'site A: no child crashed');
        $A->stop;

        # ------------------------------------------------ site D: the private-address guard
        scenario 'LeadsWebhookAllowPrivate Off: loopback and unspecified addresses are refused' => sub {
            my $D = LeadsTest->site(backend => $backend, conf => conf(private => 'Off'));
            my $p = $D->provision(fields => []);
            my $rcv = receiver();          # would answer 200 to anything that reached it
            my $port = $rcv->port;
            add_endpoint($D, $p->{firm}, $_, fallback => 1)
                for "http://127.0.0.1:$port/ip", "http://localhost:$port/name", "http://0.0.0.0:$port/any";
            is($D->create($p->{key}, lead())->{status}, 201, 'create: 201');
            my $where = "firm_id = '$p->{firm}'";
            is(n_deliveries($D, $where), 3, 'three delivery rows');
            my $tried = wait_for($WAIT, sub {
                n_deliveries($D, "$where AND attempts >= 1 AND last_error IS NOT NULL AND last_error <> ''") == 3
            });
            ok($tried, 'every delivery has an attempt with an error') or state_diag($D, $where);
            # Give the schedule (1.7 s) the chance to run out; no assertion on when.
            wait_for(8, sub { n_deliveries($D, $where, 'failed') == 3 });
            is($rcv->count, 0, 'the receiver got nothing');
            is(n_deliveries($D, $where, 'delivered'), 0, 'nothing is marked delivered');
            for my $d (deliveries($D, $where)) {
                my $url = $D->sql1("SELECT url FROM webhook_endpoints WHERE id = '$d->{endpoint_id}'");
                like($d->{status}, qr/^(pending|failed)$/, "$url: pending or failed ($d->{status})");
                ok($d->{attempts} >= 1, "$url: attempts >= 1 ($d->{attempts})");
                is($d->{http}, 0, "$url: no HTTP status");
                my $err = $D->sql1("SELECT last_error FROM webhook_deliveries WHERE id = '$d->{id}'") // '';
                like($err, $REFUSAL, "$url: last_error says why ($err)");
                my $aerr = $D->sql1("SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id = '$d->{id}' "
                                    . "AND error IS NOT NULL AND error <> ''");
                ok($aerr >= 1, "$url: the attempt is recorded with its error");
            }
            is_deeply([ $D->crashes ], [], 'no child crashed');
            $D->stop;
        };

        # ------------------------------------------------ site B again
        scenario 'receiver down during 50 creates, then up -> all 50 delivered' => sub {
            my $p = $B->provision(fields => []);
            my $rcv = receiver(down => 1);
            my $ep = add_endpoint($B, $p->{firm}, $rcv->url('/later'));
            my @ids = all_created_ok([ collect_clients(start_clients([ map { [ $B, $p->{key}, 25 ] } 1 .. 2 ])) ],
                                     50, '50 creates');
            my $where = "firm_id = '$p->{firm}'";
            is(n_deliveries($B, $where), 50, '50 delivery rows as soon as the creates are answered');
            my $tried = wait_for($WAIT, sub { n_deliveries($B, "$where AND attempts >= 1") == 50 });
            ok($tried, 'each was attempted while the receiver was down') or state_diag($B, $where);
            is(n_deliveries($B, $where, 'delivered'), 0, 'none delivered while down');
            ok($B->sql1("SELECT COUNT(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id "
                        . "WHERE d.firm_id = '$p->{firm}' AND a.error IS NOT NULL AND a.error <> ''") >= 50,
               'the failed attempts are recorded with an error');
            $rcv->start;
            wait_status_ok($B, $where, 50, 'delivered', 'after the receiver came up', $SLOW_WAIT);
            my ($by_event, $by_lead) = check_all([ $rcv->requests ], $ep->{secret}, 'down then up');
            is(scalar(keys %$by_event), 50, '50 distinct event ids arrived');
            is_deeply([ sort keys %$by_lead ], [ sort @ids ], 'one event for each created lead');
            my @d = dups($by_event);
            diag scalar(@d) . ' event(s) arrived more than once (allowed: at-least-once)' if @d;
        };

        scenario 'LeadsWebhookQueueSize 8 and a burst of 500 creates -> all 500 delivered, none twice' => sub {
            my $p = $B->provision(fields => []);
            my $rcv = receiver();
            my $ep = add_endpoint($B, $p->{firm}, $rcv->url('/burst'));
            my @ids = all_created_ok([ collect_clients(start_clients([ map { [ $B, $p->{key}, 100 ] } 1 .. 5 ])) ],
                                     500, '500 creates from 5 clients');
            my $where = "firm_id = '$p->{firm}'";
            is(n_deliveries($B, $where), 500, '500 delivery rows (the ring overflowed; the outbox did not)');
            wait_status_ok($B, $where, 500, 'delivered', 'burst', $SLOW_WAIT);
            $rcv->wait_count(500, timeout => $WAIT);
            my @req = $rcv->requests;
            my ($by_event, $by_lead) = check_all(\@req, $ep->{secret}, 'burst');
            is(scalar @req, 500, '500 requests');
            is(scalar(keys %$by_event), 500, '500 distinct webhook-ids: none twice');
            is_deeply([ sort keys %$by_lead ], [ sort @ids ], 'one event for each created lead');
            my $max = 0;
            $_->{inflight} > $max and $max = $_->{inflight} for @req;
            ok($max <= 4, "never more than LeadsWebhookConcurrency (4) requests at once (max $max)");
            my %conns = map { ("$_->{run}/$_->{conn}" => 1) } @req;
            ok(keys(%conns) <= 250, 'connections are reused (' . scalar(keys %conns) . ' connections for 500 requests)');
        };

        scenario 'two httpd instances on one database: each event delivered once per endpoint (lease)' => sub {
            my $C = LeadsTest->site(backend => $backend, share => $B, conf => \@bconf);
            my $p = $B->provision(fields => []);
            my $rcv = receiver(delay => 0.02);
            my %ep = map { $_ => add_endpoint($B, $p->{firm}, $rcv->url($_)) } '/one', '/two';
            my %secret = map { $_ => $ep{$_}{secret} } keys %ep;
            my @ids = all_created_ok([ collect_clients(start_clients([ [ $B, $p->{key}, 15 ], [ $C, $p->{key}, 15 ],
                                                                       [ $B, $p->{key}, 15 ], [ $C, $p->{key}, 15 ] ])) ],
                                     60, '60 creates, half through each host');
            my $where = "firm_id = '$p->{firm}'";
            is(n_deliveries($B, $where), 120, '120 delivery rows (60 leads x 2 endpoints)');
            wait_status_ok($B, $where, 120, 'delivered', 'two hosts', $SLOW_WAIT);
            $rcv->wait_count(120, timeout => 5);
            my @req = $rcv->requests;
            check_all(\@req, \%secret, 'two hosts');
            my %pair;
            $pair{ "$_->{path} " . ($_->{headers}{'webhook-id'} // '') }++ for @req;
            my %path_of = map { $ep{$_}{id} => $_ } keys %ep;
            my @missing = grep { !$pair{$_} } map { "$path_of{ $_->{endpoint_id} } $_->{event_id}" } deliveries($B, $where);
            ok(!@missing, 'every (endpoint, event) arrived') or diag scalar(@missing) . " missing, e.g. $missing[0]";
            my @twice = grep { $pair{$_} > 1 } sort keys %pair;
            diag scalar(@twice) . " (endpoint, event) pairs arrived more than once, e.g. $twice[0]" if @twice;
            is(scalar @req, 120, '120 requests: the lease kept the two hosts from sending one delivery twice');
            is_deeply([ $C->crashes ], [], 'second host: no child crashed');
            $C->stop;
        };

        scenario 'orphaned leases (kill -9, graceful) expire: every outbox row ends delivered' => sub {
            plan skip_all => 'no kill -9 / graceful scenario got that far' unless @orphan_checks;
            for my $c (@orphan_checks) {
                my ($label, $where, $n, $rcv) = @$c{qw(label where n rcv)};
                wait_status_ok($B, $where, $n, 'delivered', "$label, eventually", $LEASE_WAIT);
                is(n_deliveries($B, $where, 'failed'), 0, "$label: none failed");
                my ($by_event) = wait_arrived_ok($B, $where, $rcv, $label);
                my (undef, $by_lead) = check_all([ $rcv->requests ], $c->{secret}, $label);
                my @lost = grep { !$by_lead->{$_} } @{ $c->{leads} };
                ok(!@lost, "$label: every acknowledged lead's event arrived") or diag 'lost leads: ' . scalar(@lost);
                my @d = dups($by_event);
                note "$label: " . scalar(@d) . ' event(s) arrived more than once (allowed: at-least-once)' if @d;
            }
        };

        is_deeply([ $B->crashes ], [], 'site B: no child crashed');
        $B->stop;
    };
}

done_testing;
