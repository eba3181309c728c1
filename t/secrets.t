# Secrets (docs/api.md §2, §6.1, §9.1; README "leadsctl"): no API key, ingestion key or webhook
# secret appears in any log line at any LogLevel (the error log at
# LogLevel trace8 and an access log are grepped for every secret this file
# created, whole and by its random part), keys exist in the database only
# as a SHA-256 hash plus the last four characters, secrets are never printed
# again after creation (`leadsctl ... list`, API answers), and every id the
# API accepts is checked against the caller's firm (assignee_id in API and
# ingestion mode, Idempotency-Key scope).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Digest::SHA qw(sha256_hex);
use MIME::Base64 qw(decode_base64);
use Time::HiRes qw(sleep time);
use LeadsTest qw(backends run_cmd uuid_re);

my $FORM = 'application/x-www-form-urlencoded';
my $ACCESS_FORMAT = '"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %{Idempotency-Key}i %{X-Request-Id}o"';

sub lead { { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com', source => 'web', @_ } }

# Every string that must never show up again, with the parts of it worth
# looking for: the whole secret, its random part, the first and last 16
# characters of that part (a truncated leak), and for a typo'd key the
# secret minus its last character.  (last4 alone is allowed: it is shown.)
sub needles {
    my ($label, $secret) = @_;
    my ($prefix, $rand) = $secret =~ /^([a-z]+_)(.+)$/ or die "$label: odd secret $secret";
    my %n = ("$label (whole)" => $secret, "$label (random part)" => $rand,
             "$label (first 16 of the random part)" => substr($rand, 0, 16),
             "$label (last 16 of the random part)" => substr($rand, -16),
             "$label (all but the last character)" => substr($secret, 0, -1));
    if ($prefix eq 'whsec_') {          # the key bytes, should they be logged as hex
        $n{"$label (decoded bytes as hex)"} = unpack 'H*', decode_base64($rand);
    }
    return %n;
}

# Which needles occur in $text: a list of "needle label" strings.
sub leaks {
    my ($text, $needles) = @_;
    return sort grep { index($text, $needles->{$_}) >= 0 } keys %$needles;
}

sub error_ok {
    my ($r, $status, $code, $what) = @_;
    is($r->{status}, $status, "$what: status $status") or diag $r->{body};
    my $e = ref $r->{json} eq 'HASH' && ref $r->{json}{error} eq 'HASH' ? $r->{json}{error} : {};
    is($e->{code}, $code, "$what: code $code") or diag $r->{body};
    return $e;
}

sub names_field {
    my ($e, $field) = @_;
    return grep { ref $_ eq 'HASH' && ($_->{field} // '') eq $field } @{ ref $e->{details} eq 'ARRAY' ? $e->{details} : [] };
}

# All of the database as text, with the backend's own dump tool.
sub dump_db {
    my ($site) = @_;
    my $b = $site->backend;
    my @cmd = $b eq 'sqlite3' ? ('sqlite3', '-cmd', '.timeout 5000', $site->params, '.dump')
            : $b eq 'pgsql'   ? (qw(pg_dump -h 127.0.0.1 -U postgres --no-owner), '-p', $ENV{LEADS_TEST_PG_PORT}, $site->dbname)
            :                   (qw(mariadb-dump --no-defaults -h 127.0.0.1 -u root --skip-extended-insert),
                                 '-P', $ENV{LEADS_TEST_MY_PORT}, $site->dbname);
    my ($rc, $out, $err) = run_cmd(\@cmd);
    $site->_fix_sqlite_owner if $b eq 'sqlite3';
    return ($rc, $out, $err);
}

# {table => [[column, value]...]...}: every cell of every table, via SQL.
sub all_cells {
    my ($site) = @_;
    my $b = $site->backend;
    my @tables = map { $_->[0] } $site->sql(
          $b eq 'sqlite3' ? q{SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name}
        : $b eq 'pgsql'   ? q{SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1}
        :                   'SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1');
    my %cells;
    for my $t (@tables) {
        my @cols = map { $_->[0] } $site->sql(
              $b eq 'sqlite3' ? "SELECT name FROM pragma_table_info('$t') ORDER BY cid"
            : $b eq 'pgsql'   ? "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '$t' ORDER BY ordinal_position"
            :                   "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '$t' ORDER BY ordinal_position");
        my $q = $b eq 'mysql' ? "`$t`" : qq{"$t"};
        for my $row ($site->sql("SELECT * FROM $q")) {
            push @{ $cells{$t} }, map { [ $cols[$_] // "col$_", $row->[$_] // '' ] } 0 .. $#$row;
        }
    }
    return \%cells;
}

# A started site whose SQLite -wal belongs to httpd before leadsctl runs
# again (see t/ingestion.t: a root-owned -wal makes httpd's writes fail).
sub start_site {
    my ($site) = @_;
    $site->start;
    if ($site->backend eq 'sqlite3') {
        my $wal = $site->params . '-wal';
        my $www = (getpwnam 'www-data')[2];
        my $deadline = time + 5;
        sleep 0.02 until ((stat $wal)[4] // -1) == $www || time > $deadline;
    }
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend, no_start => 1, conf => [
            'LogLevel trace8',
            'LeadsRateLimit 0',
            'LeadsWebhookAllowPrivate On',
            'LeadsWebhookRetrySchedule 200ms 200ms',
            'LeadsWebhookPollInterval 1',
            'LeadsWebhookTimeout 2',
            "LogFormat $ACCESS_FORMAT leadscombined",
            'CustomLog logs/access.log leadscombined',
        ]);

        # ---- provisioning: every secret is printed exactly once, here ----
        my (%needles, @later_output);
        my $later = sub {               # leadsctl after creation: keep its output
            my $r = $site->ctl_run(@_);
            push @later_output, [ "leadsctl @_", "$r->{out}$r->{err}" ];
            return $r;
        };
        my $A = $site->provision(name => 'Firm A');
        my $B = $site->provision(name => 'Firm B');
        my $read = $site->add_key($A->{firm}, 'leads:read', 'read only');
        my $off  = $site->add_key($A->{firm}, 'leads:write', 'to be disabled');
        my $srcA = $site->ctl_json('source', 'add', '--firm', $A->{firm}, '--name', 'Partner feed',
                                   '--map', 'assignee_id=owner.id', '--map', 'email=contact.email');
        my $form = $site->ctl_json('source', 'add', '--firm', $A->{firm}, '--name', 'Web form');
        my $srcB = $site->ctl_json('source', 'add', '--firm', $B->{firm}, '--name', 'B feed');
        my $srcOff = $site->ctl_json('source', 'add', '--firm', $A->{firm}, '--name', 'Disabled feed');
        my $whA = $site->ctl_json('webhook', 'add', '--firm', $A->{firm}, '--url', 'http://127.0.0.1:9/hook');
        my $whB = $site->ctl('webhook', 'add', '--firm', $B->{firm}, '--url', 'http://127.0.0.1:9/b');
        %needles = (
            needles('API key A', $A->{key}), needles('API key B', $B->{key}),
            needles('read-only key', $read->{key}), needles('disabled key', $off->{key}),
            needles('ingestion key A', $srcA->{key}), needles('form ingestion key', $form->{key}),
            needles('ingestion key B', $srcB->{key}), needles('disabled ingestion key', $srcOff->{key}),
            needles('webhook secret A', $whA->{secret}), needles('webhook secret B', $whB),
        );
        my @keys = ($A->{key}, $B->{key}, $read->{key}, $off->{key});
        my @ikeys = ($srcA->{key}, $form->{key}, $srcB->{key}, $srcOff->{key});
        my @whsecs = ($whA->{secret}, $whB);
        like($_, qr/^lak_[A-Za-z0-9]{32,}$/, 'API key: lak_ + 32+ base62') for @keys;
        like($_, qr/^lik_[A-Za-z0-9]{32,}$/, 'ingestion key: lik_ + 32+ base62') for @ikeys;
        like($_, qr{^whsec_[A-Za-z0-9+/]+=*$}, 'webhook secret: whsec_ + base64') for @whsecs;
        cmp_ok(length(decode_base64(substr $_, 6)), '>=', 24, 'webhook secret: 24+ random bytes') for @whsecs;

        $later->('key', 'disable', $off->{id});
        $later->('source', 'disable', $srcOff->{id});
        start_site($site);

        # ---- exercise everything that might log a key ----
        my @responses;                  # [what, response]
        my $call = sub { my ($what, $r) = @_; push @responses, [ $what, $r ]; $r };
        my $typo = sub { my $k = shift; substr($k, -1) = substr($k, -1) eq 'a' ? 'b' : 'a'; $k };
        my $leads0 = $site->count_leads;

        subtest 'requests with every kind of key' => sub {
            my $r = $call->('API create', $site->create($A->{key}, lead()));
            is($r->{status}, 201, 'API key A: 201') or diag $r->{body};
            $r = $call->('API create B', $site->create($B->{key}, lead(first_name => 'Bea')));
            is($r->{status}, 201, 'API key B: 201') or diag $r->{body};
            my $i1 = $call->('idem 1', $site->create($A->{key}, lead(first_name => 'Idem'), { 'Idempotency-Key' => 'secrets-idem-1' }));
            my $i2 = $call->('idem 2', $site->create($A->{key}, lead(first_name => 'Idem'), { 'Idempotency-Key' => 'secrets-idem-1' }));
            is($i1->{status}, 201, 'Idempotency-Key first use: 201');
            is($i2->{status}, 201, 'Idempotency-Key replay: 201');
            is($i2->{headers}{'idempotent-replayed'}, 'true', 'replay: Idempotent-Replayed: true');
            is($i2->{json}{id}, $i1->{json}{id}, 'replay: same lead');
            error_ok($call->('422', $site->create($A->{key}, lead(email => 'not an email'))), 422, 'invalid_request', 'a 422');
            error_ok($call->('typo API key', $site->create($typo->($A->{key}), lead())), 401, 'invalid_key', 'API key with the last character changed');
            error_ok($call->('typo ingestion key', $site->create($typo->($srcA->{key}), lead())), 401, 'invalid_key', 'ingestion key with the last character changed');
            error_ok($call->('disabled key', $site->create($off->{key}, lead())), 403, 'key_disabled', 'disabled API key');
            error_ok($call->('disabled source', $site->create($srcOff->{key}, lead())), 403, 'key_disabled', 'disabled source key');
            error_ok($call->('read-only key', $site->create($read->{key}, lead())), 403, 'insufficient_scope', 'key without leads:write');
            error_ok($call->('lowercase bearer, key + junk', $site->post('/api/leads', { Authorization => "bearer $A->{key}junk" }, lead())),
                     401, 'invalid_key', 'key with trailing junk');
            my $bs = $call->('Basic', $site->post('/api/leads', { Authorization => "Basic $A->{key}" }, lead()));
            is($bs->{status}, 401, 'key sent as Basic: 401');

            $r = $call->('ingest JSON', $site->create($srcA->{key}, { first_name => 'Ing', last_name => 'Est',
                                                                      contact => { email => 'ing@example.com' },
                                                                      owner => { id => $A->{member} }, externalId => 'ext-1' }));
            is($r->{status}, 201, 'ingestion key (JSON, mapped assignee of the firm): 201') or diag $r->{body};
            $r = $call->('ingest JSON dup', $site->create($srcA->{key}, { first_name => 'Ing', last_name => 'Est',
                                                                          contact => { email => 'ing@example.com' },
                                                                          owner => { id => $A->{member} }, externalId => 'ext-1' }));
            is($r->{status}, 200, 'ingestion duplicate: 200') or diag $r->{body};
            $r = $call->('ingest form', $site->post('/api/leads', { Authorization => "Bearer $form->{key}", 'Content-Type' => $FORM },
                                                    'first_name=Form&last_name=Fill&email=form%40example.com'));
            is($r->{status}, 201, 'ingestion key (form): 201') or diag $r->{body};
            my $f1 = $call->('ingest idem 1', $site->post('/api/leads', { Authorization => "Bearer $form->{key}", 'Content-Type' => $FORM,
                                                                          'Idempotency-Key' => 'secrets-idem-2' },
                                                          'first_name=Form&last_name=Idem&email=fi%40example.com'));
            my $f2 = $call->('ingest idem 2', $site->post('/api/leads', { Authorization => "Bearer $form->{key}", 'Content-Type' => $FORM,
                                                                          'Idempotency-Key' => 'secrets-idem-2' },
                                                          'first_name=Form&last_name=Idem&email=fi%40example.com'));
            is($f2->{headers}{'idempotent-replayed'}, 'true', 'ingestion Idempotency-Key replay') or diag $f2->{body};
            error_ok($call->('ingest 422', $site->create($srcB->{key}, { first_name => 'No contact', last_name => 'X' })),
                     422, 'invalid_request', 'ingestion 422 with key B');
        };

        subtest 'every id is checked against the caller\'s firm' => sub {
            my $nA = $site->count_leads("firm_id = '$A->{firm}'");
            my $nB = $site->count_leads("firm_id = '$B->{firm}'");
            my $e = error_ok($call->('A key, B member', $site->create($A->{key}, lead(assignee_id => $B->{member}))),
                             422, 'invalid_request', "firm A's key with firm B's member as assignee_id");
            ok(names_field($e, 'assignee_id'), 'details name assignee_id') or diag explain $e;
            $e = error_ok($call->('B key, A member', $site->create($B->{key}, lead(assignee_id => $A->{member}))),
                          422, 'invalid_request', "firm B's key with firm A's member as assignee_id");
            ok(names_field($e, 'assignee_id'), 'details name assignee_id') or diag explain $e;
            $e = error_ok($call->('A source maps B member', $site->create($srcA->{key}, {
                              first_name => 'Cross', last_name => 'Firm', contact => { email => 'x@example.com' },
                              owner => { id => $B->{member} } })),
                          422, 'invalid_request', "firm A's source mapping (owner.id) an assignee of firm B");
            ok(names_field($e, 'assignee_id'), 'details name assignee_id') or diag explain $e;
            $e = error_ok($call->('A form source, B member', $site->post('/api/leads', { Authorization => "Bearer $form->{key}",
                                                                                       'Content-Type' => $FORM },
                              "first_name=Cross&last_name=Form&email=cf%40example.com&assignee_id=$B->{member}")),
                          422, 'invalid_request', "firm A's form source (default mapping) with firm B's member");
            ok(names_field($e, 'assignee_id'), 'details name assignee_id') or diag explain $e;
            error_ok($call->('A key, firm_id of B', $site->create($A->{key}, lead(firm_id => $B->{firm}))),
                     422, 'invalid_request', 'a firm_id in the body is refused, not used');
            is($site->count_leads("firm_id = '$A->{firm}'"), $nA, 'no lead for firm A');
            is($site->count_leads("firm_id = '$B->{firm}'"), $nB, 'no lead for firm B');
            is($site->count_leads("assignee_id = '$B->{member}' AND firm_id <> '$B->{firm}'"), 0,
               'no lead anywhere is assigned to another firm\'s member');

            # Idempotency-Key is scoped to the firm: B's use of A's key is a new request.
            my $a = $call->('A shared idem', $site->create($A->{key}, lead(first_name => 'Shared'), { 'Idempotency-Key' => 'shared-idem' }));
            my $b = $call->('B shared idem', $site->create($B->{key}, lead(first_name => 'Shared'), { 'Idempotency-Key' => 'shared-idem' }));
            is($a->{status}, 201, 'A: 201');
            is($b->{status}, 201, 'B, same Idempotency-Key and body: 201 (not A\'s answer)') or diag $b->{body};
            ok(!$b->{headers}{'idempotent-replayed'}, 'B: not a replay');
            isnt($b->{json}{id} // '', $a->{json}{id} // '', 'B got its own lead');
            is($site->count_leads("id = '" . ($b->{json}{id} // 'x') . "' AND firm_id = '$B->{firm}'"), 1, "B's lead is firm B's")
                if ($b->{json}{id} // '') =~ uuid_re();
        };

        # ---- let the deliverer try (and fail) a few times ----
        subtest 'the deliverer ran against the unreachable endpoint' => sub {
            # At least ~2 s, and until no delivery is still pending (bounded).
            my ($t0, $attempts, $pending) = (time, 0, 1);
            while (time < $t0 + 8) {
                $attempts = $site->sql1('SELECT COUNT(*) FROM webhook_attempts') // 0;
                $pending = $site->sql1(q{SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'}) // 0;
                last if time > $t0 + 2 && !$pending;
                sleep 0.3;
            }
            cmp_ok($attempts, '>=', 3, "webhook attempts were made ($attempts)");
            is($pending, 0, 'every delivery ran out of retries (schedule 200ms 200ms: 3 attempts each)');
            my $failed = $site->sql1(q{SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'failed' AND attempts = 3}) // 0;
            cmp_ok($failed, '>=', 1, "deliveries failed after 3 attempts ($failed)");
        };

        $later->('key', 'list', '--firm', $A->{firm});
        $later->('--json', 'key', 'list', '--firm', $A->{firm});
        $later->('key', 'list', '--firm', $B->{firm});
        $later->('source', 'list', '--firm', $A->{firm});
        $later->('--json', 'source', 'list', '--firm', $A->{firm});
        $later->('source', 'list', '--firm', $B->{firm});
        $later->('webhook', 'list', '--firm', $A->{firm});
        $later->('--json', 'webhook', 'list', '--firm', $A->{firm});
        $later->('--json', 'webhook', 'list', '--firm', $B->{firm});
        $later->('webhook', 'deliveries');
        $later->('--json', 'webhook', 'deliveries', '--firm', $A->{firm});
        $later->('key', 'enable', $off->{id});
        $later->('source', 'enable', $srcOff->{id});
        $site->stop;                    # flush and close the logs

        subtest 'no secret in any log line (LogLevel trace8) or access log' => sub {
            my $err = $site->error_log;
            like($err, qr/:trace8\]/, 'the error log really is at trace8');
            like($err, qr/\[leads:(?:trace\d|debug|info)\]/, 'mod_leads logged at the verbose levels');
            cmp_ok(scalar(() = $err =~ /\n/g), '>', 50, 'a verbose error log (' . scalar(() = $err =~ /\n/g) . ' lines)');
            my @lines = split /\n/, $err;
            my @own = grep { /\[leads:/ } @lines;
            cmp_ok(scalar @own, '>', 0, 'mod_leads has log lines of its own (' . scalar(@own) . ')');
            is_deeply([ leaks(join("\n", @own), \%needles) ], [], "mod_leads's own log lines: no key, no secret, no part of one");
            # docs/api.md §2: no key in ANY log line at any LogLevel, whoever wrote it.
            my %where;                  # "[module:level] file.c(line)" => [count, example]
            for my $line (@lines) {
                my @l = leaks($line, \%needles) or next;
                my $who = $line =~ /\[([a-z_]+:[a-z0-9]+)\]/ ? "[$1]" : 'unparsed line';
                $who .= " $1" if $line =~ /\s([\w.]+\.c\(\d+\)):/;
                $where{$who}[0]++;
                $where{$who}[1] //= "$line  <- " . join(', ', @l);
            }
            is_deeply([ sort keys %where ], [], 'error log (every line): no key, no secret, no part of one')
                or diag join "\n", map { "$_: $where{$_}[0] line(s), e.g.\n    $where{$_}[1]" } sort keys %where;
            my $acc = do { local $/; open my $f, '<', $site->dir . '/logs/access.log'; $f ? <$f> : '' } // '';
            cmp_ok(length $acc, '>', 0, 'the access log was written');
            is_deeply([ leaks($acc, \%needles) ], [], 'access log: no key, no secret');
            my @other = grep { !/\/(error|access)\.log$/ } glob $site->dir . '/logs/*';
            for my $f (@other) {
                my $t = do { local $/; open my $h, '<:raw', $f; $h ? <$h> : '' } // '';
                is_deeply([ leaks($t, \%needles) ], [], "$f: no key, no secret");
            }
        };

        subtest 'secrets are never printed again' => sub {
            for (@later_output) {
                my ($what, $text) = @$_;
                is_deeply([ leaks($text, \%needles) ], [], "$what: no key or secret in its output")
                    or diag $text;
            }
            my %lists = map { $_->[0] => $_->[1] } @later_output;
            like($lists{"leadsctl key list --firm $A->{firm}"}, qr/\Q@{[ substr $A->{key}, -4 ]}\E/, 'key list shows last4');
            like($lists{"leadsctl source list --firm $A->{firm}"}, qr/\Q@{[ substr $srcA->{key}, -4 ]}\E/, 'source list shows last4');
            for (@responses) {
                my ($what, $r) = @$_;
                my $all = join("\n", map { "$_: $r->{headers}{$_}" } sort keys %{ $r->{headers} }) . "\n$r->{body}";
                my @l = leaks($all, \%needles);
                is_deeply(\@l, [], "API answer '$what': no key or secret in headers or body") or diag $all;
            }
        };

        subtest 'keys exist in the database only as SHA-256 hashes' => sub {
            my $b = $site->backend;
            my $hex = sub { $b eq 'mysql' ? "CAST($_[0] AS CHAR)" : $_[0] };
            for my $k ([ 'API key A', 'api_keys', $A->{key_id}, $A->{key} ], [ 'read-only key', 'api_keys', $read->{id}, $read->{key} ],
                       [ 'disabled key', 'api_keys', $off->{id}, $off->{key} ],
                       [ 'ingestion key A', 'sources', $srcA->{id}, $srcA->{key} ], [ 'form ingestion key', 'sources', $form->{id}, $form->{key} ],
                       [ 'disabled ingestion key', 'sources', $srcOff->{id}, $srcOff->{key} ]) {
                my ($what, $table, $id, $key) = @$k;
                my ($row) = $site->sql("SELECT key_hash, last4 FROM $table WHERE id = '$id'");
                ok($row, "$what: its row in $table") or next;
                like($row->[0], qr/^[0-9a-f]{64}$/, "$what: key_hash is 64 hex");
                is($row->[0], sha256_hex($key), "$what: key_hash is the SHA-256 of the key");
                is($row->[1], substr($key, -4), "$what: last4");
            }
            my $cells = all_cells($site);
            ok(keys %$cells >= 8, 'read every table (' . join(', ', sort keys %$cells) . ')');
            my %key_needles = map { $_ => $needles{$_} } grep { !/^webhook secret/ && !/first 16|last 16/ } keys %needles;
            my (@hits, @wh_hits);
            for my $t (sort keys %$cells) {
                for my $c (@{ $cells->{$t} }) {
                    push @hits, map { "$t.$c->[0]: $_" } leaks($c->[1], \%key_needles);
                    push @wh_hits, map { "$t.$c->[0]" } grep { index($c->[1], $_) >= 0 } @whsecs;
                }
            }
            is_deeply(\@hits, [], 'no column of any table holds an API or ingestion key (or most of one)');
            is_deeply([ sort @wh_hits ], [ 'webhook_endpoints.secret', 'webhook_endpoints.secret' ],
                      'webhook secrets are only in webhook_endpoints.secret (needed to sign), nowhere else')
                or diag explain \@wh_hits;

            my ($rc, $dump, $derr) = dump_db($site);
            is($rc, 0, "$b dump ran") or diag $derr;
            cmp_ok(length $dump, '>', 1000, 'the dump has content');
            my @leak = leaks($dump, \%key_needles);
            is_deeply(\@leak, [], 'the database dump holds no API or ingestion key');
            for my $s (@whsecs) {
                my $n = () = $dump =~ /\Q$s\E/g;
                is($n, 1, 'the dump holds a webhook secret once (its endpoint row)');
            }
            if ($b eq 'sqlite3') {          # also the raw pages: nothing ever written
                my $raw = join '', map { do { local $/; open my $h, '<:raw', $_; $h ? <$h> : '' } // '' }
                                   grep { -f } map { $site->params . $_ } '', '-wal', '-journal';
                cmp_ok(length $raw, '>', 0, 'read the SQLite files');
                is_deeply([ leaks($raw, \%key_needles) ], [], 'the SQLite files (and -wal) hold no API or ingestion key bytes');
            }
        };

        is_deeply([ $site->crashes ], [], 'no child crashed');
    };
}

done_testing;
