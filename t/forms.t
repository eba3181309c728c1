# docs/api.md §10 (web forms): a form's publishable lpk_ key, in the
# Authorization header or in the URL; secret keys refused in a URL and kept
# out of the logs; the form's origins and CORS (preflight, Vary, none for
# API and ingestion keys); urlencoded, multipart and JSON bodies through
# the form's mapping; the 303 answers of a plain browser post; the
# honeypot and the captcha, each counted in leads_spam_total; the
# per-address rate limit; `leadsctl form …`.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP ();
use Encode ();
use POSIX ();
use Time::HiRes qw(time sleep);
use LeadsTest qw(backends uuid_re);
use Receiver;

my $FORM = 'application/x-www-form-urlencoded';
my $HTML_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
my $SITE_ORIGIN = 'https://www.firm.example';
my $OTHER_ORIGIN = 'https://evil.example';
my $REDIRECT = 'https://www.firm.example/thanks';
my $ACCESS_FORMAT = '"%h \"%r\" q=%q %>s"';
my @METRICS = ('<Location "/metrics">', '    SetHandler leads-metrics', '</Location>');

sub add_form {
    my ($site, $firm, @opts) = @_;
    my $f = $site->ctl_json('form', 'add', '--firm', $firm, @opts);
    die "form add --json gave no id/key" unless $f->{id} && ($f->{key} // '') =~ /^lpk_/;
    return $f;
}

sub post_form {
    my ($site, $path, $headers, $body) = @_;
    return $site->post($path, { 'Content-Type' => $FORM, %{ $headers || {} } }, $body);
}

sub code_of { my ($r) = @_; ref $r->{json} eq 'HASH' && ref $r->{json}{error} eq 'HASH' ? $r->{json}{error}{code} // '' : '' }

sub created_ok {
    my ($r, $what) = @_;
    is($r->{status}, 201, "$what: 201") or diag "body: $r->{body}";
    is(ref $r->{json} eq 'HASH' ? $r->{json}{status} // '' : '', 'created', "$what: status created");
    like(ref $r->{json} eq 'HASH' ? $r->{json}{leadId} // '' : '', uuid_re(), "$what: a leadId");
    return ref $r->{json} eq 'HASH' ? $r->{json}{leadId} // '' : '';
}

sub error_ok {
    my ($r, $status, $code, $what) = @_;
    is($r->{status}, $status, "$what: $status") or diag "body: $r->{body}";
    is(code_of($r), $code, "$what: $code");
}

sub no_cors_ok {
    my ($r, $what) = @_;
    my @cors = grep { /^access-control-/ } keys %{ $r->{headers} };
    is_deeply(\@cors, [], "$what: no CORS headers");
}

sub lead_row {
    my ($site, $id) = @_;
    my ($r) = $site->sql("SELECT source, first_name, last_name, email, phone FROM leads WHERE id = '$id'");
    return [ map { Encode::decode('UTF-8', $_) } @{ $r || [] } ];
}

sub multipart {
    my ($boundary, @parts) = @_;
    my $body = '';
    for my $p (@parts) {
        my ($name, $value, $filename) = @$p;
        $body .= "--$boundary\r\nContent-Disposition: form-data; name=\"$name\""
               . (defined $filename ? "; filename=\"$filename\"\r\nContent-Type: application/octet-stream" : '')
               . "\r\n\r\n$value\r\n";
    }
    return Encode::encode('UTF-8', "$body--$boundary--\r\n");
}

sub spam_total {
    my ($metrics, $reason) = @_;
    return $metrics->{"leads_spam_total{reason=\"$reason\"}"};
}

# leads_spam_total went up by exactly $want{honeypot} and $want{captcha}
# since the scrape $before; returns this scrape.
sub spam_counted_ok {
    my ($site, $before, $what, %want) = @_;
    my ($after) = $site->metrics('/metrics');
    for my $reason (qw(honeypot captcha)) {
        my $now = spam_total($after, $reason);
        is(defined $now ? $now - (spam_total($before, $reason) // 0) : undef, $want{$reason},
           "$what: leads_spam_total{reason=\"$reason\"} +$want{$reason}");
    }
    return $after;
}

my $PERSON = 'first_name=Ada&last_name=Lovelace&email=ada%40example.com';

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->settled_site(backend => $backend, conf => [
            'LeadsRateLimit 0', 'LeadsFormRateLimit 0',
            "LogFormat $ACCESS_FORMAT formslog",
            'CustomLog logs/access.log formslog',
            'LogFormat "%{X-Test-Tag}i %>s %{leads-db-statements}n" statements',
            'CustomLog logs/statements.log statements',
            @METRICS,
        ]);
        my $p = $site->provision;
        my $firm = $p->{firm};

        # ---- leadsctl form ----
        my $f = add_form($site, $firm, '--name', 'Website contact form',
                         '--origin', $SITE_ORIGIN, '--origin', 'HTTP://Localhost:8080',
                         '--redirect', $REDIRECT, '--honeypot', 'website',
                         '--map', 'first_name=given', '--map', 'last_name=family');
        my $plain = $site->ctl('form', 'add', '--firm', $firm, '--name', 'Plain', '--origin', $SITE_ORIGIN);
        like($plain, qr/^lpk_[0-9A-Za-z]{32,}$/, 'form add prints the lpk_ key alone');
        for my $bad ([ 'no origin' ], [ 'a path', '--origin', 'https://www.firm.example/' ],
                     [ 'no scheme', '--origin', 'www.firm.example' ],
                     [ 'null', '--origin', 'null' ],
                     [ 'a redirect that is not http(s)', '--origin', $SITE_ORIGIN, '--redirect', 'javascript:alert(1)' ]) {
            my ($what, @o) = @$bad;
            my $r = $site->ctl_run('form', 'add', '--firm', $firm, '--name', 'X', @o);
            is($r->{rc}, 2, "form add with $what: usage error (exit 2)") or diag $r->{err};
        }
        my $list = $site->ctl_json('form', 'list', '--firm', $firm);
        my ($row) = grep { $_->{id} eq $f->{id} } @$list;
        ok($row, 'form list shows the form');
        is($row->{origins} // '', 'https://www.firm.example http://localhost:8080',
           'origins stored canonical (lowercase, in order)');
        is($row->{redirect} // '', $REDIRECT, 'the redirect URL is listed');
        is(scalar(grep { $_->{id} eq $f->{id} } @$list), 1, 'once');

        my $key = $f->{key};
        my $body = 'given=Ada&family=Lovelace&email=ada%40example.com';

        # ---- the key: Bearer or ?key= ----
        my $r = post_form($site, '/api/leads', { Authorization => "Bearer $key" }, $body);
        my $id = created_ok($r, 'form key as Bearer, urlencoded body through the mapping');
        is_deeply(lead_row($site, $id), [ 'Website contact form', 'Ada', 'Lovelace', 'ada@example.com', '' ],
                  'the lead: the form name as source, the mapped names');
        $r = post_form($site, "/api/leads?key=$key", {}, $body);
        created_ok($r, 'form key in the URL');

        # ---- secret keys in the URL ----
        my $lik = $site->ctl_json('source', 'add', '--firm', $firm, '--name', 'Zapier');
        $r = post_form($site, "/api/leads?key=$p->{key}", {}, $PERSON);
        error_ok($r, 400, 'key_in_url', 'an API key in the URL');
        $r = post_form($site, "/api/leads?key=$lik->{key}", { Authorization => "Bearer $lik->{key}" }, $PERSON);
        error_ok($r, 400, 'key_in_url', 'an ingestion key in the URL, even with Authorization');
        $r = post_form($site, "/api/leads?x=1&token=$p->{key}", { Authorization => "Bearer $p->{key}" }, $PERSON);
        error_ok($r, 400, 'key_in_url', 'an API key in another query parameter');
        my $access = do { local $/; open my $fh, '<', $site->dir . '/logs/access.log'; $fh ? <$fh> : '' } // '';
        like($access, qr/400/, 'the refused requests are in the access log');
        for my $secret ($p->{key}, $lik->{key}) {
            unlike($access, qr/\Q$secret\E/, 'no secret key in the access log');
            unlike($site->error_log, qr/\Q$secret\E/, 'no secret key in the error log');
        }

        # ---- kinds do not mix ----
        $r = post_form($site, '/api/leads', { Authorization => "Bearer $lik->{key}", Origin => $SITE_ORIGIN }, $PERSON);
        created_ok($r, 'an ingestion key still works');
        no_cors_ok($r, 'an ingestion key with an Origin');
        $r = $site->create($p->{key}, { first_name => 'A', last_name => 'B', email => 'a@b.example', source => 'web' },
                           { Origin => $SITE_ORIGIN });
        is($r->{status}, 201, 'an API key with an Origin: 201');
        no_cors_ok($r, 'an API key with an Origin');
        my $forged = 'lpk_' . substr($lik->{key}, 4);
        error_ok(post_form($site, "/api/leads?key=$forged", {}, $PERSON), 401, 'invalid_key',
                 'an ingestion key relabelled lpk_');

        # ---- origins and CORS ----
        $r = post_form($site, "/api/leads?key=$key", { Origin => $SITE_ORIGIN }, $body);
        created_ok($r, 'a post from the form\'s origin');
        is($r->{headers}{'access-control-allow-origin'} // '', $SITE_ORIGIN, 'Access-Control-Allow-Origin: that origin');
        like($r->{headers}{vary} // '', qr/\bOrigin\b/, 'Vary: Origin');
        $r = post_form($site, "/api/leads?key=$key", { Origin => 'http://localhost:8080' }, $body);
        created_ok($r, 'the second origin (listed with another case)');
        $r = post_form($site, "/api/leads?key=$key", { Origin => $OTHER_ORIGIN }, $body);
        error_ok($r, 403, 'origin_not_allowed', 'a post from another origin');
        no_cors_ok($r, 'refused origin');
        $r = post_form($site, "/api/leads?key=$key", { Origin => 'https://www.firm.example.evil.example' }, $body);
        error_ok($r, 403, 'origin_not_allowed', 'an origin that only starts like the form\'s');
        $r = post_form($site, "/api/leads?key=$key", { Origin => $SITE_ORIGIN }, 'given=Ada&family=L');
        error_ok($r, 422, 'invalid_request', 'an invalid lead from the form\'s origin (JSON Accept)');
        is($r->{headers}{'access-control-allow-origin'} // '', $SITE_ORIGIN, 'the error carries Access-Control-Allow-Origin too');

        $r = $site->request('OPTIONS', "/api/leads?key=$key",
                            { Origin => $SITE_ORIGIN, 'Access-Control-Request-Method' => 'POST',
                              'Access-Control-Request-Headers' => 'content-type' });
        is($r->{status}, 204, 'preflight from the form\'s origin: 204') or diag $r->{body};
        is($r->{headers}{'access-control-allow-origin'} // '', $SITE_ORIGIN, 'preflight: Allow-Origin');
        is($r->{headers}{'access-control-allow-methods'} // '', 'POST', 'preflight: Allow-Methods POST');
        is($r->{headers}{'access-control-allow-headers'} // '', 'Content-Type, Idempotency-Key', 'preflight: Allow-Headers');
        is($r->{headers}{'access-control-max-age'} // '', '600', 'preflight: Max-Age 600');
        like($r->{headers}{vary} // '', qr/\bOrigin\b/, 'preflight: Vary: Origin');
        is($r->{body}, '', 'preflight: no body');
        $r = $site->request('OPTIONS', "/api/leads?key=$key", { Origin => $OTHER_ORIGIN, 'Access-Control-Request-Method' => 'POST' });
        error_ok($r, 403, 'origin_not_allowed', 'preflight from another origin');
        no_cors_ok($r, 'preflight from another origin');
        $r = $site->request('OPTIONS', '/api/leads', { Origin => $SITE_ORIGIN, Authorization => "Bearer $p->{key}" });
        error_ok($r, 405, 'method_not_allowed', 'OPTIONS without a form key');
        no_cors_ok($r, 'OPTIONS without a form key');

        # ---- bodies ----
        my $mp = multipart('XyZ-boundary-42', [ given => 'Zoë' ], [ family => 'Ørsted' ],
                           [ email => 'zoe@example.com' ], [ resume => "\x00\x01binary", 'cv.pdf' ]);
        $r = $site->post("/api/leads?key=$key", { 'Content-Type' => 'multipart/form-data; boundary=XyZ-boundary-42' }, $mp);
        $id = created_ok($r, 'multipart/form-data with a file part');
        like($r->{headers}{'lawfficient-ignored-fields'} // '', qr/\bresume\b/, 'the file part named in Lawfficient-Ignored-Fields');
        is_deeply(lead_row($site, $id), [ 'Website contact form', 'Zoë', 'Ørsted', 'zoe@example.com', '' ],
                  'the multipart lead, UTF-8 kept') or diag explain lead_row($site, $id);
        $r = $site->post("/api/leads?key=$key", { 'Content-Type' => 'multipart/form-data' }, $mp);
        error_ok($r, 400, 'invalid_json', 'multipart without a boundary');
        $r = $site->post("/api/leads?key=$key", { 'Content-Type' => 'multipart/form-data; boundary=other' }, $mp);
        error_ok($r, 400, 'invalid_json', 'multipart with the wrong boundary');
        $r = $site->post('/api/leads', { Authorization => "Bearer $lik->{key}",
                                         'Content-Type' => 'multipart/form-data; boundary=XyZ-boundary-42' }, $mp);
        error_ok($r, 415, 'unsupported_media_type', 'multipart with an ingestion key') ;
        $r = $site->post("/api/leads?key=$key", {}, { given => 'Grace', family => 'Hopper', email => 'grace@example.com' });
        created_ok($r, 'a JSON body with a form key');
        $r = post_form($site, "/api/leads?key=$key", {}, 'given=%ZZ');
        error_ok($r, 400, 'invalid_json', 'invalid percent-encoding');

        # ---- answers for a browser's plain post ----
        $r = post_form($site, "/api/leads?key=$key", { Accept => $HTML_ACCEPT, Origin => $SITE_ORIGIN }, $body);
        is($r->{status}, 303, 'a browser post: 303 See Other') or diag $r->{body};
        is($r->{headers}{location} // '', $REDIRECT, 'to the form\'s redirect URL');
        $r = post_form($site, "/api/leads?key=$key", { Accept => $HTML_ACCEPT }, 'given=Ada&family=Lovelace&email=nope');
        is($r->{status}, 303, 'a browser post of an invalid lead: 303');
        is($r->{headers}{location} // '', "$REDIRECT?error=invalid_request&fields=email",
           'to the redirect URL with ?error=invalid_request&fields=…');
        $r = post_form($site, "/api/leads?key=$key", { Accept => '*/*' }, $body);
        created_ok($r, 'fetch()\'s default Accept: the JSON answer');
        $r = post_form($site, "/api/leads?key=$plain", { Accept => $HTML_ACCEPT }, $PERSON);
        created_ok($r, 'a browser post to a form without --redirect: the JSON answer');

        # ---- honeypot ----
        my ($spam) = $site->metrics('/metrics');
        ok(defined spam_total($spam, 'honeypot') && defined spam_total($spam, 'captcha'),
           'leads_spam_total is exported for both reasons');
        my $before = $site->sql1('SELECT count(*) FROM leads');
        my $outbox = $site->sql1('SELECT count(*) FROM webhook_deliveries');
        $r = post_form($site, "/api/leads?key=$key", {}, "$body&website=http%3A%2F%2Fspam.example");
        my $fake = created_ok($r, 'honeypot filled: answered like a success');
        $r = post_form($site, "/api/leads?key=$key", { Accept => $HTML_ACCEPT }, "$body&website=x");
        is($r->{status}, 303, 'honeypot filled, browser post: 303');
        is($r->{headers}{location} // '', $REDIRECT, 'honeypot filled: the same redirect');
        is($site->sql1('SELECT count(*) FROM leads'), $before, 'honeypot: nothing stored');
        is($site->sql1("SELECT count(*) FROM leads WHERE id = '$fake'"), 0, 'the leadId is made up');
        is($site->sql1('SELECT count(*) FROM webhook_deliveries'), $outbox, 'honeypot: no webhook');
        $r = post_form($site, "/api/leads?key=$key", {}, "$body&website=");
        created_ok($r, 'honeypot present but empty: a real lead');
        is($site->sql1('SELECT count(*) FROM leads'), $before + 1, 'stored');
        $spam = spam_counted_ok($site, $spam, 'two filled honeypots, one empty', honeypot => 2, captcha => 0);

        # ---- database work: a form post costs no more than an ingestion
        # create; a honeypot hit and a refused origin cost one read, the
        # key's lookup (keys are never cached, so that disabling a form
        # takes effect at once), and no write ----
        my %tagged = (
            'ingestion create' => sub { $site->create($lik->{key}, { first_name => 'Ada', last_name => 'Lovelace',
                                                                   email => 'ada@example.com' }, $_[0]) },
            'form post' => sub { post_form($site, "/api/leads?key=$key", $_[0], $body) },
            'honeypot' => sub { post_form($site, "/api/leads?key=$key", $_[0], "$body&website=x") },
            'refused origin' => sub { post_form($site, "/api/leads?key=$key", { %{ $_[0] }, Origin => $OTHER_ORIGIN }, $body) },
        );
        for my $what (sort keys %tagged) {
            $tagged{$what}->({ 'X-Test-Tag' => 'warm' });      # keys cached, statements prepared
            $tagged{$what}->({ 'X-Test-Tag' => $what =~ s/ /_/gr }) for 1 .. 3;
        }
        my %work;
        my $log = do { local $/; open my $fh, '<', $site->dir . '/logs/statements.log'; $fh ? <$fh> : '' } // '';
        for (split /\n/, $log) {
            my ($tag, $status, $n) = split / /;
            push @{ $work{$tag =~ s/_/ /gr} }, "$status:$n" if $tag ne 'warm';
        }
        note "$backend statements per request: " . join '; ', map { "$_ @{ $work{$_} || [] }" } sort keys %work;
        my $max = sub { my ($m) = sort { $b <=> $a } map { (split /:/)[1] } @{ $work{$_[0]} || [] }; $m // -1 };
        ok(@{ $work{'form post'} || [] } == 3 && !grep(!/^201:/, @{ $work{'form post'} }), 'form posts: 201');
        cmp_ok($max->('form post'), '<=', $max->('ingestion create'), 'a form post runs no more statements than an ingestion create');
        cmp_ok($max->('form post'), '>', 0, '(and some: the log counts them)');
        ok(@{ $work{'ingestion create'} || [] } == 3 && !grep(!/^201:/, @{ $work{'ingestion create'} }),
           'ingestion creates: 201');
        is($max->('honeypot'), 1, 'a honeypot hit: the key\'s lookup only');
        is($max->('refused origin'), 1, 'a refused origin: the key\'s lookup only');
        spam_counted_ok($site, $spam, 'four honeypot hits, no refused origin', honeypot => 4, captcha => 0);

        # ---- disable, enable, delete ----
        $site->ctl('form', 'disable', $f->{id});
        error_ok(post_form($site, "/api/leads?key=$key", {}, $body), 403, 'key_disabled', 'a disabled form');
        $site->ctl('form', 'enable', $f->{id});
        created_ok(post_form($site, "/api/leads?key=$key", {}, $body), 'enabled again');
        $site->ctl('form', 'delete', $f->{id});
        error_ok(post_form($site, "/api/leads?key=$key", {}, $body), 401, 'invalid_key', 'a deleted form');
    };

    subtest "backend $backend: captcha" => sub {
        my $verifier = Receiver->new(paths => {
            '/ok' => { body => '{"success":true,"hostname":"www.firm.example"}' },
            '/no' => { body => '{"success":false,"error-codes":["invalid-input-response"]}' },
        });
        my $down = Receiver->new(down => 1);
        # one child with one pooled connection: a request waiting for the
        # verifier must not keep it from the others
        my $site = LeadsTest->settled_site(backend => $backend, conf => [
            'LeadsRateLimit 0', 'LeadsFormRateLimit 0',
            'StartServers 1', 'ServerLimit 1', 'MaxRequestWorkers 8',
            'DBDMin 0', 'DBDKeep 1', 'DBDMax 1',
            'LeadsCaptchaVerifyURL turnstile ' . $verifier->url('/ok'),
            'LeadsCaptchaVerifyURL hcaptcha ' . $verifier->url('/no'),
            'LeadsCaptchaVerifyURL recaptcha ' . $down->url('/siteverify'),
            @METRICS,
        ]);
        my $p = $site->provision;
        my $secret = 'ts-secret-' . int(rand 1e9);
        my %key;
        for my $c ([ turnstile => $secret ], [ hcaptcha => 'hc-secret' ], [ recaptcha => 'rc-secret' ]) {
            $key{ $c->[0] } = $site->ctl('form', 'add', '--firm', $p->{firm}, '--name', "F $c->[0]",
                                         '--origin', $SITE_ORIGIN, '--captcha', $c->[0], '--captcha-secret', $c->[1]);
        }
        is($site->ctl_run('form', 'add', '--firm', $p->{firm}, '--name', 'X', '--origin', $SITE_ORIGIN,
                          '--captcha', 'turnstile')->{rc}, 2, '--captcha without --captcha-secret: usage error');
        is($site->ctl_run('form', 'add', '--firm', $p->{firm}, '--name', 'X', '--origin', $SITE_ORIGIN,
                          '--captcha', 'nocaptcha', '--captcha-secret', 's')->{rc}, 2, 'an unknown provider: usage error');
        my $list = $site->ctl('form', 'list', '--firm', $p->{firm});
        unlike($list, qr/\Q$secret\E/, 'form list never shows the captcha secret');

        my ($spam) = $site->metrics('/metrics');
        my $before = $site->sql1('SELECT count(*) FROM leads');
        my $r = post_form($site, "/api/leads?key=$key{turnstile}", {}, $PERSON);
        error_ok($r, 422, 'captcha_failed', 'no token');
        is($verifier->count(path => '/ok'), 0, 'no token: the verifier is not asked');
        $r = post_form($site, "/api/leads?key=$key{turnstile}", {}, "$PERSON&cf-turnstile-response=tok%2Ben");
        my $id = created_ok($r, 'a token the verifier accepts');
        my ($asked) = $verifier->requests(path => '/ok');
        my %sent = map { my ($k, $v) = split /=/, $_, 2; ($k => $v) } split /&/, ($asked->{body} // '');
        is($asked->{method} // '', 'POST', 'the verifier got a POST');
        is_deeply(\%sent, { secret => $secret, response => 'tok%2Ben', remoteip => '127.0.0.1' },
                  'with secret, response and remoteip') or diag $asked->{body};
        my ($data) = map { $_->[0] } $site->sql("SELECT data FROM leads WHERE id = '$id'");
        unlike($data // '', qr/turnstile/, 'the token is not stored');
        $r = post_form($site, "/api/leads?key=$key{turnstile}", { Accept => $HTML_ACCEPT }, $PERSON);
        is($r->{status}, 422, 'no token, browser post without a redirect URL: 422');

        $r = post_form($site, "/api/leads?key=$key{hcaptcha}", {}, "$PERSON&h-captcha-response=bad");
        error_ok($r, 422, 'captcha_failed', 'a token the verifier refuses');
        $r = $site->post("/api/leads?key=$key{hcaptcha}", {}, { first_name => 'A', last_name => 'B',
                         email => 'a@b.example', 'h-captcha-response' => 'bad' });
        error_ok($r, 422, 'captcha_failed', 'a refused token in a JSON body');
        $r = post_form($site, "/api/leads?key=$key{recaptcha}", {}, "$PERSON&g-recaptcha-response=t");
        error_ok($r, 503, 'unavailable', 'the verifier cannot be reached');
        like($r->{headers}{'retry-after'} // '', qr/^\d+$/, '503 with Retry-After');
        is($site->sql1('SELECT count(*) FROM leads'), $before + 1, 'only the accepted post stored a lead');
        like($site->error_log, qr/LEADS00102/, 'the unreachable verifier is logged');
        spam_counted_ok($site, $spam, 'two posts without a token, two refused tokens, not the unreachable verifier',
                        honeypot => 0, captcha => 4);

        # a slow verifier: the connection is back in the pool meanwhile
        $verifier->set_plan(paths => { '/ok' => { body => '{"success":true}', delay => 2 } });
        my $count = $site->sql1('SELECT count(*) FROM leads');
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            my $x = post_form($site, "/api/leads?key=$key{turnstile}", {}, "$PERSON&cf-turnstile-response=slow");
            POSIX::_exit($x->{status} == 201 ? 0 : 1);
        }
        sleep 0.5;
        my $t0 = time;
        $r = $site->create($p->{key}, { first_name => 'Api', last_name => 'Meanwhile', email => 'api@example.com', source => 'web' });
        my $took = time - $t0;
        is($r->{status}, 201, 'an API create while a form waits for the verifier (DBDMax 1): 201') or diag $r->{body};
        cmp_ok($took, '<', 1.2, 'without waiting for the form\'s connection');
        waitpid $pid, 0;
        is($? >> 8, 0, 'the slow form post then succeeds (201)');
        is($site->sql1('SELECT count(*) FROM leads'), $count + 2, 'both leads stored');
        unlike($site->error_log, qr/\Q$secret\E/, 'the secret is never logged');
    };

    subtest "backend $backend: LeadsFormRateLimit" => sub {
        my $site = LeadsTest->settled_site(backend => $backend, conf => [ 'LeadsRateLimit 0', 'LeadsFormRateLimit 3 60' ]);
        my $p = $site->provision;
        my $key = $site->ctl('form', 'add', '--firm', $p->{firm}, '--name', 'F', '--origin', $SITE_ORIGIN);
        created_ok(post_form($site, "/api/leads?key=$key", {}, $PERSON), "form post $_") for 1 .. 3;
        my $r = post_form($site, "/api/leads?key=$key", {}, $PERSON);
        error_ok($r, 429, 'rate_limited', 'the 4th post from the address');
        like($r->{headers}{'retry-after'} // '', qr/^\d+$/, 'Retry-After');
        my $src = $site->ctl_json('source', 'add', '--firm', $p->{firm}, '--name', 'S');
        created_ok(post_form($site, '/api/leads', { Authorization => "Bearer $src->{key}" }, $PERSON),
                   'an ingestion key from the same address is not counted');
    };
}

done_testing();
