# docs/api.md §7: the error envelope and the HTTP-level errors (405, 404, 415, 413,
# 400, 409, 403 https_required); no request ever gets a 5xx.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use LeadsTest qw(backends json_text);

my $MAX = 2048;
my @seen;                       # every response, for the "never 5xx" check

sub lead { { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com', source => 'web', @_ } }

sub envelope_ok {
    my ($r, $status, $code, $what) = @_;
    push @seen, [ $what, $r->{status} ];
    subtest "$what -> $status $code" => sub {
        is($r->{status}, $status, "status $status") or diag $r->{body};
        like($r->{headers}{'content-type'} // '', qr{^application/json\b}i, 'Content-Type: application/json');
        my $e = ref $r->{json} eq 'HASH' ? $r->{json}{error} : undef;
        ok(ref $e eq 'HASH', 'body is {"error":{...}}') or return diag $r->{body};
        is_deeply([ sort keys %{ $r->{json} } ], ['error'], 'nothing beside "error"');
        is($e->{code}, $code, "code $code");
        ok(defined $e->{message} && !ref $e->{message} && length $e->{message}, 'a message');
        ok(exists $e->{details}, 'details present');
        like($r->{headers}{'x-request-id'} // '', qr/\S/, 'X-Request-Id');
        is($r->{headers}{'lawfficient-version'}, '2026-07-01', 'Lawfficient-Version: 2026-07-01');
    };
}

sub raw_post {
    my ($site, $headers, $body) = @_;
    my $req = "POST /api/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            . join('', map { "$_\r\n" } @$headers) . "\r\n" . $body;
    return $site->raw($req);
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        @seen = ();
        my $site = LeadsTest->site(backend => $backend, conf => "LeadsMaxBodySize $MAX");
        my $p = $site->provision;
        my %auth = (Authorization => "Bearer $p->{key}");

        for my $m (qw(GET PUT DELETE PATCH)) {
            my $r = $site->request($m, '/api/leads', \%auth, $m eq 'GET' || $m eq 'DELETE' ? undef : lead());
            envelope_ok($r, 405, 'method_not_allowed', "$m /api/leads");
            is($r->{headers}{allow}, 'POST', "$m: Allow: POST");
        }

        envelope_ok($site->post('/api/leads/extra', \%auth, lead()), 404, 'not_found', 'POST /api/leads/extra');
        envelope_ok($site->post('/api/leads/1/2', \%auth, lead()), 404, 'not_found', 'POST /api/leads/1/2');

        my $before = $site->count_leads;
        envelope_ok($site->post('/api/leads', { %auth, 'Content-Type' => 'text/plain' }, lead()),
                    415, 'unsupported_media_type', 'Content-Type: text/plain');
        envelope_ok(raw_post($site, [ "Authorization: Bearer $p->{key}", 'Content-Length: ' . length json_text(lead()) ],
                             json_text(lead())),
                    415, 'unsupported_media_type', 'no Content-Type');
        envelope_ok($site->post('/api/leads', { %auth, 'Content-Type' => 'application/jsonx' }, lead()),
                    415, 'unsupported_media_type', 'Content-Type: application/jsonx');
        is($site->count_leads, $before, '415s wrote no row');

        subtest 'Content-Type: application/json; charset=utf-8 is accepted' => sub {
            my $r = $site->post('/api/leads', { %auth, 'Content-Type' => 'application/json; charset=utf-8' }, lead());
            push @seen, [ 'charset', $r->{status} ];
            is($r->{status}, 201, 'status 201') or diag $r->{body};
            like($r->{headers}{'x-request-id'} // '', qr/\S/, 'success has X-Request-Id');
            is($r->{headers}{'lawfficient-version'}, '2026-07-01', 'success has Lawfficient-Version');
            my $r2 = $site->post('/api/leads', \%auth, lead());
            isnt($r2->{headers}{'x-request-id'}, $r->{headers}{'x-request-id'}, 'X-Request-Id differs per request');
        };

        # Bodies around LeadsMaxBodySize: valid JSON padded with white space.
        my $pad = sub { my $j = json_text(lead()); $j . (' ' x ($_[0] - length $j)) };
        subtest "a body of exactly LeadsMaxBodySize ($MAX) bytes is accepted" => sub {
            my $r = $site->post('/api/leads', \%auth, $pad->($MAX));
            push @seen, [ 'max', $r->{status} ];
            is($r->{status}, 201, 'status 201') or diag $r->{body};
        };
        $before = $site->count_leads;
        envelope_ok($site->post('/api/leads', \%auth, $pad->($MAX + 1)), 413, 'payload_too_large',
                    'Content-Length one over LeadsMaxBodySize');
        envelope_ok($site->post('/api/leads', \%auth, $pad->(10 * $MAX)), 413, 'payload_too_large',
                    'Content-Length well over');
        {
            my $big = $pad->(3 * $MAX);
            my $chunked = join('', map { sprintf("%x\r\n%s\r\n", length $_, $_) } unpack('(a500)*', $big)) . "0\r\n\r\n";
            envelope_ok(raw_post($site, [ "Authorization: Bearer $p->{key}", 'Content-Type: application/json',
                                          'Transfer-Encoding: chunked' ], $chunked),
                        413, 'payload_too_large', 'chunked body over LeadsMaxBodySize (no Content-Length)');
            my $ok = $pad->(1000);
            $chunked = join('', map { sprintf("%x\r\n%s\r\n", length $_, $_) } unpack('(a300)*', $ok)) . "0\r\n\r\n";
            my $r = raw_post($site, [ "Authorization: Bearer $p->{key}", 'Content-Type: application/json',
                                      'Transfer-Encoding: chunked' ], $chunked);
            push @seen, [ 'chunked ok', $r->{status} ];
            is($r->{status}, 201, 'a chunked body under the limit is accepted') or diag $r->{body};
            $before++ if $r->{status} == 201;
        }
        is($site->count_leads, $before, '413s wrote no row');

        $before = $site->count_leads;
        my $deep = '{"first_name":"Ada","last_name":"L","email":"a@example.com","source":"web","data":{"x":'
                 . ('[' x 100) . (']' x 100) . '}}';
        my %bad = (
            'broken JSON'                  => '{"first_name": "Ada",',
            'trailing garbage'             => json_text(lead()) . ' x',
            'empty body'                   => '',
            'a JSON array'                 => '[' . json_text(lead()) . ']',
            'a JSON string'                => '"Ada"',
            'null'                         => 'null',
            'invalid UTF-8 (\xff)'         => '{"first_name":"Ad' . "\xff" . '","last_name":"L","email":"a@example.com","source":"web"}',
            'invalid UTF-8 (overlong /)'   => '{"first_name":"Ad' . "\xc0\xaf" . '","last_name":"L","email":"a@example.com","source":"web"}',
            'invalid UTF-8 (surrogate)'    => '{"first_name":"Ad' . "\xed\xa0\x80" . '","last_name":"L","email":"a@example.com","source":"web"}',
            'nesting 100 deep'             => $deep,
        );
        for my $name (sort keys %bad) {
            envelope_ok($site->post('/api/leads', \%auth, $bad{$name}), 400, 'invalid_json', "body: $name");
        }
        is($site->count_leads, $before, '400s wrote no row');

        subtest 'a firm with only closed stages -> 409 no_open_stage, no row' => sub {
            my $c = $site->provision(name => 'Closed only', stages => [ [ 'won', 'Won', 0, 1 ], [ 'lost', 'Lost', 1, 1 ] ]);
            my $n = $site->count_leads;
            envelope_ok($site->create($c->{key}, lead()), 409, 'no_open_stage', 'only closed stages');
            my $none = $site->provision(name => 'No stages', stages => []);
            envelope_ok($site->create($none->{key}, lead()), 409, 'no_open_stage', 'no stages at all');
            is($site->count_leads, $n, 'no row');
        };

        subtest 'no response was a 5xx, no child crashed' => sub {
            my @five = grep { $_->[1] >= 500 } @seen;
            is_deeply(\@five, [], 'no 5xx') or diag explain \@five;
            is_deeply([ $site->crashes ], [], 'no crash in the error log');
        };
        $site->stop;

        subtest 'LeadsRequireTLS On: plain HTTP -> 403 https_required' => sub {
            my $tls = LeadsTest->site(backend => $backend, conf => 'LeadsRequireTLS On');
            my $t = $tls->provision;
            my $n = $tls->count_leads;
            envelope_ok($tls->create($t->{key}, lead()), 403, 'https_required', 'plain http');
            envelope_ok($tls->create($t->{key}, lead(), { 'X-Forwarded-Proto' => 'https' }), 403,
                        'https_required', 'plain http claiming X-Forwarded-Proto: https');
            is($tls->count_leads, $n, 'no row');
            $tls->stop;
        };
    };
}

done_testing;
