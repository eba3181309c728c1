# docs/api.md §4 (create a lead; the 201 body: §4.4), the seed's example: what a 201 looks like and
# what lands in the database.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP ();
use Time::Local qw(timegm);
use LeadsTest qw(backends uuid_re timestamp_re json_key_order);

my @SEED_ORDER = qw(id first_name last_name email phone source status
                    assignee_id archived created_at last_activity_at data);

sub lead {
    return { first_name => 'Ada', last_name => 'Lovelace',
             email => 'ada@example.com', source => 'partner_referral', @_ };
}

sub created_ok {
    my ($r, $what) = @_;
    is($r->{status}, 201, "$what: 201 Created")
        or diag "body: $r->{body}";
    return $r->{json} || {};
}

sub epoch_of {
    my ($ts) = @_;
    my ($y, $m, $d, $H, $M, $S) = $ts =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)/ or return 0;
    return timegm($S, $M, $H, $d, $m - 1, $y);
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend);
        my $p = $site->provision(name => 'Lovelace & Babbage LLP');

        subtest "the seed's example gets 201 and the lead in the seed's exact shape" => sub {
            my $before = $site->count_leads;
            my $t0 = time;
            my $r = $site->create($p->{key}, {
                first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com',
                source => 'partner_referral', data => { caseType => 'Family' },
            }, { 'Idempotency-Key' => "9d2b7c1e-5a4b-4c3d-8e2f-$backend" });
            my $j = created_ok($r, 'seed example');
            like($r->{headers}{'content-type'} // '', qr{^application/json\b}i,
                 'Content-Type: application/json');
            is_deeply([ json_key_order($r->{body}) ], \@SEED_ORDER,
                      'keys in the seed order, nothing more');
            like($j->{id} // '', uuid_re(), 'id is a UUID');
            is(substr($j->{id} // '', 14, 1), '7', 'id is a UUIDv7 (version nibble 7)');
            like(substr($j->{id} // '', 19, 1), qr/^[89ab]$/, 'id has the RFC 4122 variant');
            is($j->{first_name}, 'Ada', 'first_name');
            is($j->{last_name}, 'Lovelace', 'last_name');
            is($j->{email}, 'ada@example.com', 'email');
            is($j->{phone}, '', 'phone is "" when absent');
            is($j->{source}, 'partner_referral', 'source');
            is_deeply($j->{status}, { key => 'new', name => 'New' },
                      'status is the first open stage {key, name}');
            my ($status_obj) = $r->{body} =~ /"status"\s*:\s*(\{[^}]*\})/;
            is_deeply([ json_key_order($status_obj // '') ], [qw(key name)],
                      'status keys in order key, name');
            ok(exists $j->{assignee_id} && !defined $j->{assignee_id}, 'assignee_id is null');
            ok(JSON::PP::is_bool($j->{archived}) && !$j->{archived}, 'archived is false (a JSON boolean)');
            like($j->{created_at} // '', timestamp_re(), 'created_at is UTC with milliseconds');
            is($j->{last_activity_at}, $j->{created_at}, 'last_activity_at == created_at');
            my $e = epoch_of($j->{created_at} // '');
            ok(abs($e - $t0) <= 5, "created_at is now (UTC): $j->{created_at}");
            is_deeply($j->{data}, { caseType => 'Family' }, 'data holds the stored field');
            like($r->{headers}{'x-request-id'} // '', qr/\S/, 'X-Request-Id');
            is($r->{headers}{'lawfficient-version'}, '2026-07-01', 'Lawfficient-Version');
            is($site->count_leads, $before + 1, 'one row more in leads');
            is($site->count_leads("id = '$j->{id}' AND firm_id = '$p->{firm}'"
                                  . " AND stage_id = '$p->{stages}{new}'"), 1,
               'the row has this id, the key\'s firm and the first open stage');
        };

        subtest 'ids are time-ordered (UUIDv7): a later lead sorts after an earlier one' => sub {
            my $a = created_ok($site->create($p->{key}, lead()), 'first');
            select undef, undef, undef, 0.01;
            my $b = created_ok($site->create($p->{key}, lead()), 'second');
            isnt($a->{id}, $b->{id}, 'distinct ids');
            ok(($a->{id} // '') lt ($b->{id} // ''), "$a->{id} < $b->{id}");
        };

        subtest 'first open stage = lowest position among open stages (not the first added)' => sub {
            my $q = $site->provision(name => 'Reordered', stages => [
                [ 'archive', 'Archive', 0, 1 ],   # lowest position but closed
                [ 'qualify', 'Qualify', 7, 0 ],
                [ 'intake',  'Intake',  3, 0 ],
                [ 'done',    'Done',    1, 1 ],
            ]);
            my $j = created_ok($site->create($q->{key}, lead(data => { caseType => 'Criminal' })),
                               'reordered firm');
            is_deeply($j->{status}, { key => 'intake', name => 'Intake' }, 'status is Intake (position 3)');
            is($site->count_leads("id = '$j->{id}' AND stage_id = '$q->{stages}{intake}'"), 1,
               'stored in the Intake stage');
            is($site->count_leads("firm_id = '$q->{firm}'"), 1, 'stored under the key\'s firm');
        };

        subtest 'an assignee who is a member of this firm is accepted and returned' => sub {
            my $j = created_ok($site->create($p->{key}, lead(assignee_id => $p->{member})), 'assigned');
            is($j->{assignee_id}, $p->{member}, 'assignee_id returned');
            is($site->count_leads("id = '$j->{id}' AND assignee_id = '$p->{member}'"), 1,
               'assignee_id stored');
            $j = created_ok($site->create($p->{key}, lead(assignee_id => undef)), 'assignee_id null');
            ok(exists $j->{assignee_id} && !defined $j->{assignee_id}, 'null stays null');
        };

        subtest 'a phone-only lead is reachable and accepted' => sub {
            my $body = lead(phone => '+1 415 555 0100');
            delete $body->{email};
            my $j = created_ok($site->create($p->{key}, $body), 'phone only');
            is($j->{email}, '', 'email is ""');
            is($j->{phone}, '+14155550100', 'phone starting with + is brought to E.164');
        };

        subtest 'email is stored lowercased' => sub {
            my $j = created_ok($site->create($p->{key}, lead(email => 'Ada.Lovelace@Example.COM')), 'mixed case');
            is($j->{email}, 'ada.lovelace@example.com', 'lowercased in the answer');
            is($site->sql1("SELECT email FROM leads WHERE id = '$j->{id}'"),
               'ada.lovelace@example.com', 'lowercased in the database');
        };

        subtest 'names, source, email and phone are trimmed' => sub {
            my $j = created_ok($site->create($p->{key}, lead(
                first_name => "  Ada\t", last_name => " Lovelace ", source => ' web ',
                email => ' ada@example.com  ', phone => ' +44 20 7946 0958 ')), 'padded');
            is($j->{first_name}, 'Ada', 'first_name trimmed');
            is($j->{last_name}, 'Lovelace', 'last_name trimmed');
            is($j->{source}, 'web', 'source trimmed');
            is($j->{email}, 'ada@example.com', 'email trimmed');
            is($j->{phone}, '+442079460958', 'phone trimmed and normalized');
            is($site->sql1("SELECT first_name FROM leads WHERE id = '$j->{id}'"), 'Ada',
               'stored trimmed');
        };

        subtest 'without LeadsPhoneRegion a national number is kept as given; +… becomes E.164' => sub {
            my $j = created_ok($site->create($p->{key}, lead(phone => '(415) 555-0100')), 'national');
            is($j->{phone}, '(415) 555-0100', 'kept as given');
            is($site->sql1("SELECT phone FROM leads WHERE id = '$j->{id}'"), '(415) 555-0100',
               'stored as given');
            $j = created_ok($site->create($p->{key}, lead(phone => '+44 20 7946 0958')), 'international');
            is($j->{phone}, '+442079460958', '+44 20 7946 0958 -> +442079460958');
        };

        subtest 'data: every field type is stored and returned; null data means {}' => sub {
            my $r = $site->create($p->{key}, lead(data => {
                caseType => 'Immigration', notes => 'Met at the fair', amount => 1250.5,
                urgent => JSON::PP::true, incidentDate => '2024-02-29' }));
            my $j = created_ok($r, 'all types');
            is_deeply($j->{data}, { caseType => 'Immigration', notes => 'Met at the fair',
                                    amount => 1250.5, urgent => JSON::PP::true,
                                    incidentDate => '2024-02-29' }, 'data returned');
            ok(JSON::PP::is_bool($j->{data}{urgent}), 'boolean stays a JSON boolean');
            like($r->{body}, qr/"amount"\s*:\s*1250\.5\b/, 'number stays a JSON number');
            is($site->sql1('SELECT ' . $site->data_sql('caseType') . " FROM leads WHERE id = '$j->{id}'"),
               'Immigration', 'data stored in the database');
            $j = created_ok($site->create($p->{key}, lead(data => undef)), 'data null');
            is_deeply($j->{data}, {}, 'data null -> {}');
            $j = created_ok($site->create($p->{key}, lead()), 'no data');
            is_deeply($j->{data}, {}, 'no data -> {}');
        };

        $site->stop;

        subtest 'with LeadsPhoneRegion US national numbers are brought to E.164' => sub {
            my $us = LeadsTest->site(backend => $backend, conf => 'LeadsPhoneRegion US');
            my $q = $us->provision;
            my $j = created_ok($us->create($q->{key}, lead(phone => '(415) 555-0100')), 'US national');
            is($j->{phone}, '+14155550100', '(415) 555-0100 -> +14155550100');
            is($us->sql1("SELECT phone FROM leads WHERE id = '$j->{id}'"), '+14155550100',
               'stored in E.164');
            $j = created_ok($us->create($q->{key}, lead(phone => '+44 20 7946 0958')), 'UK international');
            is($j->{phone}, '+442079460958', '+44 20 7946 0958 -> +442079460958');
            $j = created_ok($us->create($q->{key}, lead(phone => '415.555.0100')), 'dotted');
            is($j->{phone}, '+14155550100', '415.555.0100 -> +14155550100');
            is_deeply([ $us->crashes ], [], 'no child crashed');
            $us->stop;
        };

        is_deeply([ $site->crashes ], [], 'no child crashed');
    };
}

done_testing;
