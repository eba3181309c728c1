# docs/api.md §5 Idempotency-Key (codes in §7.2): a retry with the same key and the
# same body (canonically) replays the first answer and creates nothing; the
# same key with another body is 422 idempotency_key_reused; keys are scoped
# to the firm; concurrent requests with one key never make two leads;
# failed requests are not remembered; the key is forgotten after
# LeadsIdempotencyTTL; a malformed key is 400 invalid_idempotency_key.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Digest::SHA qw(sha256_hex);
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(sleep time);
use LeadsTest qw(backends json_text uuid_re in_children);

my $N_PARALLEL = 50;
my $SEQ = 0;

# A key no other test in this run uses.
sub new_ikey { sprintf 'idem-%d-%d-%s', $$, ++$SEQ, $_[0] // 'k' }

sub lead {
    return { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com',
             source => 'web', data => { caseType => 'Family', notes => 'first call' }, @_ };
}

# POST /api/leads with this Idempotency-Key (API key: the firm's own unless given).
sub idem {
    my ($site, $p, $ikey, $body, $apikey) = @_;
    return $site->create($apikey // $p->{key}, $body, { 'Idempotency-Key' => $ikey });
}

sub replayed { $_[0]{headers}{'idempotent-replayed'} }

sub lead_id { ref $_[0]{json} eq 'HASH' ? $_[0]{json}{id} // '' : '' }

sub err_code {
    my ($r) = @_;
    return ref $r->{json} eq 'HASH' && ref $r->{json}{error} eq 'HASH'
        ? $r->{json}{error}{code} // '' : '';
}

# A fresh (not replayed) 201.
sub created_ok {
    my ($r, $what) = @_;
    is($r->{status}, 201, "$what: 201") or diag $r->{body};
    ok(!defined replayed($r), "$what: no Idempotent-Replayed header")
        or diag 'Idempotent-Replayed: ' . replayed($r);
    like(lead_id($r), uuid_re(), "$what: a lead id");
    return lead_id($r);
}

# A replay of $first: same status, byte-identical body, Idempotent-Replayed: true.
sub replay_ok {
    my ($r, $first, $what) = @_;
    is($r->{status}, $first->{status}, "$what: same status ($first->{status})")
        or diag $r->{body};
    is(replayed($r), 'true', "$what: Idempotent-Replayed: true");
    ok($r->{body} eq $first->{body}, "$what: byte-identical body")
        or diag "first:  $first->{body}\nreplay: $r->{body}";
    like($r->{headers}{'content-type'} // '', qr{^application/json\b}i,
         "$what: Content-Type: application/json");
    is($r->{headers}{'lawfficient-version'}, '2026-07-01', "$what: Lawfficient-Version");
    like($r->{headers}{'x-request-id'} // '', qr/\S/, "$what: X-Request-Id");
}

sub error_ok {
    my ($r, $status, $code, $what) = @_;
    is($r->{status}, $status, "$what: status $status") or diag $r->{body};
    is(err_code($r), $code, "$what: code $code") or diag $r->{body};
    ok(!defined replayed($r), "$what: no Idempotent-Replayed header");
}

sub idem_rows {
    my ($site, $where) = @_;
    return 0 + $site->sql1('SELECT COUNT(*) FROM idempotency_keys'
                           . ($where ? " WHERE $where" : ''));
}

# Exactly these request bytes (for headers HTTP::Tiny will not send as is).
sub raw_post {
    my ($site, $apikey, $idem_line, $body) = @_;
    my $req = "POST /api/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            . "Authorization: Bearer $apikey\r\nContent-Type: application/json\r\n"
            . 'Content-Length: ' . length($body) . "\r\n"
            . (defined $idem_line ? "$idem_line\r\n" : '') . "\r\n" . $body;
    return $site->raw($req);
}

# $n clients at once (forked, released together), one body; $ikey is the
# Idempotency-Key of every client, or a code ref giving client $i's key.
# Returns their answers: {status, body, replayed}.
sub parallel_creates {
    my ($site, $apikey, $ikey, $body, $n) = @_;
    my $text = json_text($body);
    my @out = in_children($n, sub {
        my ($i) = @_;
        my $k = ref $ikey ? $ikey->($i) : $ikey;
        my $r = eval { $site->create($apikey, $text, { 'Idempotency-Key' => $k }) };
        json_text({ status => $r ? 0 + $r->{status} : 0,
                    body => $r ? $r->{body} : "client died: $@",
                    replayed => $r ? replayed($r) : undef });
    });
    return map { my $t = $_; eval { JSON::PP->new->utf8->decode($t) }
                 // { status => 0, body => "no answer from client: $t" } } @out;
}

sub json_id { my $j = eval { JSON::PP->new->utf8->decode($_[0]) }; ref $j eq 'HASH' ? $j->{id} // 'none' : 'none' }

# A forked CLI session that keeps every INSERT into leads waiting for $secs
# seconds (reads still pass), so concurrent requests all get past the
# replay look-up and meet in the key claim: the in-flight path.
sub hold_lead_inserts {
    my ($site, $secs) = @_;
    my $pid = fork // die "fork: $!";
    return $pid if $pid;
    my $b = $site->backend;
    eval {
        if ($b eq 'pgsql') {
            $site->sql("BEGIN; LOCK TABLE leads IN SHARE MODE; SELECT pg_sleep($secs); COMMIT;");
        }
        elsif ($b eq 'mysql') {
            $site->sql("LOCK TABLES leads READ; SELECT SLEEP($secs); UNLOCK TABLES;");
        }
        else {      # the write lock on the whole file
            my ($rc, $out, $err) = LeadsTest::run_cmd(['sqlite3', '-batch', $site->params],
                stdin => "BEGIN IMMEDIATE;\n.shell sleep $secs\nCOMMIT;\n");
            die $err if $rc;
        }
    };
    print STDERR "hold_lead_inserts: $@" if $@;
    POSIX::_exit($@ ? 1 : 0);
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend, conf => "LeadsRateLimit 0\nLeadsCacheTTL 0");
        my $p = $site->provision(name => 'Idempotent & Co');

        subtest 'same key, same body: the first answer is replayed byte for byte, nothing new is created' => sub {
            my $ikey = new_ikey('replay');
            my $before = $site->count_leads;
            my $idem_before = idem_rows($site);
            my $r1 = idem($site, $p, $ikey, lead());
            my $id = created_ok($r1, 'first request');
            ok(!defined $r1->{headers}{'lawfficient-ignored-fields'},
               'first request: no Lawfficient-Ignored-Fields (nothing ignored)');
            is($site->count_leads, $before + 1, 'one row in leads');
            is(idem_rows($site), $idem_before + 1, 'one idempotency record stored');
            is(idem_rows($site, "lead_id = '$id' AND key_hash = '" . sha256_hex($ikey) . "'"), 1,
               'the record names the key (hashed) and the lead');
            for my $n (2, 3) {
                my $r = idem($site, $p, $ikey, lead());
                replay_ok($r, $r1, "request $n");
                is(lead_id($r), $id, "request $n: the same lead id");
                ok(!defined $r->{headers}{'lawfficient-ignored-fields'},
                   "request $n: no Lawfficient-Ignored-Fields");
            }
            is($site->count_leads, $before + 1, 'still one row in leads after two replays');
            is(idem_rows($site), $idem_before + 1, 'still one idempotency record');
        };

        subtest 'a re-serialised body (other key order, white space, \\u escapes) replays too' => sub {
            my $ikey = new_ikey('reser');
            my $before = $site->count_leads;
            my $r1 = idem($site, $p, $ikey, json_text(lead()));    # compact, keys sorted
            my $id = created_ok($r1, 'compact, sorted');
            my $text = qq({\n  "source" : "web",\n\t"data": { "notes":"first call" ,  "caseType" : "Family" },\r\n)
                     . qq(  "last_name":"Lovelace", "email" : "ada\\u0040example.com",\n)
                     . qq(  "first_name": "\\u0041da"\n}\n);
            my $r2 = idem($site, $p, $ikey, $text);
            replay_ok($r2, $r1, 'keys reversed (nested too), spaces, escapes');
            is(lead_id($r2), $id, 'the same lead id');
            is($site->count_leads, $before + 1, 'one row in leads');
        };

        subtest 'same key, different body: 422 idempotency_key_reused, no new row' => sub {
            my $ikey = new_ikey('reuse');
            my $r1 = idem($site, $p, $ikey, lead());
            my $id = created_ok($r1, 'first request');
            my $before = $site->count_leads;
            my $idem_before = idem_rows($site);
            error_ok(idem($site, $p, $ikey, lead(email => 'grace@example.com')),
                     422, 'idempotency_key_reused', 'another email');
            error_ok(idem($site, $p, $ikey, lead(data => { caseType => 'Criminal', notes => 'first call' })),
                     422, 'idempotency_key_reused', 'another value inside data');
            error_ok(idem($site, $p, $ikey, lead(phone => '+14155550100')),
                     422, 'idempotency_key_reused', 'one more field');
            is($site->count_leads, $before, 'no new row');
            is(idem_rows($site), $idem_before, 'the record is neither replaced nor doubled');
            my $r = idem($site, $p, $ikey, lead());
            replay_ok($r, $r1, 'the original body afterwards');
            is(lead_id($r), $id, 'still the first lead');
        };

        subtest 'keys are scoped to the firm: the same key on two firms makes two leads' => sub {
            my $q = $site->provision(name => 'Another Firm LLP');
            my $ikey = new_ikey('scope');
            my $before = $site->count_leads;
            my $ra = idem($site, $p, $ikey, lead());
            my $rb = idem($site, $q, $ikey, lead());
            my $a = created_ok($ra, 'firm A');
            my $b = created_ok($rb, 'firm B');
            isnt($a, $b, 'two different lead ids');
            is($site->count_leads, $before + 2, 'two rows in leads');
            is($site->count_leads("id = '$a' AND firm_id = '$p->{firm}'"), 1, 'lead A under firm A');
            is($site->count_leads("id = '$b' AND firm_id = '$q->{firm}'"), 1, 'lead B under firm B');
            my $r = idem($site, $q, $ikey, lead());
            replay_ok($r, $rb, 'firm B again');
            is(lead_id($r), $b, 'firm B replays its own lead');
            # The scope is the firm, not the API key.
            my $k2 = $site->add_key($p->{firm}, 'leads:write', 'second key of firm A');
            $r = idem($site, $p, $ikey, lead(), $k2->{key});
            replay_ok($r, $ra, "firm A's other API key");
            is(lead_id($r), $a, "firm A's other API key replays firm A's lead");
            is($site->count_leads, $before + 2, 'still two rows');
        };

        subtest 'without Idempotency-Key every request creates a lead and nothing is replayed' => sub {
            my $before = $site->count_leads;
            my $a = created_ok($site->create($p->{key}, lead()), 'first');
            my $b = created_ok($site->create($p->{key}, lead()), 'second');
            isnt($a, $b, 'two leads');
            is($site->count_leads, $before + 2, 'two rows');
        };

        subtest 'failed requests are not remembered: a corrected retry may reuse the key' => sub {
            my $ikey = new_ikey('fail422');
            my $before = $site->count_leads;
            my $idem_before = idem_rows($site);
            error_ok(idem($site, $p, $ikey, lead(first_name => '')), 422, 'invalid_request',
                     'invalid body');
            is(idem_rows($site), $idem_before, 'nothing remembered for the 422');
            my $r1 = idem($site, $p, $ikey, lead());
            my $id = created_ok($r1, 'corrected body, same key');
            is($site->count_leads, $before + 1, 'one row');
            my $r = idem($site, $p, $ikey, lead());
            replay_ok($r, $r1, 'corrected body again');
            is(lead_id($r), $id, 'the corrected lead');
            error_ok(idem($site, $p, $ikey, lead(first_name => '')), 422, 'idempotency_key_reused',
                     'the invalid body now (another body than the remembered one)');

            $ikey = new_ikey('fail400');
            error_ok(idem($site, $p, $ikey, '{"first_name": "Ada",'), 400, 'invalid_json',
                     'broken JSON');
            created_ok(idem($site, $p, $ikey, lead()), 'valid JSON, same key');

            $ikey = new_ikey('fail409');
            my $closed = $site->provision(name => 'No Open Stage',
                                          stages => [ [ 'done', 'Done', 0, 1 ] ]);
            error_ok(idem($site, $closed, $ikey, lead()), 409, 'no_open_stage',
                     'firm without an open stage');
            $site->ctl('stage', 'add', '--firm', $closed->{firm}, '--key', 'new',
                       '--name', 'New', '--position', 1);
            # The site runs with LeadsCacheTTL 0; retry a little in case a
            # profile cache still holds the firm without an open stage.
            my $r2;
            for (1 .. 14) {
                $r2 = idem($site, $closed, $ikey, lead());
                last if $r2->{status} != 409;
                sleep 0.5;
            }
            created_ok($r2, 'same key once the firm has an open stage');
            is($site->count_leads, $before + 3, 'one row per successful request');
        };

        subtest 'Lawfficient-Ignored-Fields is replayed with the answer' => sub {
            my $ikey = new_ikey('ignored');
            my $body = lead(data => { caseType => 'Family', zzUnknown => 'x', aaUnknown => 1 });
            my $r1 = idem($site, $p, $ikey, $body);
            created_ok($r1, 'first request');
            my $ign = $r1->{headers}{'lawfficient-ignored-fields'};
            ok(defined $ign && $ign =~ /\bdata\.zzUnknown\b/ && $ign =~ /\bdata\.aaUnknown\b/,
               'first request lists the ignored fields') or diag 'header: ' . ($ign // '(none)');
            my $r = idem($site, $p, $ikey, $body);
            replay_ok($r, $r1, 'replay');
            is($r->{headers}{'lawfficient-ignored-fields'}, $ign,
               'replay: the same Lawfficient-Ignored-Fields');
        };

        subtest 'Idempotency-Key syntax: 1-255 printable ASCII characters, else 400 invalid_idempotency_key' => sub {
            my $tag = sprintf '%d-%d-%s-', $$, ++$SEQ, $backend;
            my $k255 = $tag . ('x' x (255 - length $tag));
            my $k256 = $k255 . 'y';
            my $kpunct = join '', map { chr } 0x21 .. 0x7e;   # every visible ASCII character

            my $before = $site->count_leads;
            my $r255 = idem($site, $p, $k255, lead());
            created_ok($r255, '255 characters');
            replay_ok(idem($site, $p, $k255, lead()), $r255, '255 characters again');
            is($site->count_leads, $before + 1, 'one row for the 255-character key');

            my $q = $site->provision(name => 'One Char Firm');   # fresh scope
            created_ok(idem($site, $q, 'k', lead()), 'one character');
            created_ok(idem($site, $p, $kpunct, lead()), 'all of ! to ~ (94 characters)');
            $before = $site->count_leads;

            error_ok(idem($site, $p, $k256, lead()), 400, 'invalid_idempotency_key',
                     '256 characters');
            error_ok(idem($site, $p, 'k' x 1000, lead()), 400, 'invalid_idempotency_key',
                     '1000 characters');

            # HTTP::Tiny refuses non-ASCII header values and its empty header
            # is "Idempotency-Key: " -- send exact bytes instead.
            my $json = json_text(lead());
            my $r = raw_post($site, $p->{key}, 'Idempotency-Key: ' . new_ikey('raw'), $json);
            created_ok($r, 'control: a valid key over the raw connection');
            $before = $site->count_leads;
            error_ok(raw_post($site, $p->{key}, "Idempotency-Key: abc\xC3\xA9", $json),
                     400, 'invalid_idempotency_key', 'a non-ASCII key ("abc" + UTF-8 e-acute)');
            error_ok(raw_post($site, $p->{key}, "Idempotency-Key: \xFF", $json),
                     400, 'invalid_idempotency_key', 'a key of one byte 0xFF');
            error_ok(raw_post($site, $p->{key}, 'Idempotency-Key:', $json),
                     400, 'invalid_idempotency_key', 'an empty key (no value at all)');
            error_ok(raw_post($site, $p->{key}, 'Idempotency-Key:    ', $json),
                     400, 'invalid_idempotency_key', 'a key of white space only');
            error_ok(idem($site, $p, '', lead()), 400, 'invalid_idempotency_key',
                     'an empty key through HTTP::Tiny');
            is($site->count_leads, $before, 'no row for any malformed key');
            # A key with a control character cannot travel in an HTTP header
            # (httpd rejects the request before the module): not tested.
        };

        is_deeply([ $site->crashes ], [], 'no child crashed');
        $site->stop;

        # Each storm on a site of its own: a stalled server must not take
        # the other subtests with it.
        for my $held (0, 1) {
            subtest "$N_PARALLEL concurrent requests with one key and one body: exactly one lead"
                  . ($held ? ' (lead inserts held back, so they meet in flight)' : '') => sub {
                my $s = LeadsTest->site(backend => $backend, conf => 'LeadsRateLimit 0');
                my $c = $s->provision(name => "Concurrent Firm $held");
                my $ikey = new_ikey("storm$held");
                my $body = lead(first_name => 'Concurrent');
                my $holder;
                if ($held) {
                    $holder = hold_lead_inserts($s, 3);
                    sleep 1;                    # let the CLI take its lock
                }
                my $t0 = time;
                my @ans = parallel_creates($s, $c->{key}, $ikey, $body, $N_PARALLEL);
                note sprintf '%d clients answered in %.2f s', scalar @ans, time - $t0;  # not asserted
                if ($holder) {
                    waitpid $holder, 0;
                    is($?, 0, 'the lock-holding CLI session ran');
                }
                my @ok = grep { $_->{status} == 201 } @ans;
                my @busy = grep { $_->{status} == 409 } @ans;
                my @fresh = grep { !defined $_->{replayed} } @ok;
                my @other = grep { $_->{status} != 201 && $_->{status} != 409 } @ans;
                note sprintf '%d x 201 (%d fresh, %d replayed), %d x 409, %d other',
                    scalar @ok, scalar @fresh, @ok - @fresh, scalar @busy, scalar @other;
                is(scalar @ans, $N_PARALLEL, "$N_PARALLEL answers");
                is_deeply([ map { "$_->{status} $_->{body}" } @other ], [],
                          'every answer is 201 or 409 (none 5xx, none missing)');
                is($s->count_leads("firm_id = '$c->{firm}'"), 1, 'exactly one lead row in the database');
                is(idem_rows($s, "scope LIKE '%$c->{firm}%'"), 1, 'exactly one idempotency record');
                ok(@ok >= 1, 'at least one 201');
                is(scalar @fresh, 1, 'exactly one 201 is the original (no Idempotent-Replayed)');
                my %ids = map { json_id($_->{body}) => 1 } @ok;
                is(scalar keys %ids, 1, 'every 201 carries the same lead id')
                    or diag 'ids: ' . join ' ', sort keys %ids;
                my ($id) = keys %ids;
                is($s->count_leads("id = '$id'"), 1, 'that id is the row in the database')
                    if defined $id && $id =~ uuid_re();
                my %bodies = map { $_->{body} => 1 } @ok;
                is(scalar keys %bodies, 1, 'every 201 body is byte-identical');
                is_deeply([ grep { $_ ne 'true' } map { $_->{replayed} // () } @ok ], [],
                          'replayed 201s say Idempotent-Replayed: true');
                is_deeply([ map { $_->{body} } grep { err_code({ json => eval { JSON::PP->new->utf8->decode($_->{body}) } })
                                                      ne 'idempotency_in_flight' } @busy ], [],
                          'every 409 is idempotency_in_flight');
                if (@ok) {
                    my $r = idem($s, $c, $ikey, $body);
                    replay_ok($r, { status => 201, body => $ok[0]{body} }, 'a request after the storm');
                }
                is($s->count_leads("firm_id = '$c->{firm}'"), 1, 'still one lead row');
                is_deeply([ $s->crashes ], [], 'no child crashed');
                $s->stop;
            };
        }

        subtest "$N_PARALLEL concurrent requests with $N_PARALLEL different keys: $N_PARALLEL leads" => sub {
            my $s = LeadsTest->site(backend => $backend, conf => 'LeadsRateLimit 0');
            my $c = $s->provision(name => 'Many Keys Firm');
            my $tag = new_ikey('many');
            my $t0 = time;
            my @ans = parallel_creates($s, $c->{key}, sub { "$tag-$_[0]" }, lead(), $N_PARALLEL);
            note sprintf '%d clients answered in %.2f s', scalar @ans, time - $t0;  # not asserted
            my @bad = grep { $_->{status} != 201 || defined $_->{replayed} } @ans;
            is_deeply([ map { "$_->{status} $_->{body}" } @bad ], [],
                      'every answer is a fresh 201 (keys do not interfere)');
            my @ok = grep { $_->{status} == 201 } @ans;
            my %ids = map { json_id($_->{body}) => 1 } @ok;
            is(scalar keys %ids, scalar @ok, 'every 201 has an id of its own');
            is($s->count_leads("firm_id = '$c->{firm}'"), $N_PARALLEL, "$N_PARALLEL lead rows");
            is(idem_rows($s, "scope LIKE '%$c->{firm}%'"), $N_PARALLEL, "$N_PARALLEL idempotency records");
            is_deeply([ $s->crashes ], [], 'no child crashed');
            $s->stop;
        };

        subtest 'LeadsIdempotencyTTL 2: after expiry the key is forgotten' => sub {
            my $s = LeadsTest->site(backend => $backend,
                                    conf => "LeadsRateLimit 0\nLeadsIdempotencyTTL 2");
            my $q = $s->provision(name => 'Short Memory LLP');
            my ($k1, $k2) = (new_ikey('ttl-same'), new_ikey('ttl-other'));
            my $before = $s->count_leads;
            my $r1 = idem($s, $q, $k1, lead());
            my $id1 = created_ok($r1, 'key 1, first request');
            my $r2 = idem($s, $q, $k2, lead());
            created_ok($r2, 'key 2, first request');
            replay_ok(idem($s, $q, $k1, lead()), $r1, 'key 1 within the TTL');
            is($s->count_leads, $before + 2, 'two rows');
            sleep 3;
            my $r3 = idem($s, $q, $k1, lead());
            my $id3 = created_ok($r3, 'key 1, same body after the TTL');
            isnt($id3, $id1, 'a new lead id');
            created_ok(idem($s, $q, $k2, lead(email => 'grace@example.com')),
                       'key 2, another body after the TTL (not 422)');
            is($s->count_leads, $before + 4, 'two new rows');
            is(idem_rows($s, "key_hash = '" . sha256_hex($k1) . "'"), 1,
               'one record for key 1 (the expired one gave way)');
            is(idem_rows($s, "key_hash = '" . sha256_hex($k1) . "' AND lead_id = '$id3'"), 1,
               'and it names the new lead');
            my $r = idem($s, $q, $k1, lead());
            replay_ok($r, $r3, 'key 1 again');
            is(lead_id($r), $id3, 'replays the new lead');
            is_deeply([ $s->crashes ], [], 'no child crashed');
            $s->stop;
        };
    };
}

done_testing;
