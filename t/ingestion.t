# docs/api.md §6 (ingestion mode): a source's lik_ key turns POST /api/leads into
# an inbound webhook: the source's mapping (JSON paths, form fields,
# defaults), validation as in API mode with the payload path named,
# externalId dedupe (also under concurrency), the lead.created outbox row,
# the per-key rate limit, Idempotency-Key scoped to the source (§5),
# disabled and deleted sources (§2) and the body errors (§7.2).
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP ();
use POSIX ();
use Encode ();
use LeadsTest qw(backends uuid_re json_key_order in_children);

my $FORM = 'application/x-www-form-urlencoded';
my $JSON = JSON::PP->new->utf8->canonical;

# A started site.  SQLite: wait until httpd (www-data) has opened the
# database and made its -wal file before leadsctl (root) runs again; a
# leadsctl running at the moment the deliverer first opens the file leaves
# a root-owned -wal behind, and that httpd connection then fails every
# write with "attempt to write a readonly database" (a harness race, not
# what this file tests).
sub new_site {
    my (%o) = @_;
    my $site = LeadsTest->site(%o);
    if ($site->backend eq 'sqlite3') {
        my $wal = $site->params . '-wal';
        my $www = (getpwnam 'www-data')[2];
        my $deadline = time + 5;
        select undef, undef, undef, 0.02
            until ((stat $wal)[4] // -1) == $www || time > $deadline;
    }
    return $site;
}

# leadsctl --json source add: {id, key}.
sub add_source {
    my ($site, $firm, $name, @maps) = @_;
    my $s = $site->ctl_json('source', 'add', '--firm', $firm, '--name', $name,
                            map { ('--map', $_) } @maps);
    die "source add --json gave no id/key" unless $s->{id} && ($s->{key} // '') =~ /^lik_/;
    return $s;
}

# A form body (bytes as given) with an ingestion key.
sub post_form {
    my ($site, $key, $body, $headers) = @_;
    return $site->post('/api/leads', { Authorization => "Bearer $key",
                                       'Content-Type' => $FORM, %{ $headers || {} } }, $body);
}

sub person { return { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com', @_ } }

# The ingestion answer: exactly {"status": $want, "leadId": uuid}.
sub ingest_ok {
    my ($r, $code, $want, $what) = @_;
    is($r->{status}, $code, "$what: status $code") or diag "body: $r->{body}";
    my $j = ref $r->{json} eq 'HASH' ? $r->{json} : {};
    is_deeply([ json_key_order($r->{body}) ], [qw(status leadId)],
              "$what: exactly the keys status, leadId") or diag "body: $r->{body}";
    is($j->{status}, $want, "$what: status is \"$want\"");
    like($j->{leadId} // '', uuid_re(), "$what: leadId is a UUID");
    like($r->{headers}{'content-type'} // '', qr{^application/json\b}i, "$what: Content-Type: application/json");
    return $j->{leadId} // '';
}
sub created_ok { my ($r, $what) = @_; ingest_ok($r, 201, 'created', $what) }

sub duplicate_ok {
    my ($r, $orig, $what) = @_;
    my $id = ingest_ok($r, 200, 'duplicate', $what);
    is($id, $orig, "$what: leadId is the original lead's");
    return $id;
}

sub error_ok {
    my ($r, $status, $code, $what) = @_;
    is($r->{status}, $status, "$what: status $status") or diag "body: $r->{body}";
    my $e = ref $r->{json} eq 'HASH' && ref $r->{json}{error} eq 'HASH' ? $r->{json}{error} : {};
    is($e->{code}, $code, "$what: code $code") if defined $code;
    like($e->{code} // '', qr/^[a-z_]+$/, "$what: the error envelope") unless defined $code;
    like($r->{headers}{'content-type'} // '', qr{^application/json\b}i, "$what: Content-Type: application/json");
    return $e;
}

# The lead row: {source, source_id, external_id, first_name, ..., data (decoded)}.
sub row {
    my ($site, $id) = @_;
    my @c = qw(source source_id external_id first_name last_name email phone firm_id stage_id);
    my $type = $site->backend eq 'mysql' ? 'CHAR' : 'TEXT';
    my ($r) = $site->sql('SELECT ' . join(', ', map { "COALESCE(CAST($_ AS $type), '<null>')" } @c)
                         . ", data FROM leads WHERE id = '$id'");
    return {} unless $r;
    my %h;
    @h{ @c, 'data_text' } = @$r;
    $h{$_} = $h{$_} eq '<null>' ? undef : Encode::decode('UTF-8', $h{$_}) for @c;
    $h{data} = eval { $JSON->decode($h{data_text}) } // {};
    return \%h;
}

# The problem in an error's details for lead field $field.
sub detail_for {
    my ($e, $field) = @_;
    my ($d) = grep { ref eq 'HASH' && ($_->{field} // '') eq $field } @{ $e->{details} || [] };
    return $d;
}

# $n forked clients POST the same JSON body at once (released together);
# returns [status, body] each.
sub parallel_posts {
    my ($site, $key, $body, $n) = @_;
    return map { [ split /\n/, $_, 2 ] } in_children($n, sub {
        my $r = eval { $site->create($key, $body) };
        $r ? "$r->{status}\n$r->{body}" : "0\n$@";
    });
}

sub deliveries { my ($site, $firm) = @_; 0 + $site->sql1("SELECT COUNT(*) FROM webhook_deliveries WHERE firm_id = '$firm'") }

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = new_site(backend => $backend, conf => 'LeadsRateLimit 0');
        my $p = $site->provision(name => 'Ingest & Partners');

        subtest 'an ingestion key switches the endpoint to ingestion mode: 201 {status, leadId}; an API key stays in API mode' => sub {
            my $src = add_source($site, $p->{firm}, 'Website form');
            my $before = $site->count_leads;
            my $r = $site->create($src->{key}, person(email => 'Ada@Example.COM', source => 'payload-source',
                                                      externalId => 'ext-1'));
            my $id = created_ok($r, 'lik_ key');
            is($r->{json}{status}, 'created', 'status "created"');
            like($r->{headers}{'x-request-id'} // '', qr/\S/, 'X-Request-Id');
            is($r->{headers}{'lawfficient-version'}, '2026-07-01', 'Lawfficient-Version');
            is($site->count_leads, $before + 1, 'one row more in leads');
            my $row = row($site, $id);
            is($row->{source}, 'Website form', "source is the source's name, not the payload's source");
            is($row->{source_id}, $src->{id}, 'source_id is the source');
            is($row->{external_id}, 'ext-1', 'external_id is the externalId');
            is($row->{firm_id}, $p->{firm}, "the source's firm");
            is($row->{stage_id}, $p->{stages}{new}, 'the first open stage');
            is($row->{first_name}, 'Ada', 'first_name');
            is($row->{email}, 'ada@example.com', 'email stored lowercased, as in API mode');

            $r = $site->create($p->{key}, person(source => 'payload-source'));
            is($r->{status}, 201, 'lak_ key on the same path: 201') or diag $r->{body};
            my $j = $r->{json} || {};
            like($j->{id} // '', uuid_re(), 'API mode answers the lead in full (id)');
            is($j->{source}, 'payload-source', "API mode: source from the body");
            ok(!exists $j->{leadId}, 'no leadId in API mode');
            is_deeply($j->{status}, { key => 'new', name => 'New' }, 'API mode: status is the stage');
            $row = row($site, $j->{id} // '');
            ok(!defined $row->{source_id}, 'API-mode row: source_id NULL');
            ok(!defined $row->{external_id}, 'API-mode row: external_id NULL');
        };

        subtest 'an ingestion key never gets API behaviour, an API key never ingestion behaviour' => sub {
            my $src = add_source($site, $p->{firm}, 'Strict-looking body');
            my $r = $site->create($src->{key}, person(source => 'web', campaign => 'spring', status => 'won',
                                                      id => 'x', data => { notes => 'hi', undefinedField => 1 }));
            my $id = created_ok($r, 'API-shaped body with unknown top-level fields');
            is(row($site, $id)->{source}, 'Strict-looking body', 'mapped: source is the source name');
            is_deeply(row($site, $id)->{data}, { notes => 'hi' }, 'data: only the firm\'s fields');

            $r = $site->create($p->{key}, person(source => 'web', externalId => 'api-1'));
            my $e = error_ok($r, 422, 'invalid_request', 'lak_ key with externalId');
            ok(detail_for($e, 'externalId'), 'externalId is an unknown field in API mode')
                or diag $r->{body};
            error_ok($site->post('/api/leads', { Authorization => "Bearer $p->{key}", 'Content-Type' => $FORM },
                                 'first_name=Ada&last_name=L&email=a%40b.co&source=web'),
                     415, 'unsupported_media_type', 'lak_ key with a form body');
        };

        subtest 'JSON: nested (contact.email) and indexed (items.0.value) paths' => sub {
            my $src = add_source($site, $p->{firm}, 'Partner JSON',
                'first_name=person.first', 'last_name=person.last', 'email=contact.email',
                'phone=contact.phones.1.number', 'external_id=meta.id',
                'data.caseType=items.0.value', 'data.notes=items.1.value');
            my $r = $site->create($src->{key}, {
                person  => { first => 'Grace', last => 'Hopper' },
                contact => { email => 'grace@example.com',
                             phones => [ { number => '+1 000' }, { number => '+44 20 7946 0958' } ] },
                meta    => { id => 'P-77' },
                items   => [ { value => 'Criminal' }, { value => 'via partner' } ],
                email   => 'decoy@example.com', first_name => 'Decoy',
            });
            my $id = created_ok($r, 'nested payload');
            my $row = row($site, $id);
            is($row->{first_name}, 'Grace', 'first_name from person.first (not the top-level field)');
            is($row->{last_name}, 'Hopper', 'last_name from person.last');
            is($row->{email}, 'grace@example.com', 'email from contact.email');
            is($row->{phone}, '+442079460958', 'phone from contact.phones.1.number, E.164');
            is($row->{external_id}, 'P-77', 'external_id from meta.id');
            is_deeply($row->{data}, { caseType => 'Criminal', notes => 'via partner' },
                      'data from items.0.value and items.1.value');
        };

        subtest 'defaults: an unmapped target reads the same-named top-level field; externalId for external_id' => sub {
            my $src = add_source($site, $p->{firm}, 'Defaults', 'email=contact.email');
            my $r = $site->create($src->{key}, {
                first_name => 'Katherine', last_name => 'Johnson', phone => '+1 415 555 0100',
                contact => { email => 'kj@example.com' }, email => 'decoy@example.com',
                external_id => 'not-this', externalId => 'this-one',
                data => { amount => 12.5, urgent => JSON::PP::true },
            });
            my $id = created_ok($r, 'default paths');
            my $row = row($site, $id);
            is($row->{first_name}, 'Katherine', 'first_name from first_name');
            is($row->{last_name}, 'Johnson', 'last_name from last_name');
            is($row->{phone}, '+14155550100', 'phone from phone');
            is($row->{email}, 'kj@example.com', 'the mapped email wins over the top-level one');
            is($row->{external_id}, 'this-one', 'external_id from externalId (not external_id)');
            is($row->{data}{amount}, 12.5, 'data.amount from data.amount');
            ok(JSON::PP::is_bool($row->{data}{urgent}) && $row->{data}{urgent}, 'data.urgent true');
        };

        subtest 'JSON numbers become text for string targets (phone, externalId)' => sub {
            my $src = add_source($site, $p->{firm}, 'Numbers');
            my $body = person(phone => 4155550100, externalId => 123);
            delete $body->{email};
            my $r = $site->create($src->{key}, $body);
            my $id = created_ok($r, 'numeric phone and externalId');
            my $row = row($site, $id);
            is($row->{phone}, '4155550100', 'phone 4155550100 -> "4155550100" (no LeadsPhoneRegion)');
            is($row->{external_id}, '123', 'externalId 123 -> "123"');
            duplicate_ok($site->create($src->{key}, person(externalId => '123')), $id,
                         'externalId "123" repeats externalId 123');
        };

        subtest 'form bodies: percent-decoding, + as space, the first of repeated names' => sub {
            my $src = add_source($site, $p->{firm}, 'Web form',
                'first_name=fname', 'email=contact_email', 'external_id=ref');
            my $body = join '&', 'fname=Mary+Ann', 'last_name=Jos%C3%A9+O%27Brien', 'contact_email=Mary%40Example.com',
                'phone=%2B1+415+555+0100', 'ref=F-1', 'fname=Second', 'first_name=Unmapped', 'ignored%5B%5D=x';
            my $id = created_ok(post_form($site, $src->{key}, $body), 'form body');
            my $row = row($site, $id);
            is($row->{first_name}, 'Mary Ann', '+ is a space; the first fname wins over a repeat');
            is($row->{last_name}, "José O'Brien", '%C3%A9 and %27 decoded');
            is($site->stored_hex($id, 'last_name'), unpack('H*', "Jos\xc3\xa9 O'Brien"), 'stored as UTF-8 bytes');
            is($row->{email}, 'mary@example.com', 'email from contact_email, %40 decoded, lowercased');
            is($row->{phone}, '+14155550100', 'phone decoded and normalized');
            is($row->{external_id}, 'F-1', 'external_id from ref');
            is($row->{source}, 'Web form', 'source is the source name');
            duplicate_ok(post_form($site, $src->{key}, 'ref=F-1&fname=Other&last_name=X&contact_email=x%40y.co'),
                         $id, 'form repeat of ref=F-1');
            $id = created_ok(post_form($site, $src->{key},
                                       'fname=A&last_name=B&contact_email=a%40b.co&contact_email=zzz'
                                       . '&ref=F-2', { 'Content-Type' => "$FORM; charset=UTF-8" }),
                             'form with a charset parameter');
            is(row($site, $id)->{email}, 'a@b.co', 'the first of repeated contact_email');
        };

        subtest 'form values are converted for data fields typed number and boolean' => sub {
            my $src = add_source($site, $p->{firm}, 'Typed form', 'data.amount=amount',
                                 'data.urgent=urgent', 'data.notes=notes', 'data.caseType=case');
            my $r = post_form($site, $src->{key},
                'first_name=Ada&last_name=L&email=ada%40example.com&amount=1250.5&urgent=yes&notes=42&case=Family');
            my $id = created_ok($r, 'typed form');
            my $row = row($site, $id);
            is_deeply($row->{data}, { amount => 1250.5, urgent => JSON::PP::true, notes => '42', caseType => 'Family' },
                      'data: amount a number, urgent true, notes (text) stays "42"') or diag $row->{data_text};
            like($row->{data_text}, qr/"amount"\s*:\s*1250\.5\b/, 'amount stored as a JSON number');
            ok(JSON::PP::is_bool($row->{data}{urgent}), 'urgent stored as a JSON boolean');
            like($row->{data_text}, qr/"notes"\s*:\s*"42"/, 'a text field keeps the string');
            $row = row($site, created_ok(post_form($site, $src->{key},
                'first_name=Ada&last_name=L&email=ada%40example.com&amount=-4&urgent=OFF'), 'urgent=OFF'));
            ok(JSON::PP::is_bool($row->{data}{urgent}) && !$row->{data}{urgent}, 'urgent=OFF -> false')
                or diag $row->{data_text};
            is($row->{data}{amount}, -4, 'amount=-4 -> -4');
            $row = row($site, created_ok(post_form($site, $src->{key},
                'first_name=Ada&last_name=L&email=ada%40example.com&amount=&urgent=+&data.incidentDate=2024-02-29'),
                'empty typed values, an unmapped field by its default name'));
            is_deeply($row->{data}, { incidentDate => '2024-02-29' },
                      'empty number/boolean values are absent; data.incidentDate read from the form field "data.incidentDate"')
                or diag $row->{data_text};
            my $e = error_ok(post_form($site, $src->{key},
                'first_name=Ada&last_name=L&email=ada%40example.com&amount=lots'), 422, 'invalid_request',
                'amount=lots');
            my $d = detail_for($e, 'data.amount');
            ok($d, 'detail for data.amount') or diag explain $e;
            is($d->{path}, 'amount', 'its path is the form field amount') if $d;
        };

        subtest 'the mapped lead is validated as in API mode; details name the field and the source path' => sub {
            my $src = add_source($site, $p->{firm}, 'Validated', 'first_name=person.first',
                                 'email=contact.email', 'data.caseType=items.0.value');
            my $before = $site->count_leads;
            my $r = $site->create($src->{key}, { person => {}, contact => {}, unrelated => [1, 2],
                                                 items => [ { value => 'Bogus' } ] });
            my $e = error_ok($r, 422, 'invalid_request', 'missing mapped fields');
            my %want = (first_name => 'person.first', last_name => 'last_name', email => 'contact.email',
                        'data.caseType' => 'items.0.value');
            for my $f (sort keys %want) {
                my $d = detail_for($e, $f);
                ok($d, "a detail for $f") or next;
                is($d->{path}, $want{$f}, "$f: path $want{$f}");
                like($d->{issue} // '', qr/\S/, "$f: an issue");
            }
            ok(!grep({ ($_->{field} // '') =~ /unrelated|person|contact|items/ } @{ $e->{details} || [] }),
               'no detail for payload members the mapping does not use') or diag $r->{body};
            ok(!grep({ ($_->{field} // '') eq 'source' } @{ $e->{details} || [] }),
               'no detail for source (the source name is used)');

            $e = error_ok($site->create($src->{key}, { person => { first => 'Ada' }, last_name => 'L',
                                                       contact => { email => 'not an email' } }),
                          422, 'invalid_request', 'invalid mapped email');
            is_deeply([ map { [ $_->{field}, $_->{path} ] } @{ $e->{details} || [] } ],
                      [ [ 'email', 'contact.email' ] ], 'one detail: email from contact.email')
                or diag explain $e;
            is($site->count_leads, $before, 'no row written');

            my $q = $site->provision(name => 'Elsewhere', no_key => 1);
            my $as = add_source($site, $p->{firm}, 'Assigning', 'assignee_id=owner.id');
            my $id = created_ok($site->create($as->{key}, person(owner => { id => $p->{member} })),
                                'assignee_id from owner.id, a member of the firm');
            is($site->count_leads("id = '$id' AND assignee_id = '$p->{member}'"), 1, 'assignee_id stored');
            $e = error_ok($site->create($as->{key}, person(owner => { id => $q->{member} })), 422,
                          'invalid_request', "another firm's member");
            my $d = detail_for($e, 'assignee_id');
            is($d && $d->{path}, 'owner.id', 'detail: assignee_id from owner.id') or diag explain $e;
        };

        subtest 'dedupe: one lead per (source, externalId); none without externalId' => sub {
            my $src = add_source($site, $p->{firm}, 'Dedupe');
            my $id = created_ok($site->create($src->{key}, person(externalId => 'dup-1')), 'first');
            my $n = $site->count_leads;
            duplicate_ok($site->create($src->{key}, person(externalId => 'dup-1')), $id, 'repeat');
            duplicate_ok($site->create($src->{key}, person(first_name => 'Other', externalId => 'dup-1')),
                         $id, 'repeat with another body');
            is($site->count_leads, $n, 'no new row');
            is($site->count_leads("source_id = '$src->{id}' AND external_id = 'dup-1'"), 1, 'one row for dup-1');

            my $a = created_ok($site->create($src->{key}, person()), 'no externalId (1)');
            my $b = created_ok($site->create($src->{key}, person()), 'no externalId (2)');
            isnt($a, $b, 'two leads');
            is($site->count_leads, $n + 2, 'two rows');

            duplicate_ok($site->create($src->{key}, person(externalId => "  dup-1\t")), $id,
                         'externalId is trimmed: "  dup-1\\t" repeats dup-1');
            my $e = error_ok($site->create($src->{key}, person(externalId => JSON::PP::true)), 422,
                             'invalid_request', 'externalId true');
            my $d = detail_for($e, 'external_id');
            is($d && $d->{path}, 'externalId', 'detail: external_id from externalId') or diag $e && explain $e;
            is($site->count_leads, $n + 2, 'no row for the refused one');

            my $other = add_source($site, $p->{firm}, 'Dedupe 2');
            my $c = created_ok($site->create($other->{key}, person(externalId => 'dup-1')),
                               'same externalId on another source');
            isnt($c, $id, 'another lead');
            is($site->count_leads("external_id = 'dup-1'"), 2, 'two rows with external_id dup-1');
        };

        subtest 'lead.created: one outbox row per created lead, none for a duplicate' => sub {
            my $q = $site->provision(name => 'Hooked', no_key => 1);
            $site->ctl('webhook', 'add', '--firm', $q->{firm}, '--url', 'http://127.0.0.1:9/x');
            my $src = add_source($site, $q->{firm}, 'Hooked source');
            my $id = created_ok($site->create($src->{key}, person(externalId => 'w-1')), 'created');
            is(deliveries($site, $q->{firm}), 1, 'one delivery row');
            my $row = $site->sql1("SELECT body FROM webhook_deliveries WHERE firm_id = '$q->{firm}'"
                                  . " AND event_type = 'lead.created'");
            my $ev = eval { $JSON->decode($row // '') } || {};
            is($ev->{type}, 'lead.created', 'event type lead.created');
            is($ev->{data}{id}, $id, 'event data.id is the leadId');
            is($ev->{data}{source}, 'Hooked source', 'event data.source is the source name');
            duplicate_ok($site->create($src->{key}, person(externalId => 'w-1')), $id, 'duplicate');
            is(deliveries($site, $q->{firm}), 1, 'no delivery row for a duplicate');
            created_ok($site->create($src->{key}, person(externalId => 'w-2')), 'another');
            is(deliveries($site, $q->{firm}), 2, 'a second row for a second lead');
        };

        subtest '30 concurrent posts with one externalId make one lead' => sub {
            my $q = $site->provision(name => 'Concurrent', no_key => 1);
            $site->ctl('webhook', 'add', '--firm', $q->{firm}, '--url', 'http://127.0.0.1:9/x');
            my $src = add_source($site, $q->{firm}, 'Burst');
            my @res = parallel_posts($site, $src->{key}, person(externalId => 'burst-1'), 30);
            my %st;
            $st{ $_->[0] }++ for @res;
            my $summary = join ' ', map { "${_}x$st{$_}" } sort keys %st;
            is(scalar(grep { $_->[0] == 201 || $_->[0] == 200 } @res), 30, "all 201 or 200 ($summary)")
                or diag join "\n", map { "$_->[0] $_->[1]" } grep { $_->[0] !~ /^20[01]$/ } @res;
            is(scalar(grep { $_->[0] >= 500 || $_->[0] == 0 } @res), 0, 'no 5xx');
            is($st{201} // 0, 1, 'exactly one 201 created');
            my (%ids, @bad);
            for (@res) {
                next unless $_->[0] =~ /^20[01]$/;
                my $j = eval { $JSON->decode($_->[1]) } || {};
                $ids{ $j->{leadId} // '' }++;
                push @bad, "$_->[0] $_->[1]"
                    if ($j->{status} // '') ne ($_->[0] == 201 ? 'created' : 'duplicate');
            }
            is_deeply(\@bad, [], '201 says created, 200 says duplicate');
            is(scalar(keys %ids), 1, 'every answer names the same leadId') or diag explain \%ids;
            is($site->count_leads("source_id = '$src->{id}'"), 1, 'one lead row');
            my ($lead) = keys %ids;
            is($site->sql1("SELECT id FROM leads WHERE source_id = '$src->{id}'"), $lead,
               'it is the lead the answers name') if $lead;
            is(deliveries($site, $q->{firm}), 1, 'one delivery row');
        };

        subtest 'Idempotency-Key is scoped to the source' => sub {
            my $src = add_source($site, $p->{firm}, 'Idem A');
            my $body = person(first_name => 'Idem');
            my $n = $site->count_leads;
            my $r1 = $site->create($src->{key}, $body, { 'Idempotency-Key' => 'ik-1' });
            my $id = created_ok($r1, 'first use');
            ok(!defined $r1->{headers}{'idempotent-replayed'}, 'first use: not replayed');
            my $r2 = $site->create($src->{key}, $body, { 'Idempotency-Key' => 'ik-1' });
            is($r2->{status}, 201, 'same key, same body: status 201 replayed') or diag $r2->{body};
            is($r2->{body}, $r1->{body}, 'the same body');
            is($r2->{headers}{'idempotent-replayed'}, 'true', 'Idempotent-Replayed: true');
            my $r3 = $site->post('/api/leads', { Authorization => "Bearer $src->{key}", 'Idempotency-Key' => 'ik-1',
                                                 'Content-Type' => 'application/json' },
                                 qq({ "source":null, "email" : "ada\@example.com", "last_name":"Lovelace",\n "first_name":"Idem" }));
            error_ok($r3, 422, 'idempotency_key_reused', 'same key, a different body');
            my $r4 = $site->post('/api/leads', { Authorization => "Bearer $src->{key}", 'Idempotency-Key' => 'ik-1',
                                                 'Content-Type' => 'application/json' },
                                 qq({ "email" : "ada\@example.com", "last_name":"Lovelace",\n "first_name":"Idem" }));
            is($r4->{status}, 201, 'same key, the body re-serialized: replayed') or diag $r4->{body};
            is($r4->{body}, $r1->{body}, 'the same body');
            is($site->count_leads, $n + 1, 'one row');

            my $other = add_source($site, $p->{firm}, 'Idem B');
            my $o = created_ok($site->create($other->{key}, $body, { 'Idempotency-Key' => 'ik-1' }),
                               'the same key on another source');
            isnt($o, $id, 'creates its own lead');
            my $api = $site->create($p->{key}, person(source => 'web'), { 'Idempotency-Key' => 'ik-1' });
            is($api->{status}, 201, 'the same key with the firm\'s API key: 201') or diag $api->{body};
            ok(!defined $api->{headers}{'idempotent-replayed'}, '... not a replay');
            is($site->count_leads, $n + 3, 'three rows in all');

            my $form = 'first_name=Form&last_name=Idem&email=f%40example.com';
            my $f1 = post_form($site, $src->{key}, $form, { 'Idempotency-Key' => 'ik-form' });
            created_ok($f1, 'form, first use');
            my $f2 = post_form($site, $src->{key}, $form, { 'Idempotency-Key' => 'ik-form' });
            is($f2->{status}, 201, 'form, same key and body: 201');
            is($f2->{body}, $f1->{body}, 'form: the same body replayed');
            is($f2->{headers}{'idempotent-replayed'}, 'true', 'form: Idempotent-Replayed: true');
            is($site->count_leads, $n + 4, 'one row for the form');
        };

        subtest 'a disabled source answers 403 key_disabled, enabled works again, deleted 401 invalid_key' => sub {
            my $src = add_source($site, $p->{firm}, 'Revocable');
            my $id = created_ok($site->create($src->{key}, person()), 'enabled');
            $site->ctl('source', 'disable', $src->{id});
            my $n = $site->count_leads;
            error_ok($site->create($src->{key}, person()), 403, 'key_disabled', 'disabled (JSON)');
            error_ok(post_form($site, $src->{key}, 'first_name=A'), 403, 'key_disabled', 'disabled (form)');
            is($site->count_leads, $n, 'no row');
            $site->ctl('source', 'enable', $src->{id});
            created_ok($site->create($src->{key}, person()), 'enabled again');
            $site->ctl('source', 'delete', $src->{id});
            error_ok($site->create($src->{key}, person()), 401, 'invalid_key', 'deleted');
            error_ok($site->create('lik_' . ('x' x 40), person()), 401, 'invalid_key', 'an unknown lik_ key');
            is($site->count_leads("id = '$id'"), 1, "the deleted source's leads stay");
        };

        subtest 'body errors: 415 for text/plain, 400 for a bad form or bad JSON' => sub {
            my $src = add_source($site, $p->{firm}, 'Errors');
            my $n = $site->count_leads;
            error_ok($site->post('/api/leads', { Authorization => "Bearer $src->{key}", 'Content-Type' => 'text/plain' },
                                 'first_name=Ada'), 415, 'unsupported_media_type', 'text/plain');
            error_ok(post_form($site, $src->{key}, 'first_name=%G1&last_name=L&email=a%40b.co'), 400, undef, '%G1');
            error_ok(post_form($site, $src->{key}, 'first_name=A%2&last_name=L'), 400, undef, 'truncated %2');
            error_ok(post_form($site, $src->{key}, 'first_name=%FF&last_name=L&email=a%40b.co'), 400, undef,
                     'not UTF-8 (%FF)');
            error_ok($site->post('/api/leads', { Authorization => "Bearer $src->{key}" }, '{"first_name":'),
                     400, 'invalid_json', 'truncated JSON');
            error_ok($site->post('/api/leads', { Authorization => "Bearer $src->{key}" }, '["a"]'),
                     400, 'invalid_json', 'a JSON array');
            is($site->count_leads, $n, 'no row');
        };

        is_deeply([ $site->crashes ], [], 'no child crashed');
        $site->stop;

        subtest 'with LeadsPhoneRegion US a numeric phone is brought to E.164' => sub {
            my $us = new_site(backend => $backend, conf => "LeadsRateLimit 0\nLeadsPhoneRegion US");
            my $q = $us->provision(no_key => 1);
            my $src = add_source($us, $q->{firm}, 'US', 'phone=contact.tel');
            my $id = created_ok($us->create($src->{key}, { first_name => 'A', last_name => 'B',
                                                           contact => { tel => 4155550100 } }), 'numeric phone');
            is(row($us, $id)->{phone}, '+14155550100', '4155550100 -> +14155550100');
            $id = created_ok(post_form($us, $src->{key}, 'first_name=A&last_name=B&contact.tel=%28415%29+555-0100'),
                             'form phone');
            is(row($us, $id)->{phone}, '+14155550100', '(415) 555-0100 -> +14155550100');
            is_deeply([ $us->crashes ], [], 'no child crashed');
            $us->stop;
        };

        subtest 'LeadsRateLimit 3 60 counts each source key: the 4th gets 429 rate_limited' => sub {
            my $rl = new_site(backend => $backend, conf => 'LeadsRateLimit 3 60');
            my $q = $rl->provision;
            my $src = add_source($rl, $q->{firm}, 'Limited');
            created_ok($rl->create($src->{key}, person(externalId => "rl-$_")), "request $_") for 1 .. 3;
            my $n = $rl->count_leads;
            my $r = $rl->create($src->{key}, person(externalId => 'rl-4'));
            error_ok($r, 429, 'rate_limited', 'request 4');
            my $ra = $r->{headers}{'retry-after'} // '';
            ok($ra =~ /^\d+$/ && $ra >= 1 && $ra <= 60, "Retry-After in whole seconds, 1..60 ($ra)");
            error_ok($rl->create($src->{key}, person(externalId => 'rl-1')), 429, 'rate_limited',
                     'a duplicate is limited too');
            is($rl->count_leads, $n, 'no row');
            my $other = add_source($rl, $q->{firm}, 'Not limited');
            created_ok($rl->create($other->{key}, person()), 'another source of the firm');
            is($rl->create($q->{key}, person(source => 'web'))->{status}, 201, "the firm's API key: 201");
            is_deeply([ $rl->crashes ], [], 'no child crashed');
            $rl->stop;
        };
    };
}

done_testing;
