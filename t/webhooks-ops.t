# SPEC §7.1, running webhooks for many firms: a delivery that failed for
# good is logged at warn; one endpoint's hanging receiver does not hold
# up another's deliveries (LeadsWebhookEndpointConcurrency); an endpoint
# failing for LeadsWebhookDisableAfter is disabled, its deliveries held
# until `webhook enable`; `webhook rotate-secret` signs with both secrets
# during the grace.
#
# Real receivers (t/lib/Receiver.pm) on loopback; every wait polls with a
# bound. The one timing assertion is the spec's own: fresh deliveries of a
# healthy endpoint arrive within a second beside a hanging one.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Digest::SHA qw(hmac_sha256_hex hmac_sha256_base64);
use MIME::Base64 qw(decode_base64);
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(sleep time);
use LeadsTest qw(backends wait_for scenario);
use Receiver;

my $JSON = JSON::PP->new->utf8->canonical;
my $RDIR = LeadsTest::tmp() . '/receivers-ops';
my $WAIT = $ENV{LEADS_TEST_WEBHOOK_WAIT} || 20;
my $ISO = qr/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/;

sub conf {
    my (@more) = @_;
    return [ 'LeadsRateLimit 0', 'LeadsWebhookPollInterval 1', 'LeadsWebhookAllowPrivate On',
             @more ];
}

sub lead {
    return { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com',
             source => 'web', @_ };
}

sub receiver { Receiver->new(dir => $RDIR, @_) }

sub add_endpoint {
    my ($site, $firm, $url) = @_;
    return $site->ctl_json('webhook', 'add', '--firm', $firm, '--url', $url);
}

sub created_id {
    my ($r) = @_;
    die "create: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{id} // $r->{json}{data}{id} // die "create: no id: $r->{body}\n";
}

sub delivery_rows {
    my ($site, $endpoint) = @_;
    return $site->sql("SELECT id, event_id, status, attempts FROM webhook_deliveries"
                      . " WHERE endpoint_id = '$endpoint' ORDER BY created_at");
}

sub event_lead_id {
    my ($req) = @_;
    my $doc = eval { $JSON->decode($req->{body}) } or return "";
    return $doc->{data}{id} // "";
}

sub b64pad { my $s = shift; $s .= '=' while length($s) % 4; $s }

# A time as the backend stores it, $secs from now.
sub db_time {
    my ($site, $secs) = @_;
    my $t = time + $secs;
    my $ms = int(($t - int $t) * 1000);
    my @g = gmtime int $t;
    my $date = POSIX::strftime('%Y-%m-%d', @g);
    my $clock = POSIX::strftime('%H:%M:%S', @g) . sprintf('.%03d', $ms);
    return $site->backend eq 'mysql' ? "$date $clock" : "${date}T${clock}Z";
}

sub uuid4 {
    my @b = map { int rand 256 } 1 .. 16;
    $b[6] = ($b[6] & 0x0f) | 0x40;
    $b[8] = ($b[8] & 0x3f) | 0x80;
    return sprintf '%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x', @b;
}

# $n deliveries of one endpoint, all due, in one statement.
sub insert_backlog {
    my ($site, $firm, $endpoint, $n) = @_;
    my $due = db_time($site, -10);
    my @rows;
    for (1 .. $n) {
        my $ev = uuid4();
        push @rows, "('" . uuid4() . "', '$ev', 'lead.created', '$endpoint', '$firm',"
            . " '{\"id\":\"$ev\",\"type\":\"lead.created\",\"data\":{}}', 'pending', 0,"
            . " '$due', '$due', '$due')";
    }
    $site->sql("INSERT INTO webhook_deliveries (id, event_id, event_type, endpoint_id,"
               . " firm_id, body, status, attempts, next_attempt_at, created_at, updated_at)"
               . " VALUES " . join(', ', @rows));
}

for my $backend (backends()) {
    note "backend $backend";

    scenario "$backend: a delivery that used up its schedule is logged at warn" => sub {
        my $site = LeadsTest->settled_site(backend => $backend,
            conf => conf('LeadsWebhookRetrySchedule 200ms 200ms', 'LeadsWebhookTimeout 5'));
        my $p = $site->provision;
        my $rcv = receiver(status => 500);
        my $ep = add_endpoint($site, $p->{firm}, $rcv->url('/fail'));
        created_id($site->create($p->{key}, lead()));
        my $row = wait_for($WAIT, sub {
            my ($r) = delivery_rows($site, $ep->{id});
            $r && $r->[2] eq 'failed' ? $r : undef });
        ok($row, 'the delivery ends failed after 3 attempts') or return;
        my $said = wait_for(5, sub { $site->error_log =~ /^([^\n]*LEADS00120[^\n]*)$/m ? $1 : undef });
        ok($said, 'a numbered message') or diag $site->log_tail(20);
        like($said // '', qr/\[leads:warn\]/, 'at warn');
        like($said // '', qr/endpoint \Q$ep->{id}\E/, 'naming the endpoint');
        like($said // '', qr/event \Q$row->[1]\E/, 'naming the event');
        like($said // '', qr/last error: HTTP 500/, 'with the last error');
        unlike($said // '', qr/whsec_/, 'no secret in the log');
        my @lines = $site->error_log =~ /LEADS00120/g;
        is(scalar @lines, 1, 'once, not for each attempt');
    };

    scenario "$backend: a hanging endpoint's backlog does not delay another endpoint" => sub {
        my $cap = 2;
        my $site = LeadsTest->settled_site(backend => $backend,
            conf => conf('LeadsWebhookRetrySchedule 1s 1s 1s 1s 1s 1s 1s 1s',
                         'LeadsWebhookTimeout 2', "LeadsWebhookEndpointConcurrency $cap",
                         'LeadsWebhookConcurrency 8'));
        my $pa = $site->provision(name => 'Hanging');
        my $pb = $site->provision(name => 'Healthy');
        my $hang = receiver(delay => 60);
        my $ok = receiver();
        my $ea = add_endpoint($site, $pa->{firm}, $hang->url('/hang'));
        add_endpoint($site, $pb->{firm}, $ok->url('/ok'));
        insert_backlog($site, $pa->{firm}, $ea->{id}, 300);
        ok($hang->wait_count($cap, timeout => $WAIT) >= $cap, 'the hanging endpoint is being tried')
            or return;
        sleep 2.5;                      # its attempts run into the timeout meanwhile
        my %sent;
        for my $i (1 .. 6) {
            my $t0 = time;
            my $id = created_id($site->create($pb->{key}, lead(first_name => "H$i")));
            $sent{$id} = $t0;
            sleep 0.4;
        }
        is($ok->wait_count(6, timeout => $WAIT), 6, 'every healthy delivery arrives');
        my @late;
        for my $req ($ok->requests(path => '/ok')) {
            my $t0 = $sent{ event_lead_id($req) } // next;
            my $took = $req->{time_ms} / 1000 - $t0;
            push @late, sprintf('%.2f s', $took) if $took > 1.0;
        }
        is_deeply(\@late, [], 'each within a second of its create');
        my ($max) = sort { $b <=> $a } map { $_->{inflight} } $hang->requests(path => '/hang');
        ok(($max // 0) <= $cap, "at most $cap of the hanging endpoint's in flight at once")
            or diag "seen $max";
        ok($hang->count(path => '/hang') < 300, 'its backlog is not all tried at once');
    };

    scenario "$backend: an endpoint failing for LeadsWebhookDisableAfter is disabled" => sub {
        my $site = LeadsTest->settled_site(backend => $backend,
            conf => conf('LeadsWebhookRetrySchedule ' . join(' ', ('1s') x 40),
                         'LeadsWebhookTimeout 5', 'LeadsWebhookDisableAfter 3s'));
        my $p = $site->provision;
        my $rcv = receiver(status => 503);
        my $ep = add_endpoint($site, $p->{firm}, $rcv->url('/down'));
        my $first = created_id($site->create($p->{key}, lead()));
        my $said = wait_for(3 * $WAIT, sub {
            $site->error_log =~ /^([^\n]*LEADS00123[^\n]*)$/m ? $1 : undef });
        ok($said, 'disabled, and said so') or return diag $site->log_tail(20);
        like($said, qr/\[leads:warn\].*endpoint \Q$ep->{id}\E disabled/, 'at warn, naming it');
        my ($e) = grep { $_->{id} eq $ep->{id} } @{ $site->ctl_json('webhook', 'list', '--firm', $p->{firm}) };
        like($e->{state} // '', qr/^disabled \(failing since $ISO\)$/, 'webhook list: disabled (failing since <ISO>)');
        ok(!$e->{enabled}, 'not enabled');
        like($site->ctl('webhook', 'list', '--firm', $p->{firm}),
             qr/disabled \(failing since $ISO\)/, 'the table says it too');

        sleep 1.5;                      # an attempt under way when it was disabled ends
        my ($held) = delivery_rows($site, $ep->{id});
        is($held->[2], 'pending', 'its delivery is held, not failed');
        my $tried = $rcv->count(path => '/down');
        created_id($site->create($p->{key}, lead(first_name => 'Second')));
        sleep 3;
        is($rcv->count(path => '/down'), $tried, 'no attempt while disabled');
        is(scalar(my @r = delivery_rows($site, $ep->{id})), 1, 'no new delivery for it');

        $rcv->set_plan(status => 200);
        $site->ctl('webhook', 'enable', $ep->{id});
        my $done = wait_for($WAIT, sub {
            my ($r) = delivery_rows($site, $ep->{id});
            $r->[2] eq 'delivered' ? $r : undef });
        ok($done, 'enabled again: the held delivery is delivered');
        ok($done && $done->[3] > $held->[3], 'where it was: its attempts carry on')
            or diag "attempts before $held->[3], after " . ($done ? $done->[3] : '?');
        ($e) = grep { $_->{id} eq $ep->{id} } @{ $site->ctl_json('webhook', 'list', '--firm', $p->{firm}) };
        is($e->{state}, 'enabled', 'webhook list: enabled');
        created_id($site->create($p->{key}, lead(first_name => 'Third')));
        ok(wait_for($WAIT, sub { grep { $_->[2] eq 'delivered' } (my @x = delivery_rows($site, $ep->{id})) } ),
           'new leads make deliveries again');
    };

    scenario "$backend: rotate-secret signs with both secrets during the grace" => sub {
        my $site = LeadsTest->settled_site(backend => $backend,
            conf => conf('LeadsWebhookRetrySchedule 200ms', 'LeadsWebhookTimeout 5'));
        my $p = $site->provision;
        my $rcv = receiver();
        my $ep = add_endpoint($site, $p->{firm}, $rcv->url('/rot'));
        my $old = $ep->{secret};
        my $new = $site->ctl('webhook', 'rotate-secret', $ep->{id});
        like($new, qr/^whsec_[A-Za-z0-9+\/]+=*$/, 'prints the new whsec_ secret alone');
        isnt($new, $old, 'a new one');
        my $id = created_id($site->create($p->{key}, lead()));
        is($rcv->wait_count(1, timeout => $WAIT), 1, 'delivered') or return;
        my ($req) = $rcv->requests(path => '/rot');
        my $body = $req->{body};
        my ($t, $v_new, $v_old) = ($req->{headers}{'lawfficient-signature'} // '')
            =~ /^t=(\d+),v1=([0-9a-f]{64}),v1=([0-9a-f]{64})$/;
        ok(defined $t, 'Lawfficient-Signature: t=<t>,v1=<new>,v1=<old>')
            or diag $req->{headers}{'lawfficient-signature'};
        is($v_new, hmac_sha256_hex("$t.$body", $new), 'the first verifies with the new secret');
        is($v_old, hmac_sha256_hex("$t.$body", $old), 'the second with the old one');
        my $msg = "$req->{headers}{'webhook-id'}.$t.$body";
        my @sigs = split / /, $req->{headers}{'webhook-signature'} // '';
        is(scalar @sigs, 2, 'webhook-signature: two, space-separated');
        is($sigs[0], 'v1,' . b64pad(hmac_sha256_base64($msg, decode_base64(substr $new, 6))),
           'new first');
        is($sigs[1], 'v1,' . b64pad(hmac_sha256_base64($msg, decode_base64(substr $old, 6))),
           'then old');

        my $r = $site->ctl_run('webhook', 'rotate-secret', $ep->{id}, '--grace', 'soon');
        is($r->{rc}, 2, 'a --grace that is no duration: usage error');
        my $newer = $site->ctl_json('webhook', 'rotate-secret', $ep->{id}, '--grace', '1s');
        is($newer->{id}, $ep->{id}, '--json: the endpoint id');
        like($newer->{secret} // '', qr/^whsec_/, '--json: the secret');
        sleep 1.5;
        created_id($site->create($p->{key}, lead(first_name => 'After')));
        is($rcv->wait_count(2, timeout => $WAIT), 2, 'delivered after the grace') or return;
        my $after = ($rcv->requests(path => '/rot'))[1];
        ($t, my $v) = ($after->{headers}{'lawfficient-signature'} // '') =~ /^t=(\d+),v1=([0-9a-f]{64})$/;
        ok(defined $t, 'one Lawfficient signature once the grace is over')
            or diag $after->{headers}{'lawfficient-signature'};
        is($v, hmac_sha256_hex("$t.$after->{body}", $newer->{secret}), 'with the newest secret');
        unlike($after->{headers}{'webhook-signature'} // '', qr/ /, 'one webhook-signature');
    };

    scenario "$backend: replay sends an endpoint's events again, --failed only the failed" => sub {
        my $site = LeadsTest->settled_site(backend => $backend,
            conf => conf('LeadsWebhookRetrySchedule 200ms', 'LeadsWebhookTimeout 5'));
        my $p = $site->provision;
        my $rcv = receiver(statuses => [200, 500, 500]);
        my $ep = add_endpoint($site, $p->{firm}, $rcv->url('/re'));
        created_id($site->create($p->{key}, lead(first_name => 'One')));
        is($rcv->wait_count(1, timeout => $WAIT), 1, 'the first is delivered');
        created_id($site->create($p->{key}, lead(first_name => 'Two')));
        ok(wait_for($WAIT, sub { grep { $_->[2] eq 'failed' } (my @x = delivery_rows($site, $ep->{id})) }),
           'the second fails') or return;
        my @before = delivery_rows($site, $ep->{id});
        my ($failed) = grep { $_->[2] eq 'failed' } @before;
        my ($done) = grep { $_->[2] eq 'delivered' } @before;
        my %body = map { $_->[0] => $_->[1] } $site->sql(
            "SELECT event_id, body FROM webhook_deliveries WHERE endpoint_id = '$ep->{id}'");

        is($site->ctl('webhook', 'replay', $ep->{id}, '--since', '1h', '--failed'), '1',
           '--failed: prints 1 queued');
        is($rcv->wait_count(4, timeout => $WAIT), 4, 'sent again');
        my $again = ($rcv->requests(path => '/re'))[3];
        is($again->{headers}{'webhook-id'}, $failed->[1], 'the same event id');
        is($again->{body}, $body{ $failed->[1] }, 'the same body');
        my ($t, $v1) = ($again->{headers}{'lawfficient-signature'} // '') =~ /^t=(\d+),v1=([0-9a-f]{64})$/;
        is($v1, hmac_sha256_hex("$t.$again->{body}", $ep->{secret}), 'signed afresh, and it verifies');
        ok(abs($t - $again->{time_ms} / 1000) < 30, 'at the time of sending');
        ok(wait_for($WAIT, sub { !grep { $_->[2] eq 'pending' } (my @x = delivery_rows($site, $ep->{id})) }),
           'the replay is delivered');

        my $j = $site->ctl_json('webhook', 'replay', $ep->{id}, '--since',
                                POSIX::strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time - 3600)));
        is_deeply($j, { id => $ep->{id}, queued => 2 }, 'an ISO --since, --json: each event once');
        is($rcv->wait_count(6, timeout => $WAIT), 6, 'both sent');
        my %ids = map { $_->{headers}{'webhook-id'} => 1 } ($rcv->requests(path => '/re'))[4, 5];
        is_deeply(\%ids, { $failed->[1] => 1, $done->[1] => 1 }, 'the two events');
        is($site->ctl('webhook', 'replay', $ep->{id}, '--since', '1h', '--failed'), '0',
           '--failed after the replays delivered: nothing');
        is($site->ctl('webhook', 'replay', $ep->{id}, '--since',
                      POSIX::strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time + 3600))), '0',
           'since a later time: nothing');
        is($site->ctl_run('webhook', 'replay', $ep->{id})->{rc}, 2, 'no --since: usage error');
        is($site->ctl_run('webhook', 'replay', $ep->{id}, '--since', 'yesterday')->{rc}, 2,
           'a --since that is neither: usage error');
        is($site->ctl_run('webhook', 'replay', uuid4(), '--since', '1h')->{rc}, 1, 'no such endpoint: exit 1');
    };

    scenario "$backend: deliveries, attempts, update and delete" => sub {
        my $site = LeadsTest->settled_site(backend => $backend,
            conf => conf('LeadsWebhookRetrySchedule 200ms', 'LeadsWebhookTimeout 5'));
        my $p = $site->provision;
        my $rcv = receiver(paths => { '/bad' => { status => 502 } });
        my $ep = add_endpoint($site, $p->{firm}, $rcv->url('/bad'));
        created_id($site->create($p->{key}, lead(first_name => "L$_"))), sleep 0.05 for 1 .. 3;
        ok(wait_for($WAIT, sub { 3 == grep { $_->[2] eq 'failed' } (my @x = delivery_rows($site, $ep->{id})) }),
           'three deliveries failed') or return;
        my $all = $site->ctl_json('webhook', 'deliveries', '--endpoint', $ep->{id});
        is(scalar @$all, 3, '--endpoint: its three');
        my @created = map { $_->{created_at} } @$all;
        is_deeply(\@created, [ sort { $b cmp $a } @created ], 'newest first');
        my $two = $site->ctl_json('webhook', 'deliveries', '--endpoint', $ep->{id}, '--limit', 2);
        is_deeply([ map { $_->{id} } @$two ], [ map { $_->{id} } @$all[0, 1] ], '--limit 2: the newest two');
        is(scalar @{ $site->ctl_json('webhook', 'deliveries', '--endpoint', $ep->{id},
                                     '--status', 'delivered') }, 0, '--status delivered: none');
        is(scalar @{ $site->ctl_json('webhook', 'deliveries', '--since', '1h', '--firm', $p->{firm}) }, 3,
           '--since 1h: all three');
        is(scalar @{ $site->ctl_json('webhook', 'deliveries', '--since',
                                     POSIX::strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time + 60))) }, 0,
           '--since a later time: none');
        is($site->ctl_run('webhook', 'deliveries', '--limit', '0')->{rc}, 2, '--limit 0: usage error');

        my $att = $site->ctl_json('webhook', 'attempts', $all->[0]{id});
        is(scalar @$att, 2, 'webhook attempts: both attempts');
        is_deeply([ map { $_->{attempt} } @$att ], [1, 2], 'in order');
        is($att->[0]{http_status}, 502, 'the HTTP status');
        like($att->[0]{started_at} // '', qr/^$ISO$/, 'the time');
        ok(defined $att->[0]{duration_ms} && $att->[0]{duration_ms} >= 0, 'the duration');
        like($site->ctl('webhook', 'attempts', $all->[0]{id}), qr/^attempt\tstarted_at\thttp_status\terror\tduration_ms/,
             'a table too');

        is($site->ctl_run('webhook', 'update', $ep->{id})->{rc}, 2, 'update with nothing to change: usage error');
        is($site->ctl_run('webhook', 'update', $ep->{id}, '--url', 'ftp://x')->{rc}, 2, 'a bad --url: usage error');
        $site->ctl('webhook', 'update', $ep->{id}, '--url', $rcv->url('/good'));
        my ($e) = @{ $site->ctl_json('webhook', 'list', '--firm', $p->{firm}) };
        is($e->{url}, $rcv->url('/good'), 'update --url');
        $site->ctl('webhook', 'retry', $all->[0]{id});
        is($rcv->wait_count(1, path => '/good', timeout => $WAIT), 1, 'deliveries go to the new URL');
        $site->ctl('webhook', 'update', $ep->{id}, '--events', 'lead.created');
        ($e) = @{ $site->ctl_json('webhook', 'list', '--firm', $p->{firm}) };
        is($e->{events}, 'lead.created', 'update --events');

        $site->ctl('webhook', 'delete', $ep->{id});
        is(scalar @{ $site->ctl_json('webhook', 'list', '--firm', $p->{firm}) }, 0, 'deleted');
        is($site->sql1("SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = '$ep->{id}'"), 0,
           'its deliveries went with it');
        is($site->sql1("SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id = '$all->[0]{id}'"), 0,
           'and their attempts');
        is($site->ctl_run('webhook', 'delete', $ep->{id})->{rc}, 1, 'deleting it again: exit 1');
    };

    scenario "$backend: LeadsWebhookRetention deletes finished deliveries, never pending ones" => sub {
        my $site = LeadsTest->settled_site(backend => $backend,
            conf => conf('LeadsWebhookRetrySchedule 200ms', 'LeadsWebhookTimeout 5',
                         'LeadsWebhookRetention 3s'));
        my $p = $site->provision;
        my $rcv = receiver();
        my $ep = add_endpoint($site, $p->{firm}, $rcv->url('/kept'));
        my $held = add_endpoint($site, $p->{firm}, $rcv->url('/held'));
        $site->ctl('webhook', 'disable', $held->{id});
        insert_backlog($site, $p->{firm}, $held->{id}, 1);
        $site->sql("UPDATE webhook_deliveries SET updated_at = created_at");
        # a failed attempt first: only failures have attempt rows (SPEC §7.1, Cost)
        $rcv->set_plan(statuses => [ 500 ]);
        created_id($site->create($p->{key}, lead()));
        is($rcv->wait_count(2, timeout => $WAIT), 2, 'delivered at the second attempt');
        ok(wait_for($WAIT, sub { my ($r) = delivery_rows($site, $ep->{id}); $r && $r->[2] eq 'delivered' }),
           'recorded as delivered');
        my ($d) = delivery_rows($site, $ep->{id});
        is($site->sql1("SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id = '$d->[0]'"), 1,
           'with its failed attempt');
        ok(wait_for(3 * $WAIT, sub { !delivery_rows($site, $ep->{id}) }), 'deleted once older than the retention');
        is($site->sql1("SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id = '$d->[0]'"), 0,
           'its attempts too');
        is(scalar(my @h = delivery_rows($site, $held->{id})), 1, 'an old pending delivery stays');
    };

    scenario "$backend: mod_status and the metrics show disabled endpoints and held deliveries" => sub {
        my $site = LeadsTest->settled_site(backend => $backend,
            conf => conf("LoadModule status_module $LeadsTest::MODULES/mod_status.so",
                         '<Location "/server-status">', '    SetHandler server-status', '</Location>',
                         '<Location "/metrics">', '    SetHandler leads-metrics', '</Location>'));
        my $p = $site->provision;
        my $rcv = receiver();
        my $ep = add_endpoint($site, $p->{firm}, $rcv->url('/x'));
        $site->ctl('webhook', 'disable', $ep->{id});
        insert_backlog($site, $p->{firm}, $ep->{id}, 3);
        my $auto = wait_for($WAIT, sub {
            my $r = $site->request('GET', '/server-status?auto');
            $r->{body} =~ /LeadsWebhookHeld: 3/ ? $r->{body} : undef });
        ok($auto, 'server-status?auto: LeadsWebhookHeld: 3') or return;
        like($auto, qr/^LeadsWebhookEndpointsDisabled: 1$/m, 'LeadsWebhookEndpointsDisabled: 1');
        like($site->request('GET', '/server-status')->{body},
             qr/Endpoints disabled: 1, deliveries held by them: 3/, 'the HTML page too');
        like($site->request('GET', '/metrics')->{body}, qr/^leads_webhook_deliveries_held 3$/m,
             'leads_webhook_deliveries_held 3');
        is($rcv->count, 0, 'and none of them sent');
    };
}

done_testing;
