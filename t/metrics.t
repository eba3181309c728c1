# Metrics and health for operators (docs/directives.md "Monitoring"):
# `SetHandler leads-metrics` sums every child's counters (shared memory)
# in the Prometheus text format that promtool accepts, keeps them across a
# graceful restart, and shows the outbox from the database;
# `SetHandler leads-health` is 200 with the schema version, 503 with the
# reason when the database cannot be reached or its schema is outdated.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Temp qw(tempfile);
use LeadsTest qw(backends db_ctl in_children run_cmd wait_for schema_version);
use Receiver;

my $CONF = [ 'LeadsRateLimit 0', 'LeadsWebhookAllowPrivate On', 'LeadsWebhookPollInterval 1',
             '<Location "/metrics">', '    SetHandler leads-metrics', '</Location>',
             '<Location "/health">', '    SetHandler leads-health', '</Location>' ];

sub lead { { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com', source => 'web', @_ } }

# {"name{labels}" => value} of one scrape, and its text.
sub scrape { $_[0]->metrics('/metrics') }

sub delta {
    my ($before, $after, $key) = @_;
    return ($after->{$key} // 0) - ($before->{$key} // 0);
}

sub promtool_ok {
    my ($text, $what) = @_;
    my ($fh, $file) = tempfile(DIR => LeadsTest::tmp());
    print $fh $text;
    close $fh;
    my ($rc, $out, $err) = run_cmd([ 'sh', '-c', "promtool check metrics < $file" ]);
    is($rc, 0, "promtool check metrics: $what") or diag "$out$err";
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $dir = LeadsTest::tmp() . "/metrics-$$-$backend";
        mkdir $dir;
        my $rcv = Receiver->new(dir => $dir, status => 200);
        my $site = LeadsTest->site(backend => $backend, conf => $CONF);
        my $p = $site->provision;
        my $r = $site->ctl_run('webhook', 'add', '--firm', $p->{firm}, '--url', $rcv->url('/hook'));
        is($r->{rc}, 0, 'endpoint added');

        my ($before, $res) = scrape($site);
        is($res->{status}, 200, 'metrics: 200');
        like($res->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4}, 'the Prometheus text type');
        promtool_ok($res->{body}, 'before any request');

        # 12 creates, 3 invalid, 2 without a key, one create sent twice
        # with its Idempotency-Key: forked clients, so several children count
        my @out = in_children(12, sub { $site->create($p->{key}, lead())->{status} });
        is_deeply([ sort @out ], [ (201) x 12 ], '12 creates');
        @out = in_children(3, sub { $site->create($p->{key}, lead(email => 'nope'))->{status} });
        is_deeply(\@out, [ (422) x 3 ], '3 invalid');
        is($site->create(undef, lead())->{status}, 401, 'no key') for 1 .. 2;
        my $h = { 'Idempotency-Key' => "metrics-$$" };
        is($site->create($p->{key}, lead(), $h)->{status}, 201, 'a create with a key');
        my $again = $site->create($p->{key}, lead(), $h);
        is($again->{headers}{'idempotent-replayed'}, 'true', 'and its replay');
        ok($rcv->wait_count(13, timeout => 20), '13 webhooks delivered');

        my $after;
        wait_for(10, sub { ($after) = scrape($site);
                           delta($before, $after, 'leads_webhook_deliveries_total{outcome="delivered"}') >= 13 });
        is(delta($before, $after, 'leads_requests_total{mode="api",code="201"}'), 14, 'requests api 201: +14');
        is(delta($before, $after, 'leads_requests_total{mode="api",code="422"}'), 3, 'requests api 422: +3');
        is(delta($before, $after, 'leads_requests_total{mode="none",code="401"}'), 2, 'requests without a key 401: +2');
        is(delta($before, $after, 'leads_errors_total{code="invalid_request"}'), 3, 'errors invalid_request: +3');
        is(delta($before, $after, 'leads_errors_total{code="missing_key"}'), 2, 'errors missing_key: +2');
        is(delta($before, $after, 'leads_created_total{mode="api"}'), 13, 'created api: +13');
        is(delta($before, $after, 'leads_replayed_total'), 1, 'replayed: +1');
        is(delta($before, $after, 'leads_request_duration_seconds_count'), 19, 'duration histogram count: +19');
        is(delta($before, $after, 'leads_webhook_deliveries_total{outcome="delivered"}'), 13, 'deliveries delivered: +13');
        is($after->{'leads_build_info{version="' . _version() . '"}'}, 1, 'build info');
        my ($last, $res2) = scrape($site);
        promtool_ok($res2->{body}, 'after traffic');

        ok(wait_for(15, sub { my ($v) = scrape($site); defined $v->{leads_webhook_pending} }),
           'the outbox figures appear (read by the maintenance thread)');
        ($last) = scrape($site);
        is($last->{leads_webhook_pending}, 0, 'nothing pending once delivered');

        $site->graceful;
        my ($restarted) = scrape($site);
        is($restarted->{'leads_created_total{mode="api"}'}, $last->{'leads_created_total{mode="api"}'},
           'counters survive a graceful restart');

        my $health = $site->request('GET', '/health');
        is($health->{status}, 200, 'health: 200');
        is($health->{body}, '{"status":"ok","schema":' . schema_version() . '}', 'with the schema version');

        if ($backend ne 'sqlite3') {
            db_ctl('stop', $backend);
            $health = $site->request('GET', '/health');
            is($health->{status}, 503, 'database stopped: health 503');
            like($health->{body}, qr/"reason":"database_unreachable"/, 'database_unreachable');
            db_ctl('start', $backend);
            ok(wait_for(20, sub { $site->request('GET', '/health')->{status} == 200 }),
               'database back: health 200 again');
        }
        is_deeply([ $site->crashes ], [], 'no child crashed');
    };
}

subtest 'health: an outdated schema is 503 schema_outdated' => sub {
    my $site = LeadsTest->site(backend => 'sqlite3', no_start => 1, conf => $CONF);
    $site->sql('DELETE FROM leads_schema WHERE version = ' . schema_version());
    $site->start;
    my $h = $site->request('GET', '/health');
    is($h->{status}, 503, 'status 503');
    like($h->{body}, qr/"reason":"schema_outdated"/, 'schema_outdated');
};

sub _version {
    open my $fh, '<', "$LeadsTest::ROOT/mod_leads/mod_leads.h" or return '';
    local $/;
    my $t = <$fh>;
    return $t =~ /#define\s+LEADS_VERSION\s+"([^"]+)"/ ? $1 : '';
}

done_testing;
