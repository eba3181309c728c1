# SPEC §12: the API reference docs/openapi.yaml. The document is valid
# (the official OpenAPI 3.1 schema, Redocly's lint, every schema compiling
# in Ajv strict mode); every error code in the module's own table
# (mod_leads/leads_respond.c) is there with the same status; and real
# answers of a running mod_leads match it: statuses, documented headers and
# bodies (t/openapi/validate.mjs), plus a lead.created delivery and the
# request schema's verdict on bodies the module took or refused.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP ();
use File::Temp qw(tempdir);
use Encode ();
use LeadsTest qw(backends free_port run_cmd);
use Receiver;

my $ROOT = $LeadsTest::ROOT;
my $DOC = "$ROOT/docs/openapi.yaml";
my $VALIDATE = "$ROOT/t/openapi/validate.mjs";
my $MAX = 4096;
my $VERSION_HEADER = '2026-07-01';
my $JSON = JSON::PP->new->utf8->canonical;

# Bodies travel as bytes; the captured file holds them as text.
sub text { Encode::decode('UTF-8', $_[0]) }

# validate.mjs on the document and the captured entries: its decoded report
# ({checks => [...], codes => {...}}), or undef after a failed test.
sub run_validator {
    my (@entries) = @_;
    my $dir = tempdir('openapi-XXXXXX', DIR => LeadsTest::tmp(), CLEANUP => 1);
    my @args = ($DOC);
    if (@entries) {
        open my $fh, '>:raw', "$dir/captured.json" or die "$dir/captured.json: $!";
        print $fh $JSON->encode(\@entries);
        close $fh;
        push @args, "$dir/captured.json";
    }
    my ($rc, $out, $err) = run_cmd([ 'node', $VALIDATE, @args ]);
    my $report = eval { JSON::PP->new->utf8->decode($out) };
    if (ref $report ne 'HASH' || ref $report->{checks} ne 'ARRAY') {
        fail("validate.mjs ran (exit $rc)");
        diag "stdout: $out\nstderr: $err";
        return undef;
    }
    my $failed = grep { !$_->{ok} } @{ $report->{checks} };
    diag "validate.mjs exited $rc with no failed check\nstderr: $err" if $rc && !$failed;
    $report->{rc} = $rc;
    return $report;
}

# One test per check of the report whose name is in @names (all, if none).
sub checks_ok {
    my ($report, @names) = @_;
    my %want = map { $_ => 1 } @names;
    my @checks = grep { !@names || $want{ $_->{name} } } @{ $report->{checks} };
    for my $c (@checks) {
        ok($c->{ok}, $c->{name}) or diag join "\n", @{ $c->{errors} };
    }
    my %seen = map { $_->{name} => 1 } @checks;
    fail("validate.mjs reported on '$_'") for grep { !$seen{$_} } @names;
}

# The error table of leads_respond.c: [[status, code], ...].
sub module_error_table {
    open my $fh, '<', "$ROOT/mod_leads/leads_respond.c" or die "leads_respond.c: $!";
    my $src = do { local $/; <$fh> };
    my ($table) = $src =~ /\berror_def_t\s+errors\[\]\s*=\s*\{(.*?)\};/s
        or return ();
    my @rows;
    push @rows, [ $1, $2 ] while $table =~ /\{\s*(\d{3})\s*,\s*"([a-z_]+)"/g;
    return @rows;
}

# ---------------------------------------------------------------- the document

ok(-f "$ROOT/t/openapi/node_modules/ajv/package.json"
   && -f "$ROOT/t/openapi/node_modules/\@redocly/cli/package.json",
   't/openapi/node_modules is installed (make deps-test)')
    or do { done_testing; exit };

my $doc_report = run_validator() or do { done_testing; exit };
subtest 'docs/openapi.yaml is valid' => sub {
    checks_ok($doc_report);
    is($doc_report->{rc}, 0, 'validate.mjs exits 0');
};

subtest "every code of leads_respond.c's table is documented with its status" => sub {
    my @table = module_error_table();
    cmp_ok(scalar @table, '>=', 18, 'the table was parsed (' . scalar(@table) . ' codes)')
        or return;
    my $codes = $doc_report->{codes} || {};
    for my $row (@table) {
        my ($status, $code) = @$row;
        is_deeply($codes->{$code}, [ 0 + $status ], "$status $code")
            or diag "documented as: " . ($codes->{$code} ? "@{ $codes->{$code} }" : 'nothing');
    }
    my %in_module = map { $_->[1] => 1 } @table;
    my @ahead = grep { !$in_module{$_} } sort keys %$codes;
    note "documented, not (yet) in the module's table: @ahead" if @ahead;
};

# ---------------------------------------------------------------- real answers

sub lead { { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com',
              source => 'partner_referral', @_ } }

# A started site.  SQLite: wait until httpd (www-data) has made its -wal
# file before leadsctl (root) runs again, as t/ingestion.t does: a root-owned
# -wal would make that connection read-only (a harness race).
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

# The same site on another of its ports (a VirtualHost): a copy that does
# not own the httpd, so it never stops it.
sub on_port {
    my ($site, $port) = @_;
    my $copy = bless { %$site, port => $port }, ref $site;
    delete $copy->{pid};
    return $copy;
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my ($tls_port, $limited_port) = (free_port(), free_port());
        my $site = new_site(backend => $backend, conf => [
            'LeadsRateLimit 0', "LeadsMaxBodySize $MAX",
            'LeadsWebhookAllowPrivate On', 'LeadsWebhookPollInterval 1',
            "Listen 127.0.0.1:$tls_port",
            "<VirtualHost 127.0.0.1:$tls_port>", 'LeadsRequireTLS On', '</VirtualHost>',
            "Listen 127.0.0.1:$limited_port",
            "<VirtualHost 127.0.0.1:$limited_port>", 'LeadsRateLimit 1 60', '</VirtualHost>',
        ]);
        my $p = $site->provision(name => 'Lovelace & Babbage LLP');
        my %auth = (Authorization => "Bearer $p->{key}");
        my @entries;

        # An answer to validate. $want: [status, code] for an error, or
        # [status] for a success; $schema: a component the body must match.
        my $capture = sub {
            my ($name, $r, $want, $schema) = @_;
            my ($status, $code) = @$want;
            my $got_code = ref $r->{json} eq 'HASH' && ref $r->{json}{error} eq 'HASH'
                         ? $r->{json}{error}{code} : undef;
            my $as_wanted = $r->{status} == $status && (!defined $code || ($got_code // '') eq $code);
            ok($as_wanted, "$name: the module answers $status" . ($code ? " $code" : ''))
                or diag "got $r->{status}: $r->{body}";
            like($r->{headers}{'x-request-id'} // '', qr/\S/, "$name: X-Request-Id");
            is($r->{headers}{'lawfficient-version'}, $VERSION_HEADER, "$name: Lawfficient-Version");
            push @entries, { name => "$name: matches the document", status => $r->{status},
                             headers => $r->{headers}, body => text($r->{body}),
                             $schema ? (schema => $schema) : () };
            return $r;
        };

        # -- API mode: success, replay, idempotency errors
        my $idem = "openapi-$backend-1";
        my $body = lead(phone => '+1 415 555 0100', assignee_id => $p->{member},
                        data => { caseType => 'Family', urgent => JSON::PP::true,
                                  amount => 1250.5, incidentDate => '2026-05-30',
                                  utm_campaign => 'spring' });
        my $created = $capture->('API create', $site->create($p->{key}, $body, { 'Idempotency-Key' => $idem }),
                                 [201], 'Lead');
        is($created->{headers}{'lawfficient-ignored-fields'}, 'data.utm_campaign',
           'API create: Lawfficient-Ignored-Fields names the dropped key');
        my $replay = $capture->('API create replayed', $site->create($p->{key}, $body, { 'Idempotency-Key' => $idem }),
                                [201], 'Lead');
        is($replay->{headers}{'idempotent-replayed'}, 'true', 'replayed: Idempotent-Replayed: true');
        $capture->('Idempotency-Key reused with another body',
                   $site->create($p->{key}, lead(first_name => 'Grace'), { 'Idempotency-Key' => $idem }),
                   [422, 'idempotency_key_reused']);
        $capture->('malformed Idempotency-Key',
                   $site->create($p->{key}, lead(), { 'Idempotency-Key' => 'k' x 256 }),
                   [400, 'invalid_idempotency_key']);

        # -- body and HTTP errors
        $capture->('not JSON', $site->post('/api/leads', \%auth, '{"first_name":'), [400, 'invalid_json']);
        $capture->('not an object', $site->post('/api/leads', \%auth, '[]'), [400, 'invalid_json']);
        $capture->('no key', $site->create(undef, lead()), [401, 'missing_key']);
        is($entries[-1]{headers}{'www-authenticate'}, 'Bearer', 'no key: WWW-Authenticate: Bearer');
        $capture->('unknown key', $site->create('lak_' . ('x' x 40), lead()), [401, 'invalid_key']);
        my $disabled = $site->add_key($p->{firm}, 'leads:write', 'disabled');
        $site->ctl('key', 'disable', $disabled->{id});
        $capture->('disabled key', $site->create($disabled->{key}, lead()), [403, 'key_disabled']);
        my $reader = $site->add_key($p->{firm}, 'leads:read', 'reader');
        $capture->('key without leads:write', $site->create($reader->{key}, lead()), [403, 'insufficient_scope']);
        $capture->('plain HTTP with LeadsRequireTLS On',
                   on_port($site, $tls_port)->create($p->{key}, lead()), [403, 'https_required']);
        $capture->('a path below the location', $site->post('/api/leads/extra', \%auth, lead()), [404, 'not_found']);
        $capture->('GET', $site->request('GET', '/api/leads', \%auth), [405, 'method_not_allowed']);
        is($entries[-1]{headers}{allow}, 'POST', 'GET: Allow: POST');
        $capture->('body over LeadsMaxBodySize',
                   $site->create($p->{key}, lead(data => { notes => 'x' x ($MAX + 10) })),
                   [413, 'payload_too_large']);
        $capture->('Content-Type: text/plain',
                   $site->post('/api/leads', { %auth, 'Content-Type' => 'text/plain' }, lead()),
                   [415, 'unsupported_media_type']);
        my $invalid = $capture->('an invalid lead',
                   $site->create($p->{key}, { first_name => '', last_name => 'L', source => 'web',
                                              email => 'not-an-address', nickname => 'x',
                                              data => { caseType => 'Maritime' } }),
                   [422, 'invalid_request']);
        my @fields = map { $_->{field} } @{ ref $invalid->{json} eq 'HASH' ? $invalid->{json}{error}{details} || [] : [] };
        is_deeply([ sort @fields ], [ sort qw(first_name email nickname data.caseType) ],
                  'invalid lead: details name every problem');
        my $limited = $site->add_key($p->{firm}, 'leads:write', 'limited');
        my $lim = on_port($site, $limited_port);
        $lim->create($limited->{key}, lead());
        $capture->('over LeadsRateLimit', $lim->create($limited->{key}, lead()), [429, 'rate_limited']);
        like($entries[-1]{headers}{'retry-after'} // '', qr/^\d+$/, 'over the limit: Retry-After');
        my $closed = $site->provision(name => 'No Open Stage LLP', stages => [ [ 'won', 'Won', 0, 1 ] ]);
        $capture->('a firm without an open stage', $site->create($closed->{key}, lead()), [409, 'no_open_stage']);

        # -- ingestion mode
        my $src = $site->ctl_json('source', 'add', '--firm', $p->{firm}, '--name', 'Vendor',
                                  '--map', 'email=contact.email');
        my $ext = "ext-$backend-1";
        my $in = { externalId => $ext, first_name => 'Ada', last_name => 'Lovelace',
                   contact => { email => 'ada@example.com' } };
        my $first = $capture->('ingestion create', $site->create($src->{key}, $in), [201], 'IngestionCreated');
        my $again = $capture->('ingestion repeat', $site->create($src->{key}, $in), [200], 'IngestionDuplicate');
        is($again->{json}{leadId}, $first->{json}{leadId}, 'ingestion repeat: the original leadId');
        $capture->('ingestion form',
                   $site->post('/api/leads', { Authorization => "Bearer $src->{key}",
                                               'Content-Type' => 'application/x-www-form-urlencoded' },
                               'contact.email=grace%40example.com&first_name=Grace&last_name=Hopper&externalId=f-2'),
                   [201], 'IngestionCreated');
        my $bad = $capture->('ingestion invalid',
                   $site->create($src->{key}, { first_name => 'Ada', last_name => 'L',
                                                contact => { email => 'nope' } }),
                   [422, 'invalid_request']);
        my ($d) = @{ ref $bad->{json} eq 'HASH' ? $bad->{json}{error}{details} || [] : [] };
        is_deeply([ @{ $d || {} }{qw(field path)} ], [ 'email', 'contact.email' ],
                  'ingestion invalid: details name the field and the payload path');

        # -- the request schema against the module's own verdict
        my $member_uc = uc $p->{member};
        my @bodies = (
            [ 'the seed example', lead(data => { caseType => 'Family' }) ],
            [ 'padded values', lead(first_name => "  Ada\t", email => ' ada@example.com ') ],
            [ 'phone only', { first_name => 'A', last_name => 'B', source => 's', phone => '(415) 555-0100' } ],
            [ 'email null, phone given', lead(email => undef, phone => '+44 20 7946 0958') ],
            [ 'a 100-character name', lead(last_name => ('x' x 100) . '  ') ],
            [ 'a 101-character name', lead(last_name => 'x' x 101) ],
            [ '100 emoji', lead(last_name => "\x{1F600}" x 100) ],
            [ 'a blank name', lead(first_name => '   ') ],
            [ 'a control character', lead(first_name => "A\x{1}da") ],
            [ 'an inner tab', lead(first_name => "A\tda") ],
            [ 'a C1 control', lead(first_name => "A\x{85}da") ],
            [ 'no contact', { first_name => 'A', last_name => 'B', source => 's' } ],
            [ 'blank contacts', lead(email => '', phone => ' ') ],
            [ 'email without a dot in the domain', lead(email => 'a@b') ],
            [ 'email with two @', lead(email => 'a@b@c.de') ],
            [ 'email with an empty label', lead(email => 'a@b..de') ],
            [ 'email with a 65-character local part', lead(email => ('x' x 65) . '@example.com') ],
            [ 'a non-ASCII email', lead(email => "j\x{fc}rgen\@b\x{fc}cher.de") ],
            [ 'phone with + inside', lead(phone => '1+2345678') ],
            [ 'phone with 6 digits', lead(phone => '123456') ],
            [ 'phone with 16 digits', lead(phone => '1234567890123456') ],
            [ 'phone of 32 characters', lead(phone => '415' . (' ' x 22) . '5550100') ],
            [ 'phone of 33 characters', lead(phone => '415' . (' ' x 23) . '5550100') ],
            [ 'email of 254 characters', lead(email => ('x' x 64) . '@' . ('d' x 60 . '.') x 3 . 'comabc') ],
            [ 'email of 255 characters', lead(email => ('x' x 64) . '@' . ('d' x 60 . '.') x 3 . 'comabcd') ],
            [ 'an unknown top-level field', lead(nickname => 'x') ],
            [ 'assignee_id not a UUID', lead(assignee_id => 'nope') ],
            [ 'assignee_id in upper case', lead(assignee_id => $member_uc) ],
            [ 'data an array', lead(data => []) ],
            [ 'data null', lead(data => undef) ],
            [ 'an undefined data key', lead(data => { whatever => [ 1 ] }) ],
        );
        for my $b (@bodies) {
            my ($name, $lead) = @$b;
            my $text = $JSON->encode($lead);
            my $r = $site->post('/api/leads', \%auth, $text);
            my $known = $r->{status} == 201
                || ($r->{status} == 422 && ($r->{json}{error}{code} // '') eq 'invalid_request');
            ok($known, "request '$name': 201 or 422 invalid_request") or diag "got $r->{status}: $r->{body}";
            push @entries, { kind => 'request', name => "request '$name': LeadCreate agrees with the module",
                             schema => 'LeadCreate', body => text($text), valid => $r->{status} == 201 ? JSON::PP::true : JSON::PP::false };
            push @entries, { name => "request '$name': its answer matches the document",
                             status => $r->{status}, headers => $r->{headers}, body => text($r->{body}),
                             $r->{status} == 201 ? (schema => 'Lead') : () };
        }

        # -- a lead.created delivery, as a receiver gets it
        my $rcv = Receiver->new;
        my $w = $site->provision(name => 'Webhook Firm LLP');
        $site->ctl_json('webhook', 'add', '--firm', $w->{firm}, '--url', $rcv->url('/hook'));
        my $wr = $capture->('API create with a webhook', $site->create($w->{key}, lead()), [201], 'Lead');
        $rcv->wait_count(1, timeout => 30);
        my ($delivery) = $rcv->requests(path => '/hook');
        ok($delivery, 'lead.created was delivered') or diag $site->log_tail(20);
        if ($delivery) {
            push @entries, { kind => 'webhook', webhook => 'lead.created',
                             name => 'lead.created delivery: matches the document',
                             headers => $delivery->{headers}, body => text($delivery->{body}) };
            ok(index($delivery->{body}, "\"data\":$wr->{body}}") >= 0,
               'lead.created: data is the lead byte for byte as the API returned it');
        }
        $rcv->stop;

        my $report = run_validator(@entries) or return;
        checks_ok($report, map { $_->{name} } @entries);
        is_deeply([ $site->crashes ], [], 'no child crashed');
        $site->stop;
    };
}

done_testing;
