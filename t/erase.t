# SPEC §14, README "Client data and backups": `leadsctl lead erase` removes a
# firm's matching leads with every row holding their data (Idempotency-Key
# records, webhook deliveries of their events, those deliveries' attempts),
# and nothing else: not another firm's lead with the same email, not another
# lead of the firm, not a delivery that merely mentions the lead's id. Also
# `leadsctl status` (SPEC §9): the schema version and the counts, checked
# against SQL.
#
# Real deliveries: a Receiver on loopback (LeadsWebhookAllowPrivate On), one
# endpoint that answers 200 and one that answers 500 until its deliveries
# fail, so there are deliveries with one attempt and with several.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP ();
use Time::HiRes qw(time);
use LeadsTest qw(backends wait_for);
use Receiver;

my $WAIT = $ENV{LEADS_TEST_WEBHOOK_WAIT} || 30;
my $JSON = JSON::PP->new->utf8;

my @CONF = ('LeadsRateLimit 0', 'LeadsWebhookPollInterval 1', 'LeadsWebhookTimeout 5',
            'LeadsWebhookAllowPrivate On', 'LeadsWebhookRetrySchedule 200ms 300ms',
            'LeadsPhoneRegion US');

# The newest migration of a backend, as sql/<driver>/NNN_*.sql has it.
sub latest_migration {
    my ($backend) = @_;
    my @n = map { m{/(\d+)_[^/]*\.sql$} ? 0 + $1 : () } glob "$LeadsTest::ROOT/sql/$backend/*.sql";
    my ($max) = sort { $b <=> $a } @n;
    return $max // 0;
}

# Every row that holds a lead's data, keyed so a before/after comparison
# shows exactly what went:
#   leads      id => firm_id
#   idem       scope|key_hash => lead_id
#   deliveries id => the lead in its body (data.id), parsed here in Perl
#   attempts   id => delivery_id
sub snapshot {
    my ($site) = @_;
    my %s;
    $s{leads} = { map { $_->[0] => $_->[1] } $site->sql('SELECT id, firm_id FROM leads') };
    $s{idem} = { map {; "$_->[0]|$_->[1]" => $_->[2] }
                 $site->sql('SELECT scope, key_hash, lead_id FROM idempotency_keys') };
    for my $row ($site->sql('SELECT id, body FROM webhook_deliveries')) {
        my $ev = eval { $JSON->decode($row->[1]) } || {};
        $s{deliveries}{ $row->[0] } = ref $ev->{data} eq 'HASH' ? $ev->{data}{id} // '' : '';
    }
    $s{deliveries} //= {};
    $s{attempts} = { map { $_->[0] => $_->[1] } $site->sql('SELECT id, delivery_id FROM webhook_attempts') };
    return \%s;
}

# What a snapshot should hold once the leads `gone` (a list of ids) are
# erased: everything else, untouched.
sub without {
    my ($s, @gone) = @_;
    my %gone = map { $_ => 1 } @gone;
    my %e;
    $e{leads} = { map { $_ => $s->{leads}{$_} } grep { !$gone{$_} } keys %{ $s->{leads} } };
    $e{idem} = { map { $_ => $s->{idem}{$_} } grep { !$gone{ $s->{idem}{$_} } } keys %{ $s->{idem} } };
    $e{deliveries} = { map { $_ => $s->{deliveries}{$_} }
                       grep { !$gone{ $s->{deliveries}{$_} } } keys %{ $s->{deliveries} } };
    $e{attempts} = { map { $_ => $s->{attempts}{$_} }
                     grep { exists $e{deliveries}{ $s->{attempts}{$_} } } keys %{ $s->{attempts} } };
    return \%e;
}

# The counts `lead erase --json` should report for erasing `gone`.
sub erased_counts {
    my ($before, @gone) = @_;
    my $after = without($before, @gone);
    return { map { my $t = $_->[1]; $_->[0] => keys(%{ $before->{$t} }) - keys(%{ $after->{$t} }) }
             [ leads => 'leads' ], [ idempotency_keys => 'idem' ],
             [ webhook_deliveries => 'deliveries' ], [ webhook_attempts => 'attempts' ] };
}

# lead erase --json: exit 0, one object; the database then holds exactly
# `before` without the leads `gone`, which is also what the counts say.
# Returns the object printed.
sub erase_ok {
    my ($site, $what, $gone, @args) = @_;
    my $j;
    subtest $what => sub {
        my $before = snapshot($site);
        my $r = $site->ctl_run('--json', 'lead', 'erase', @args);
        is($r->{rc}, 0, 'exit 0') or diag $r->{err};
        $j = eval { $JSON->decode($r->{out}) };
        is_deeply($j, erased_counts($before, @$gone), 'the counts per table') or diag $r->{out};
        my $after = snapshot($site);
        my $want = without($before, @$gone);
        for my $t (qw(leads idem deliveries attempts)) {
            is_deeply($after->{$t}, $want->{$t}, "$t: exactly the erased leads' rows are gone");
        }
    };
    return $j || {};
}

sub usage_error_ok {
    my ($site, $what, @args) = @_;
    subtest "$what -> exit 2" => sub {
        my $before = snapshot($site);
        my $r = $site->ctl_run('lead', 'erase', @args);
        is($r->{rc}, 2, 'exit 2 (usage)');
        like($r->{err}, qr/\S/, 'a message on stderr');
        is($r->{out}, '', 'nothing on stdout');
        is_deeply(snapshot($site), $before, 'nothing changed');
    };
}

sub create_ok {
    my ($site, $key, $lead, $idem) = @_;
    my $r = $site->create($key, { first_name => 'Ada', last_name => 'Lovelace', source => 'web', %$lead },
                          $idem ? { 'Idempotency-Key' => $idem } : {});
    is($r->{status}, 201, 'create ' . ($lead->{email} // $lead->{phone} // '') . ': 201') or diag $r->{body};
    return ref $r->{json} eq 'HASH' ? $r->{json}{id} : undef;
}

# `leadsctl --json status` against SQL, each count its own test.
sub status_ok {
    my ($site, $what) = @_;
    subtest $what => sub {
        my $r = $site->ctl_run('--json', 'status');
        is($r->{rc}, 0, 'status --json: exit 0') or diag $r->{err};
        my $j = eval { $JSON->decode($r->{out}) } || {};
        my $latest = latest_migration($site->backend);
        is($j->{schema_version}, 0 + $site->sql1('SELECT MAX(version) FROM leads_schema'), 'schema_version');
        is($j->{latest_version}, $latest, "latest_version ($latest, the newest file in sql/)");
        ok($j->{schema_is_latest}, 'schema_is_latest');
        my %sql = (
            firms    => 'SELECT COUNT(*) FROM firms',
            api_keys => 'SELECT COUNT(*) FROM api_keys',
            sources  => 'SELECT COUNT(*) FROM sources',
        );
        is($j->{$_}, 0 + $site->sql1($sql{$_}), $_) for sort keys %sql;
        my $t = $site->backend eq 'pgsql' ? 'true' : '1';
        my $f = $site->backend eq 'pgsql' ? 'false' : '0';
        is_deeply($j->{webhook_endpoints},
                  { enabled => 0 + $site->sql1("SELECT COUNT(*) FROM webhook_endpoints WHERE enabled = $t"),
                    disabled => 0 + $site->sql1("SELECT COUNT(*) FROM webhook_endpoints WHERE enabled = $f") },
                  'webhook_endpoints: enabled, disabled');
        my $pending = 0 + $site->sql1("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'");
        is_deeply($j->{deliveries},
                  { pending => $pending,
                    failed => 0 + $site->sql1("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'failed'") },
                  'deliveries: pending, failed');
        return $j;
    };
    my $r = $site->ctl_run('--json', 'status');
    return eval { $JSON->decode($r->{out}) } || {};
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend, conf => \@CONF);
        my $started = time;

        subtest 'status on a fresh database' => sub {
            my $j = status_ok($site, 'the counts are SQL\'s');
            is($j->{oldest_pending_seconds}, undef, 'no pending delivery: oldest_pending_seconds null');
            my $r = $site->ctl_run('status');
            is($r->{rc}, 0, 'status: exit 0') or diag $r->{err};
            like($r->{out}, qr/^schema version: \d+ \(the latest this leadsctl knows\)$/m, 'the schema line');
            like($r->{out}, qr/^firms: 0$/m, 'firms: 0');
            like($r->{out}, qr/^oldest pending delivery: none$/m, 'oldest pending delivery: none');
        };

        my $A = $site->provision(name => 'Firm A');
        my $B = $site->provision(name => 'Firm B');
        my $rcv = Receiver->new(dir => LeadsTest::tmp() . '/receivers', paths => { '/a-fail' => { status => 500 } });
        $site->ctl('webhook', 'add', '--firm', $A->{firm}, '--url', $rcv->url('/a-ok'));
        $site->ctl('webhook', 'add', '--firm', $A->{firm}, '--url', $rcv->url('/a-fail'));
        $site->ctl('webhook', 'add', '--firm', $B->{firm}, '--url', $rcv->url('/b-ok'));
        my $off = $site->ctl_json('webhook', 'add', '--firm', $B->{firm}, '--url', $rcv->url('/b-off'));
        $site->ctl('webhook', 'disable', $off->{id});

        # Firm A: two leads of ada@ (one written in capitals), one of them
        # with a phone; other leads; one whose data mentions the first
        # lead's id (its deliveries hold that id, but are not about it).
        # Firm B: the same email and phone numbers.
        my %id;
        $id{a_ada1} = create_ok($site, $A->{key}, { email => 'Ada@Example.COM' }, 'erase-a1');
        $id{a_ada2} = create_ok($site, $A->{key}, { email => 'ada@example.com', phone => '(555) 123-4567' }, 'erase-a2');
        $id{a_other} = create_ok($site, $A->{key}, { email => 'other@example.com' }, 'erase-a3');
        $id{a_mention} = create_ok($site, $A->{key}, { email => 'mention@example.com',
                                                       data => { notes => $id{a_ada1} // 'none' } }, 'erase-a4');
        $id{a_phone} = create_ok($site, $A->{key}, { phone => '555.987.6543' });
        $id{a_intl} = create_ok($site, $A->{key}, { phone => '+44 20 7946 0958' }, 'erase-a6');
        $id{b_ada} = create_ok($site, $B->{key}, { email => 'ada@example.com' }, 'erase-a1');
        $id{b_phone} = create_ok($site, $B->{key}, { phone => '+1 555 987 6543' }, 'erase-b2');
        $id{b_intl} = create_ok($site, $B->{key}, { phone => '+442079460958' });
        if (grep { !defined } values %id) { fail('every create gave a lead id'); return }

        # A: 6 leads x 2 endpoints, B: 3 leads x 1 (the disabled endpoint gets none).
        my $settled = wait_for($WAIT, sub {
            $site->sql1('SELECT COUNT(*) FROM webhook_deliveries') == 15
              && $site->sql1("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'") == 0
        });
        ok($settled, 'every delivery is delivered or failed')
            or diag join ' ', map { "@$_" } $site->sql('SELECT status, attempts, COUNT(*) FROM webhook_deliveries GROUP BY status, attempts');
        cmp_ok($site->sql1('SELECT COUNT(*) FROM webhook_attempts'), '>', 15, 'failed deliveries have several attempts');
        is($site->sql1("SELECT COUNT(*) FROM idempotency_keys WHERE lead_id IS NOT NULL"), 7,
           'seven Idempotency-Key records, each with its lead');

        subtest 'status after the deliveries' => sub {
            my $j = status_ok($site, 'the counts are SQL\'s');
            is($j->{webhook_endpoints}{disabled}, 1, 'one disabled endpoint');
            is($j->{deliveries}{failed}, 6, 'six failed deliveries (firm A\'s /a-fail)');
            my $r = $site->ctl_run('status');
            like($r->{out}, qr/^webhook endpoints: 3 enabled, 1 disabled$/m, 'webhook endpoints: 3 enabled, 1 disabled');
            like($r->{out}, qr/^deliveries failed: 6$/m, 'deliveries failed: 6');
            like($r->{out}, qr/^firms: 2$/m, 'firms: 2');
        };

        my $j = erase_ok($site, 'erase --email in firm A: its two ada@ leads, not firm B\'s, not the lead that mentions one',
                         [ @id{qw(a_ada1 a_ada2)} ], '--firm', $A->{firm}, '--email', '  ADA@example.com ');
        is_deeply($j, { leads => 2, idempotency_keys => 2, webhook_deliveries => 4, webhook_attempts => 6 },
                  '2 leads, their 2 Idempotency-Key records, 2 x 2 deliveries, 2 x 3 failed attempts'
                  . ' (a success is recorded on its delivery row, not as an attempt row)');
        ok(!$site->sql1("SELECT COUNT(*) FROM webhook_deliveries WHERE body LIKE '%$id{a_ada1}%' "
                        . "AND firm_id = '$B->{firm}'"), 'firm B never had deliveries of firm A\'s lead');
        is($site->count_leads("id = '$id{b_ada}'"), 1, 'firm B\'s ada@ lead is still there');

        subtest 'plain output: the number of leads, alone' => sub {
            my $r = $site->ctl_run('lead', 'erase', '--firm', $A->{firm}, '--email', 'ada@example.com');
            is($r->{rc}, 0, 'nothing left to match: exit 0') or diag $r->{err};
            is($r->{out}, "0\n", 'prints 0');
        };

        erase_ok($site, 'erase --phone, national, with --region US (as LeadsPhoneRegion stored it)',
                 [ $id{a_phone} ], '--firm', $A->{firm}, '--phone', '(555) 987-6543', '--region', 'us');
        is($site->count_leads("id = '$id{b_phone}'"), 1, 'firm B\'s lead with that number is still there');
        erase_ok($site, 'erase --phone in E.164, written with spaces', [ $id{a_intl} ],
                 '--firm', $A->{firm}, '--phone', '+44 20 7946 0958');
        is($site->count_leads("id = '$id{b_intl}'"), 1, 'firm B\'s lead with that number is still there');

        erase_ok($site, 'erase --id, in capitals', [ $id{a_other} ], '--firm', $A->{firm}, '--id', uc $id{a_other});
        erase_ok($site, 'erase --id of firm B\'s lead in firm A: nothing', [], '--firm', $A->{firm}, '--id', $id{b_ada});
        erase_ok($site, 'erase --id of a lead that is gone: nothing', [], '--firm', $A->{firm}, '--id', $id{a_other});
        erase_ok($site, 'erase --id in firm B', [ $id{b_ada} ], '--firm', $B->{firm}, '--id', $id{b_ada});
        is_deeply([ sort map { $_->[0] } $site->sql('SELECT id FROM leads') ],
                  [ sort @id{qw(a_mention b_phone b_intl)} ], 'the leads never erased are all still there');

        usage_error_ok($site, 'none of --id, --email, --phone', '--firm', $A->{firm});
        usage_error_ok($site, '--id and --email', '--firm', $A->{firm}, '--id', $id{a_mention}, '--email', 'mention@example.com');
        usage_error_ok($site, '--email and --phone', '--firm', $A->{firm}, '--email', 'a@example.com', '--phone', '+15551234567');
        usage_error_ok($site, '--id that is not a UUID', '--firm', $A->{firm}, '--id', 'lead-1');
        usage_error_ok($site, '--email that is not an address', '--firm', $A->{firm}, '--email', 'mention');
        usage_error_ok($site, '--phone that is not a number', '--firm', $A->{firm}, '--phone', 'call me');
        usage_error_ok($site, '--region without --phone', '--firm', $A->{firm}, '--email', 'mention@example.com',
                       '--region', 'US');
        usage_error_ok($site, '--region mod_leads does not know', '--firm', $A->{firm}, '--phone', '5559876543',
                       '--region', 'XX');
        subtest 'an unknown firm -> exit 1' => sub {
            my $r = $site->ctl_run('lead', 'erase', '--firm', '01890a5d-ac96-774b-bcce-b302099a8057',
                                   '--email', 'mention@example.com');
            is($r->{rc}, 1, 'exit 1');
            like($r->{err}, qr/no such firm/, 'no such firm');
            is($site->count_leads, 3, 'nothing erased');
        };

        subtest 'status with a pending delivery: its age' => sub {
            $site->stop;        # no deliverer: the row stays pending
            my $d = $site->sql1("SELECT id FROM webhook_deliveries WHERE status = 'delivered' ORDER BY created_at LIMIT 1");
            $site->ctl('webhook', 'retry', $d);
            my $j = status_ok($site, 'the counts are SQL\'s');
            is($j->{deliveries}{pending}, 1, 'one pending delivery');
            my $bound = int(time - $started) + 2;
            ok(defined $j->{oldest_pending_seconds} && $j->{oldest_pending_seconds} =~ /^\d+$/
               && $j->{oldest_pending_seconds} <= $bound,
               "oldest_pending_seconds: the age of its lead (0..$bound s)")
                or diag explain $j;
            my $r = $site->ctl_run('status');
            like($r->{out}, qr/^oldest pending delivery: \d+ s$/m, 'oldest pending delivery: N s');
            like($r->{out}, qr/^deliveries pending: 1$/m, 'deliveries pending: 1');
        };
    };
}

subtest 'status: a database that cannot be reached -> exit 1' => sub {
    my ($rc, $out, $err) = LeadsTest::run_cmd([ $LeadsTest::LEADSCTL, '--driver', 'sqlite3', '--params',
                                                LeadsTest::tmp() . '/no/such/dir/leads.db', 'status' ]);
    is($rc, 1, 'exit 1');
    like($err, qr/\S/, 'a message on stderr');
    is($out, '', 'nothing on stdout');
    if ($ENV{LEADS_TEST_PG_PORT}) {
        my $port = LeadsTest::free_port();
        ($rc, $out, $err) = LeadsTest::run_cmd([ $LeadsTest::LEADSCTL, '--driver', 'pgsql', '--params',
            "host=127.0.0.1 port=$port dbname=x user=postgres connect_timeout=2", 'status' ]);
        is($rc, 1, 'pgsql on a port nobody listens on: exit 1');
    }
};

done_testing;
