# docs/api.md §7 (with §2, §4, §6): a catalogue of hostile requests.  "A bad
# request never crashes a child, never leaves a partial lead, and never
# returns a 5xx."  Every case is a row of one table: a name, a request
# builder (exact bytes where it matters) and the statuses docs/api.md allows.
# For every row: a response came back, it is < 500 and one of the allowed
# statuses, an error has the §7.1 envelope (and the code §7.2 fixes for
# its status), and the lead/idempotency row counts moved only for a 201.
# After the table: a valid create still gets 201, no child crashed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use IO::Socket::INET;
use JSON::PP ();
use Time::HiRes qw(sleep time);
use LeadsTest qw(backends json_text);

my $MAX  = 16384;               # LeadsMaxBodySize for this site
my $FORM = 'application/x-www-form-urlencoded';

# ------------------------------------------------------------ body builders

# A JSON object text from raw JSON fragments, in a fixed key order.  A
# fragment given as undef leaves the key out; _tail is raw text appended
# inside the object (duplicate keys); _extra => [[k, raw]...] adds keys.
my @ORDER = qw(first_name last_name email phone source assignee_id data);
sub jbody {
    my %f = (first_name => '"Ada"', last_name => '"Lovelace"', email => '"ada@example.com"',
             phone => '"+44 20 7946 0958"', source => '"web"', @_);
    my @parts = map { qq{"$_":$f{$_}} } grep { defined $f{$_} } @ORDER;
    push @parts, map { qq{"$_->[0]":$_->[1]} } @{ $f{_extra} || [] };
    push @parts, $f{_tail} if defined $f{_tail};
    return '{' . join(',', @parts) . '}';
}
sub jstr { my $s = shift; $s =~ s/(["\\])/\\$1/g; qq{"$s"} }   # bytes in quotes (no other escaping)
sub VALID { jbody() }

# A form body (ingestion) from already-encoded pairs.
sub fbody { join '&', 'first_name=Ada', 'last_name=Lovelace', 'email=ada%40example.com', @_ }

# ------------------------------------------------------------ raw HTTP

# Send a request in parts (bytes; a number in the list = pause that many
# seconds), half-close, read the whole answer; parse it like LeadsTest::raw.
# Never dies: a connection the server dropped gives status 0.
sub send_parts {
    my ($site, @parts) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $site->port,
                                  Proto => 'tcp', Timeout => 10)
        or return { status => 0, headers => {}, body => "connect: $!" };
    binmode $s;
    for my $p (@parts) {
        if (ref $p eq 'SCALAR') { sleep $$p; next }
        my $off = 0;
        while ($off < length $p) {
            my $n = syswrite $s, $p, 65536, $off;
            last unless defined $n && $n > 0;       # server closed: read what it said
            $off += $n;
        }
    }
    shutdown $s, 1;
    my $in = '';
    my $ok = eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 25;
        while (1) {
            my $n = sysread $s, my $buf, 65536;
            last unless $n;
            $in .= $buf;
        }
        alarm 0;
        1;
    };
    alarm 0;
    close $s;
    my ($status, $h, $body, $head) = LeadsTest::parse_response($in);
    my %r = (status => $status, headers => $h, body => $body, raw_head => $head,
             $ok ? () : (error => $@));
    $r{json} = eval { JSON::PP->new->utf8->decode($body) } if length $body;
    return \%r;
}

sub head_text {
    my ($hdrs) = @_;
    return "POST /api/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
         . join('', map { "$_\r\n" } @$hdrs) . "\r\n";
}

# Chunked encoding of $body in pieces of $size bytes (hex as given by $fmt).
sub chunked {
    my ($body, $size, $fmt) = @_;
    $fmt //= '%x';
    return join('', map { sprintf("$fmt\r\n", length $_) . "$_\r\n" } unpack("(a$size)*", $body))
         . "0\r\n\r\n";
}

# ------------------------------------------------------------ request kinds
# Each returns a builder: sub ($ctx) -> response.  $ctx: site, key, ikey.

sub api {                       # POST JSON bytes with the API key
    my ($body, %h) = @_;
    return sub {
        my ($c) = @_;
        $c->{site}->post('/api/leads', { Authorization => "Bearer $c->{key}", %h }, $body);
    };
}
sub ingest {                    # POST bytes with the ingestion key (JSON unless told)
    my ($body, %h) = @_;
    return sub {
        my ($c) = @_;
        $c->{site}->post('/api/leads', { Authorization => "Bearer $c->{ikey}", %h }, $body);
    };
}
sub form { my ($body, %h) = @_; ingest($body, 'Content-Type' => $FORM, %h) }
sub webform {                   # POST bytes with a web form's key in the URL (docs/api.md §10)
    my ($body, %h) = @_;
    return sub {
        my ($c) = @_;
        $c->{site}->post("/api/leads?key=$c->{fkey}", { 'Content-Type' => $FORM, %h }, $body);
    };
}
# A multipart/form-data body of [name, value] parts, boundary "b0und".
sub mp_body {
    my (@parts) = @_;
    return join('', map { "--b0und\r\nContent-Disposition: form-data; name=\"$_->[0]\"\r\n\r\n$_->[1]\r\n" } @parts)
         . "--b0und--\r\n";
}
my @MP_LEAD = ([ first_name => 'Ada' ], [ last_name => 'Lovelace' ], [ email => 'ada@example.com' ]);
sub multipart { webform($_[0], 'Content-Type' => $_[1] // 'multipart/form-data; boundary=b0und') }

# Raw bytes: $hdrs (array of header lines, "KEY" replaced by the API key,
# "IKEY" by the ingestion key) then body parts (strings, \seconds pauses).
sub rawreq {
    my ($hdrs, @body) = @_;
    return sub {
        my ($c) = @_;
        my @h = map { (my $l = $_) =~ s/\bIKEY\b/$c->{ikey}/; $l =~ s/\bKEY\b/$c->{key}/; $l } @$hdrs;
        send_parts($c->{site}, head_text(\@h), @body);
    };
}
sub rawjson {                   # raw, with auth + JSON Content-Type + Content-Length
    my ($body, @more) = @_;
    return rawreq([ 'Authorization: Bearer KEY', 'Content-Type: application/json',
                    'Content-Length: ' . length($body), @more ], $body);
}
sub rawchunked {
    my ($chunked, @more) = @_;
    return rawreq([ 'Authorization: Bearer KEY', 'Content-Type: application/json',
                    'Transfer-Encoding: chunked', @more ], ref $chunked ? @$chunked : $chunked);
}

# ------------------------------------------------------------ the table
#
# status: one status or a list of allowed ones (where docs/api.md leaves the
# choice open: e.g. a number JSON allows but a C parser cannot hold).
# code: the error code, or {status => code}; by default 400 invalid_json,
# 413 payload_too_large, 415 unsupported_media_type, 422 invalid_request.
# core => 1: httpd itself may answer before the handler (no envelope
# required then, but one is still checked when the body is JSON).
# field => the lead field a 422's details must name.  check => sub ($r, $c).

my %DEFAULT_CODE = (400 => 'invalid_json', 401 => undef, 413 => 'payload_too_large',
                    415 => 'unsupported_media_type', 422 => 'invalid_request');
my @CASES;
sub case { push @CASES, { @_ } }

# ---- body shape (§4.1, §7.2: 400 invalid_json) ----
case(name => 'empty body', req => api(''), status => 400);
case(name => 'empty body (raw, Content-Length: 0)', req => rawjson(''), status => 400);
case(name => 'empty body, no Content-Length', req => rawreq([ 'Authorization: Bearer KEY', 'Content-Type: application/json' ]), status => [400, 411]);
case(name => "whitespace-only body ($_)", req => api($_), status => 400)
    for ' ', "\n", "\r\n\t  ", ' ' x 5000;
case(name => "top-level JSON $_->[0]", req => api($_->[1]), status => 400)
    for [ string => '"Ada"' ], [ number => '42' ], [ 'negative number' => '-1.5e3' ],
        [ true => 'true' ], [ false => 'false' ], [ null => 'null' ], [ 'empty array' => '[]' ],
        [ 'array of the lead' => '[' . VALID() . ']' ], [ 'empty string' => '""' ];
case(name => "truncated after $_ bytes", req => api(substr(VALID(), 0, $_)), status => 400)
    for 1, 2, 14, 15, 30, 57, length(VALID()) - 2, length(VALID()) - 1;
case(name => 'truncated inside a \\u escape', req => api('{"first_name":"A\\u00'), status => 400);
case(name => 'truncated inside a multibyte character', req => api('{"first_name":"' . "\xc3"), status => 400);
case(name => "trailing garbage: $_->[0]", req => api(VALID() . $_->[1]), status => 400)
    for [ 'a word' => ' x' ], [ 'a second object' => '{}' ], [ 'a brace' => '}' ],
        [ 'a comma' => ',' ], [ 'a NUL byte' => "\0" ], [ 'a second lead' => "\n" . VALID() ],
        [ 'a comment' => ' // hi' ];
case(name => 'UTF-8 BOM before the object', req => api("\xef\xbb\xbf" . VALID()), status => [201, 400]);
case(name => 'UTF-16LE body', req => api(join('', map { "$_\0" } split //, VALID())), status => 400);
case(name => 'single-quoted JSON', req => api(q{{'first_name':'Ada'}}), status => 400);
case(name => 'unquoted keys', req => api('{first_name:"Ada",last_name:"L",email:"a@b.co",source:"w"}'), status => 400);
case(name => 'trailing comma in the object', req => api(substr(VALID(), 0, -1) . ',}'), status => 400);
case(name => 'NaN literal', req => api(jbody(data => '{"amount":NaN}')), status => 400);
case(name => 'Infinity literal', req => api(jbody(data => '{"amount":Infinity}')), status => 400);

# ---- deep nesting (§4.1: "nested too deep" is invalid_json) ----
for my $d (10, 20) {            # shallow enough that docs/api.md allows either answer
    case(name => "arrays $d deep in an unknown data key", req => api(jbody(data => '{"x":' . ('[' x $d) . (']' x $d) . '}')),
         status => [201, 400]);
    case(name => "objects $d deep in an unknown data key",
         req => api(jbody(data => '{"x":' . ('{"a":' x $d) . '1' . ('}' x $d) . '}')), status => [201, 400]);
}
for my $d (100, 500, 1000, 2048, 5000) {
    case(name => "arrays $d deep in an unknown data key", req => api(jbody(data => '{"x":' . ('[' x $d) . (']' x $d) . '}')),
         status => 400);
    case(name => "arrays $d deep at the top level", req => api(('[' x $d) . (']' x $d)), status => 400);
    case(name => "arrays $d deep, never closed", req => api(jbody(data => '{"x":' . ('[' x $d))), status => 400);
}
for my $d (100, 1000, 2500) {
    case(name => "objects $d deep in an unknown data key",
         req => api(jbody(data => '{"x":' . ('{"a":' x $d) . 'null' . ('}' x $d) . '}')), status => 400);
    case(name => "objects $d deep as the text field notes",
         req => api(jbody(data => '{"notes":' . ('{"a":' x $d) . 'null' . ('}' x $d) . '}')), status => [400, 422]);
}
case(name => 'objects 3000 deep, never closed', req => api('{"a":' x 3000), status => 400);
case(name => 'arrays 5000 deep with the ingestion key', req => ingest(('[' x 5000) . (']' x 5000)), status => 400);

# ---- invalid and overlong UTF-8 in every string field, data values and keys ----
my @BAD_UTF8 = (
    [ 'overlong NUL C0 80'            => "\xc0\x80" ],
    [ 'overlong slash C0 AF'          => "\xc0\xaf" ],
    [ 'overlong E0 80 80'             => "\xe0\x80\x80" ],
    [ 'overlong F0 80 80 80'          => "\xf0\x80\x80\x80" ],
    [ '5-byte F8 88 80 80 80'         => "\xf8\x88\x80\x80\x80" ],
    [ 'FF byte'                       => "\xff" ],
    [ 'raw surrogate ED A0 80'        => "\xed\xa0\x80" ],
    [ 'lone continuation 80'          => "\x80" ],
    [ 'truncated sequence E2 82'      => "\xe2\x82" ],
    [ 'past U+10FFFF F4 90 80 80'     => "\xf4\x90\x80\x80" ],
);
my @STRING_FIELDS = qw(first_name last_name email phone source);
for my $u (@BAD_UTF8) {
    my ($what, $bytes) = @$u;
    case(name => "invalid UTF-8 ($what) in $_", req => api(jbody($_ => qq{"a${bytes}b"})), status => 400)
        for @STRING_FIELDS;
    case(name => "invalid UTF-8 ($what) in a data value", req => api(jbody(data => qq{{"notes":"x${bytes}"}})), status => 400);
    case(name => "invalid UTF-8 ($what) in a data key", req => api(jbody(data => qq{{"k${bytes}":"x"}})), status => 400);
}
case(name => "invalid UTF-8 (FF) in the ingestion JSON", req => ingest(qq{{"first_name":"A\xff","last_name":"L","email":"a\@b.co"}}), status => 400);

# Escaped lone surrogates: grammatical JSON, but not Unicode text.
for my $esc ('\\uD800', '\\uDC00', '\\uDBFF\\u0041', '\\uD800\\uD800', '\\uDFFF') {
    case(name => "escaped lone surrogate $esc in first_name", req => api(jbody(first_name => qq{"A$esc"})), status => [400, 422]);
    case(name => "escaped lone surrogate $esc in a data value", req => api(jbody(data => qq{{"notes":"$esc"}})), status => [400, 422]);
}
case(name => 'escaped lone surrogate in a data key', req => api(jbody(data => '{"\\uD800":"x"}')), status => [201, 400, 422]);
case(name => 'a valid escaped surrogate pair is fine', req => api(jbody(first_name => '"\\uD83D\\uDE00"')), status => 201);

# ---- NUL and control characters ----
# Raw (unescaped) control bytes inside a JSON string are not JSON.
for my $cc ([ NUL => "\0" ], [ 'SOH' => "\x01" ], [ 'US' => "\x1f" ], [ 'LF' => "\n" ]) {
    case(name => "raw $cc->[0] byte in $_", req => api(jbody($_ => qq{"a$cc->[1]b"})), status => 400)
        for @STRING_FIELDS;
    case(name => "raw $cc->[0] byte in a data value", req => api(jbody(data => qq{{"notes":"a$cc->[1]b"}})), status => 400);
    case(name => "raw $cc->[0] byte in a data key", req => api(jbody(data => qq{{"a$cc->[1]b":"x"}})), status => 400);
}
# Escaped: valid JSON; names allow no control characters (§4.2) -> 422.
for my $f (qw(first_name last_name)) {
    case(name => "escaped \\u0000 in $f", req => api(jbody($f => '"Ad\\u0000a"')), status => [400, 422], field => $f);
    case(name => "escaped $_ in $f", req => api(jbody($f => qq{"Ad${_}a"})), status => 422, field => $f)
        for '\\u0001', '\\u0007', '\\b', '\\u001b', '\\u001f', '\\u007f', '\\n', '\\t', '\\r';
}
case(name => 'escaped \\u0000 in source', req => api(jbody(source => '"w\\u0000b"')), status => [400, 422]);
case(name => 'escaped \\u0001 in source', req => api(jbody(source => '"w\\u0001b"')), status => [201, 422]);
case(name => 'escaped \\u0000 in email', req => api(jbody(email => '"a\\u0000b@example.com"')), status => [400, 422]);
case(name => 'escaped \\n in email', req => api(jbody(email => '"a\\nb@example.com"')), status => [400, 422]);
case(name => 'escaped \\u0000 in phone', req => api(jbody(phone => '"+4420\\u00007946 0958"')), status => [400, 422]);
case(name => 'escaped \\u0001 in phone', req => api(jbody(phone => '"+4420\\u00017946 0958"')), status => 422, field => 'phone');
case(name => 'escaped \\u0000 in a text data value', req => api(jbody(data => '{"notes":"a\\u0000b"}')), status => [201, 400, 422]);
case(name => 'escaped \\u0001 in a text data value', req => api(jbody(data => '{"notes":"a\\u0001b"}')), status => [201, 422]);
case(name => 'escaped \\u0000 in a choice value', req => api(jbody(data => '{"caseType":"Family\\u0000"}')), status => [400, 422]);
case(name => 'escaped \\u0000 in a data key', req => api(jbody(data => '{"notes\\u0000x":"a"}')), status => [201, 400, 422]);
case(name => 'escaped \\u0000 as a whole data key', req => api(jbody(data => '{"\\u0000":"a"}')), status => [201, 400, 422]);
case(name => 'escaped \\u0000 in a top-level key', req => api(jbody(_extra => [ [ 'first_name\\u0000', '"x"' ] ])), status => [400, 422]);
# Dropped data keys are echoed in a response header: CR LF must not split it.
case(name => 'CR LF in an unknown data key (header injection)',
     req => api(jbody(data => '{"a\\r\\nX-Injected: 1":"x","b\\nSet-Cookie: s=1":"y"}')), status => [201, 400, 422],
     check => sub {
         my ($r) = @_;
         ok(!exists $r->{headers}{'x-injected'} && !exists $r->{headers}{'set-cookie'}, 'no injected response header');
     });
case(name => "$_->[0] in an unknown data key (response header)", req => api(jbody(data => qq{{"a$_->[1]b":"x"}})),
     status => [201, 400, 422], check => sub { ok(!exists $_[0]{headers}{'x-injected'}, 'no injected response header') })
    for [ 'escaped \\u0001' => '\\u0001' ], [ 'escaped \\u007f' => '\\u007f' ], [ 'escaped \\t' => '\\t' ],
        [ 'escaped \\r' => '\\r' ];
case(name => 'unknown data key with a comma and colon', req => api(jbody(data => '{"a,b: c":"x"}')), status => [201, 422]);

# ---- numbers at and past the limits, in the number field and elsewhere ----
my @NUMBERS = ('1e309', '-1e309', '1E400', '-0', '-0.0', '1e-400', '4.9e-324', '1.7976931348623157e308',
               '18446744073709551616', '-18446744073709551617', '99999999999999999999999',
               '9223372036854775807', '-9223372036854775808', '9223372036854775808',
               '0.' . ('1' x 300), '1' . ('0' x 400), '1e999999999999', '1e-999999999999');
for my $n (@NUMBERS) {
    case(name => "number $n in the number field", req => api(jbody(data => qq{{"amount":$n}})), status => [201, 400, 422]);
    case(name => "number $n in an unknown data key", req => api(jbody(data => qq{{"zz":$n}})), status => [201, 400, 422]);
}
case(name => "number $_ as first_name", req => api(jbody(first_name => $_)), status => [400, 422]) for '1e309', '18446744073709551616';
case(name => "malformed number $_", req => api(jbody(data => qq{{"amount":$_}})), status => 400)
    for '01', '.5', '1.', '+1', '-', '0x10', '1e', '1e+', '--1', '1.2.3';

# ---- duplicate keys: either answer, but one lead at most and never a 5xx ----
case(name => "duplicate key: $_->[0]", req => api(jbody(_tail => $_->[1])), status => [201, 400, 422])
    for [ 'first_name same value'   => '"first_name":"Ada"' ],
        [ 'first_name other value'  => '"first_name":"Bob"' ],
        [ 'first_name wrong type'   => '"first_name":7' ],
        [ 'email'                   => '"email":"other@example.com"' ],

        [ 'assignee_id bad'         => '"assignee_id":"nope"' ],
        [ 'source empty'            => '"source":""' ];
case(name => 'duplicate key: data twice', req => api(jbody(data => '{"notes":"a"}', _tail => '"data":{"notes":7}')), status => [201, 400, 422]);
case(name => 'duplicate key inside data', req => api(jbody(data => '{"notes":"a","notes":"b"}')), status => [201, 400, 422]);
case(name => 'duplicate key: 200 times first_name', req => api(jbody(_tail => join(',', ('"first_name":"X"') x 200))), status => [201, 400, 422]);

# ---- every field with the wrong type (§4.2, §4.3 -> 422 naming the field) ----
my %WRONG = (array => '["Ada"]', object => '{"a":"Ada"}', number => '12', bool => 'true', 'empty array' => '[]');
for my $f (@STRING_FIELDS) {
    for my $t (sort keys %WRONG) {
        case(name => "$f as $t", req => api(jbody($f => $WRONG{$t})), status => 422, field => $f);
    }
}
case(name => "$_ as null (required)", req => api(jbody($_ => 'null')), status => 422, field => $_) for qw(first_name last_name source);
case(name => "$_ as null", req => api(jbody($_ => 'null')), status => [201, 422]) for qw(email phone);
case(name => "assignee_id as $_", req => api(jbody(assignee_id => $WRONG{$_})), status => 422, field => 'assignee_id')
    for sort keys %WRONG;
case(name => "assignee_id $_->[0]", req => api(jbody(assignee_id => $_->[1])), status => 422, field => 'assignee_id')
    for [ 'not a UUID' => '"nobody"' ], [ 'empty' => '""' ], [ 'SQL' => q{"' OR '1'='1"} ],
        [ 'uppercase nobody UUID' => '"01890A5D-AC96-774B-BCCE-B302099A8057"' ],
        [ 'a UUID of nobody' => '"01890a5d-ac96-774b-bcce-b302099a8057"' ],
        [ 'UUID with a NUL' => '"01890a5d-ac96-774b-bcce-b302099a805\\u0000"' ];
case(name => "data as $_->[0]", req => api(jbody(data => $_->[1])), status => 422, field => 'data')
    for [ array => '[]' ], [ string => '"x"' ], [ number => '1' ], [ bool => 'false' ], [ 'array of objects' => '[{"notes":"x"}]' ];
case(name => 'data as null (= empty)', req => api(jbody(data => 'null')), status => 201);
for my $t ([ notes => 'text', qw(12 true [] {} ["a"]) ], [ amount => 'number', qw("12" true [] {} "1e3") ],
           [ urgent => 'boolean', qw("true" 1 0 [] {}) ], [ caseType => 'choice', qw("family" "Other" 1 [] "Family\u0020") ],
           [ incidentDate => 'date', qw("2024-02-30" "2023-02-29" "2024-13-01" "2024-00-10" "20240101" 20240101 "2024-1-1" "0000-00-00" "99999-01-01" []) ]) {
    my ($field, $type, @vals) = @$t;
    case(name => "data.$field ($type) = $_", req => api(jbody(data => qq{{"$field":$_}})), status => 422, field => "data.$field")
        for @vals;
}
case(name => "unknown top-level field $_", req => api(jbody(_extra => [ [ $_, '"x"' ] ])), status => 422, field => $_)
    for qw(firm_id id status created_at archived extra);
case(name => 'unknown top-level field with a 5000-byte name', req => api(jbody(_extra => [ [ 'k' x 5000, '1' ] ])), status => 422);
case(name => 'no contact (email and phone empty)', req => api(jbody(email => '""', phone => '""')), status => 422);
case(name => 'empty object', req => api('{}'), status => 422);

# ---- lengths (§4.2: names and source 1-100 characters; §4.3: text data <= 1000) ----
my $E = "\xc3\xa9";                 # é: two bytes, one character
my $EMOJI = "\xf0\x9f\x98\x80";     # one character, four bytes
for my $f (qw(first_name last_name source)) {
    case(name => "$f of 100 characters", req => api(jbody($f => jstr('a' x 100))), status => 201);
    case(name => "$f of 101 characters", req => api(jbody($f => jstr('a' x 101))), status => 422, field => $f);
    case(name => "$f of 100 two-byte characters", req => api(jbody($f => jstr($E x 100))), status => 201);
    case(name => "$f of 101 two-byte characters", req => api(jbody($f => jstr($E x 101))), status => 422, field => $f);
    case(name => "$f of 100 emoji", req => api(jbody($f => jstr($EMOJI x 100))), status => 201);
    case(name => "$f of 10000 characters", req => api(jbody($f => jstr('a' x 10000))), status => 422, field => $f);
    case(name => "$f of only spaces", req => api(jbody($f => jstr(' ' x 50))), status => 422, field => $f);
}
case(name => 'first_name of 100 characters plus surrounding spaces', req => api(jbody(first_name => jstr('  ' . ('b' x 100) . '  '))), status => 201);
case(name => 'data.notes of 1000 characters', req => api(jbody(data => '{"notes":' . jstr('n' x 1000) . '}')), status => 201);
case(name => 'data.notes of 1001 characters', req => api(jbody(data => '{"notes":' . jstr('n' x 1001) . '}')), status => 422, field => 'data.notes');
case(name => 'data.notes of 1000 four-byte characters', req => api(jbody(data => '{"notes":' . jstr($EMOJI x 1000) . '}')), status => 201);
case(name => 'data.notes of 1001 four-byte characters', req => api(jbody(data => '{"notes":' . jstr($EMOJI x 1001) . '}')), status => 422, field => 'data.notes');
case(name => 'data.amount as null', req => api(jbody(data => '{"amount":null}')), status => [201, 422]);
case(name => 'data.notes of 10000 characters', req => api(jbody(data => '{"notes":' . jstr('n' x 10000) . '}')), status => 422, field => 'data.notes');
case(name => 'an unknown data key of 10000 characters', req => api(jbody(data => '{"' . ('k' x 10000) . '":1}')), status => [201, 422]);
case(name => '1000 unknown data keys', req => api(jbody(data => '{' . join(',', map { qq{"k$_":1} } 1 .. 1000) . '}')), status => [201, 422]);
case(name => 'email of 255 characters', req => api(jbody(email => jstr(('a' x 60) . '@' . join('.', ('d' x 60) x 3) . '.c' . ('o' x 10)))), status => 422, field => 'email');
case(name => 'email local part of 65 characters', req => api(jbody(email => jstr(('a' x 65) . '@example.com'))), status => 422, field => 'email');
case(name => 'email of 10000 characters', req => api(jbody(email => jstr(('a' x 10000) . '@example.com'))), status => 422, field => 'email');
case(name => 'phone of 10000 digits', req => api(jbody(phone => jstr('1' x 10000))), status => 422, field => 'phone');

# ---- bodies over LeadsMaxBodySize (§4.1: 413 payload_too_large) ----
my $pad = sub { my $j = VALID(); $j . (' ' x ($_[0] - length $j)) };
case(name => "body of exactly LeadsMaxBodySize ($MAX)", req => api($pad->($MAX)), status => 201);
case(name => 'body one byte over (Content-Length)', req => api($pad->($MAX + 1)), status => 413);
case(name => 'body of 200 KB (Content-Length)', req => rawjson($pad->(200_000)), status => 413);
case(name => 'body of 2 MB (Content-Length)', req => rawjson($pad->(2_000_000)), status => 413);
case(name => 'Content-Length of 10 GB, no body sent',
     req => rawreq([ 'Authorization: Bearer KEY', 'Content-Type: application/json', 'Content-Length: 10000000000' ]), status => [400, 413]);
case(name => 'Content-Length of 2^64', core => 1,
     req => rawreq([ 'Authorization: Bearer KEY', 'Content-Type: application/json', 'Content-Length: 18446744073709551616' ], VALID()),
     status => [400, 413]);
case(name => 'Content-Length negative', core => 1,
     req => rawreq([ 'Authorization: Bearer KEY', 'Content-Type: application/json', 'Content-Length: -1' ], VALID()), status => 400);
case(name => 'Content-Length not a number', core => 1,
     req => rawreq([ 'Authorization: Bearer KEY', 'Content-Type: application/json', 'Content-Length: abc' ], VALID()), status => 400);
case(name => 'Content-Length larger than the body sent', core => 1,
     req => rawreq([ 'Authorization: Bearer KEY', 'Content-Type: application/json', 'Content-Length: 500' ], VALID()), status => 400);
case(name => 'chunked body one byte over', req => rawchunked(chunked($pad->($MAX + 1), 4000)), status => 413);
case(name => 'chunked body of 200 KB in 1000-byte chunks', req => rawchunked(chunked($pad->(200_000), 1000)), status => 413);
case(name => 'chunked body over in one chunk', req => rawchunked(chunked($pad->(3 * $MAX), 3 * $MAX)), status => 413);
case(name => 'chunk size of 2^64+', core => 1, req => rawchunked("fffffffffffffffff\r\n" . VALID() . "\r\n0\r\n\r\n"), status => [400, 413]);
case(name => 'chunk size 7fffffffffffffff', core => 1, req => rawchunked("7fffffffffffffff\r\n" . VALID() . "\r\n0\r\n\r\n"), status => [400, 413]);
case(name => 'form body over the limit', req => form(fbody('notes=' . ('x' x $MAX))), status => 413);
case(name => 'ingestion JSON over the limit', req => ingest($pad->($MAX + 100)), status => 413);

# ---- chunked bodies with odd chunk sizes (valid: 201) and broken chunking ----
case(name => "chunked in $_-byte chunks", req => rawchunked(chunked(VALID(), $_)), status => 201) for 1, 2, 3, 7, 13, 64, 127;
case(name => 'chunked, uppercase hex sizes with leading zeros', req => rawchunked(chunked(VALID(), 30, '%06X')), status => 201);
case(name => 'chunked, one chunk plus chunk extensions',
     req => rawchunked(sprintf("%x;name=val;x\r\n%s\r\n0;end\r\n\r\n", length VALID(), VALID())), status => 201);
case(name => 'chunked with a trailer header',
     req => rawchunked(sprintf("%x\r\n%s\r\n0\r\nX-Trailer: yes\r\n\r\n", length VALID(), VALID())), status => 201);
case(name => 'chunked, sizes alternating 1 and 50', req => rawchunked(do {
         my ($b, $t, $i) = (VALID(), '', 0);
         while (length $b) { my $p = substr($b, 0, ($i++ % 2 ? 50 : 1), ''); $t .= sprintf("%x\r\n%s\r\n", length $p, $p) }
         "${t}0\r\n\r\n" }), status => 201);
case(name => 'chunked, invalid size "zz"', core => 1, req => rawchunked("zz\r\n" . VALID() . "\r\n0\r\n\r\n"), status => 400);
case(name => 'chunked, negative size', core => 1, req => rawchunked("-5\r\nhello\r\n0\r\n\r\n"), status => 400);
case(name => 'chunked, chunk longer than its size', core => 1, req => rawchunked("5\r\n" . VALID() . "\r\n0\r\n\r\n"), status => 400);
case(name => 'chunked, chunk shorter than its size', core => 1,
     req => rawchunked(sprintf("%x\r\n%s\r\n0\r\n\r\n", length(VALID()) + 40, VALID())), status => 400);
case(name => 'chunked, no CRLF after the data', core => 1,
     req => rawchunked(sprintf("%x\r\n%sXX0\r\n\r\n", length VALID(), VALID())), status => 400);
case(name => 'chunked, no last chunk (connection half-closed)', core => 1,
     req => rawchunked(sprintf("%x\r\n%s\r\n", length VALID(), VALID())), status => 400);
case(name => 'chunked, truncated JSON in valid chunks', req => rawchunked(chunked(substr(VALID(), 0, 40), 9)), status => 400);
case(name => 'chunked and Content-Length together', core => 1,
     req => rawreq([ 'Authorization: Bearer KEY', 'Content-Type: application/json', 'Content-Length: 5',
                     'Transfer-Encoding: chunked' ], chunked(VALID(), 20)), status => [201, 400]);
case(name => 'Transfer-Encoding: gzip, chunked (not decodable)', core => 1,
     req => rawreq([ 'Authorization: Bearer KEY', 'Content-Type: application/json',
                     'Transfer-Encoding: gzip, chunked' ], chunked(VALID(), 20)), status => [201, 400, 415]);

# ---- a slow body (bounded pauses) ----
{
    my $v = VALID();
    case(name => 'slow body: 10 bytes, pause 1.5 s, the rest',
         req => rawreq([ 'Authorization: Bearer KEY', 'Content-Type: application/json', 'Content-Length: ' . length $v ],
                       substr($v, 0, 10), \1.5, substr($v, 10)), status => 201);
    case(name => 'slow chunked body: one chunk, pause 1 s, the rest',
         req => rawchunked([ sprintf("%x\r\n%s\r\n", 10, substr($v, 0, 10)), \1,
                             sprintf("%x\r\n%s\r\n0\r\n\r\n", length($v) - 10, substr($v, 10)) ]), status => 201);
    case(name => 'slow body that is then cut off', core => 1,
         req => rawreq([ 'Authorization: Bearer KEY', 'Content-Type: application/json', 'Content-Length: ' . length $v ],
                       substr($v, 0, 10), \1), status => 400);
    case(name => 'slow body, one byte at a time (20 bytes over 1 s), invalid JSON',
         req => rawreq([ 'Authorization: Bearer KEY', 'Content-Type: application/json', 'Content-Length: 20' ],
                       map { ('[', \0.05) } 1 .. 20), status => 400);
}

# ---- long and many headers ----
case(name => 'Idempotency-Key of 255 characters', req => api(VALID(), 'Idempotency-Key' => 'i' x 255), status => 201);
case(name => "Idempotency-Key of $_ characters", req => api(VALID(), 'Idempotency-Key' => 'k' x $_),
     status => 400, code => 'invalid_idempotency_key') for 256, 1000, 8000;
case(name => 'Idempotency-Key over httpd\'s line limit (9000)', core => 1,
     req => api(VALID(), 'Idempotency-Key' => 'k' x 9000), status => 400, code => { 400 => undef });
case(name => "Idempotency-Key $_->[0]", req => rawjson(VALID(), "Idempotency-Key: $_->[1]"), core => 1,
     status => 400, code => 'invalid_idempotency_key')
    for [ 'empty' => '' ], [ 'with a raw UTF-8 character' => "key-$E" ], [ 'with a raw FF byte' => "key-\xff" ],
        [ 'with a tab inside' => "a\tb" ], [ 'with a DEL' => "a\x7fb" ], [ 'with a raw control byte' => "a\x01b" ];
case(name => 'Authorization: Bearer + 8000 random characters', req => sub {
         my ($c) = @_;
         $c->{site}->post('/api/leads', { Authorization => 'Bearer ' . ('x' x 8000) }, VALID());
     }, status => 401, code => 'invalid_key');
case(name => 'Authorization: Bearer lak_ + 8000 characters', req => sub {
         my ($c) = @_;
         $c->{site}->post('/api/leads', { Authorization => 'Bearer lak_' . ('x' x 8000) }, VALID());
     }, status => 401, code => 'invalid_key');
case(name => 'Authorization: Bearer <valid key> + 8000 characters', req => sub {
         my ($c) = @_;
         $c->{site}->post('/api/leads', { Authorization => "Bearer $c->{key}" . ('x' x 8000) }, VALID());
     }, status => 401, code => 'invalid_key');
case(name => 'Authorization over httpd\'s line limit (9000)', core => 1, req => sub {
         my ($c) = @_;
         $c->{site}->post('/api/leads', { Authorization => 'Bearer ' . ('x' x 9000) }, VALID());
     }, status => 400, code => { 400 => undef });
case(name => "Authorization: $_->[0]", core => 1,
     req => rawreq([ "Authorization: $_->[1]", 'Content-Type: application/json', 'Content-Length: ' . length VALID() ], VALID()),
     status => $_->[1] =~ /[\x00-\x1f]/ ? [400, 401] : 401, code => { 401 => $_->[2], 400 => undef })
    for [ 'Basic' => 'Basic YWRhOmxvdmVsYWNl', 'missing_key' ],
        [ 'Bearer with a NUL-ish escape' => 'Bearer lak_%00', 'invalid_key' ],
        [ 'Bearer with a raw FF byte' => "Bearer lak_\xff\xfe", 'invalid_key' ],
        [ 'Bearer with a control byte' => "Bearer lak_\x01abc", 'invalid_key' ],
        [ 'Bearer with SQL' => q{Bearer lak_'OR'1'='1'--}, 'invalid_key' ],
        [ 'Bearer with SQL and spaces' => q{Bearer lak_' OR '1'='1}, qr/^(missing_key|invalid_key)$/ ],
        [ 'lik_ prefix of nothing' => 'Bearer lik_', 'invalid_key' ];
case(name => 'Authorization: Bearer with no key', status => 401,
     req => rawreq([ 'Authorization: Bearer', 'Content-Type: application/json', 'Content-Length: ' . length VALID() ], VALID()),
     code => { 401 => qr/^(missing_key|invalid_key)$/ });
case(name => 'two Authorization headers (valid + bogus)', req => rawreq([ 'Authorization: Bearer KEY', 'Authorization: Bearer lak_x',
         'Content-Type: application/json', 'Content-Length: ' . length VALID() ], VALID()), status => [401, 400]);
case(name => 'Content-Type of 4 KB parameters', req => api(VALID(), 'Content-Type' => 'application/json; ' . join('; ', map { "p$_=v" } 1 .. 700)),
     status => [201, 415]);
case(name => 'Content-Type of 4 KB garbage', req => api(VALID(), 'Content-Type' => 'x' x 4096), status => 415);
case(name => 'Content-Type application/json then 4 KB garbage', req => api(VALID(), 'Content-Type' => 'application/json' . ('x' x 4096)),
     status => 415);
case(name => "Content-Type $_->[0]", req => api(VALID(), 'Content-Type' => $_->[1]), status => $_->[2])
    for [ 'text/plain' => 'text/plain', 415 ], [ 'multipart' => 'multipart/form-data; boundary=x', 415 ],
        [ 'form, API key' => $FORM, 415 ], 
        [ 'charset=utf-8 uppercase' => 'APPLICATION/JSON; CHARSET=UTF-8', [201, 415] ],
        [ 'charset=latin1' => 'application/json; charset=latin1', [201, 415] ],
        [ 'empty' => '', 415 ];
case(name => 'Content-Type with a raw FF byte', core => 1,
     req => rawreq([ 'Authorization: Bearer KEY', "Content-Type: application/json\xff", 'Content-Length: ' . length VALID() ], VALID()),
     status => 415);
case(name => '90 extra headers', req => sub {
         my ($c) = @_;
         $c->{site}->post('/api/leads', { Authorization => "Bearer $c->{key}", map { ("X-Extra-$_" => "v$_" x 10) } 1 .. 90 }, VALID());
     }, status => 201);
case(name => '150 extra headers (over httpd\'s LimitRequestFields)', core => 1, req => sub {
         my ($c) = @_;
         $c->{site}->post('/api/leads', { Authorization => "Bearer $c->{key}", map { ("X-Extra-$_" => "v") } 1 .. 150 }, VALID());
     }, status => 400, code => { 400 => undef });
case(name => 'a header folded over lines (obs-fold)', core => 1,
     req => rawjson(VALID(), "X-Folded: a\r\n  b"), status => [201, 400], code => { 400 => undef });
case(name => 'a header name with a space', core => 1,
     req => rawjson(VALID(), "X Bad: a"), status => [201, 400], code => { 400 => undef });

# ---- ingestion key: form bodies with bad encodings, and JSON oddities ----
case(name => 'form: valid (control case)', req => form(fbody()), status => 201, ingest => 1);
case(name => "form: $_->[0]", req => form($_->[1]), status => [400, 422], code => { 400 => undef }, ingest => 1)
    for [ 'lone %' => fbody('notes=%') ],
        [ '% and one hex digit at the end' => fbody('notes=%4') ],
        [ '%G1' => fbody('notes=%G1') ],
        [ '%zz in a key' => fbody('no%zztes=x') ],
        [ '%FF (invalid UTF-8) in first_name' => 'first_name=%FF&last_name=L&email=a%40b.co' ],
        [ 'overlong %C0%80 in last_name' => 'first_name=A&last_name=%C0%80&email=a%40b.co' ],
        [ 'raw surrogate %ED%A0%80' => 'first_name=%ED%A0%80&last_name=L&email=a%40b.co' ],
        [ 'raw FF byte (unencoded)' => "first_name=A\xff&last_name=L&email=a%40b.co" ],
        [ '%00 in first_name' => 'first_name=A%00da&last_name=L&email=a%40b.co' ],
        [ '%01 in last_name' => 'first_name=Ada&last_name=L%01&email=a%40b.co' ],
        [ 'raw NUL byte' => "first_name=A\0da&last_name=L&email=a%40b.co" ],
        [ 'truncated multibyte %E2%82' => 'first_name=%E2%82&last_name=L&email=a%40b.co' ],
        [ 'first_name of 101 characters' => 'first_name=' . ('a' x 101) . '&last_name=L&email=a%40b.co' ],
        [ 'first_name of 101 %-encoded é' => 'first_name=' . ('%C3%A9' x 101) . '&last_name=L&email=a%40b.co' ];
case(name => "form: $_->[0]", req => form($_->[1]), status => 422, ingest => 1)
    for [ 'empty body' => '' ], [ 'only separators' => '&&&&' ], [ 'only =' => '=' ],
        [ 'JSON in a form body' => VALID() ], [ 'keys without values' => 'first_name&last_name&email' ],
        [ 'only a=b=c' => 'a=b=c' ];
case(name => "form: $_->[0]", req => form($_->[1]), status => [201, 400, 422], code => { 400 => undef }, ingest => 1)
    for [ 'first_name twice' => fbody('first_name=Bob') ],
        [ 'a=b=c among fields' => fbody('x=b=c') ],
        [ 'empty pairs among fields' => '&&' . fbody() . '&&' ],
        [ '1000 unknown fields' => fbody(map { "f$_=v" } 1 .. 1000) ],
        [ 'plus signs as spaces' => 'first_name=A+da&last_name=Love+lace&email=ada%40example.com' ],
        [ 'a 5000-byte key' => fbody(('k' x 5000) . '=v') ],
        [ 'semicolon separators' => 'first_name=Ada;last_name=L;email=a%40b.co' ],
        [ 'CR LF %0D%0A in a key' => fbody('a%0D%0AX-Injected:%201=v') ];
case(name => "ingestion JSON: $_->[0]", req => ingest($_->[1]), status => 400, ingest => 1)
    for [ 'top-level string' => '"x"' ], [ 'top-level null' => 'null' ], [ 'top-level true' => 'true' ],
        [ 'top-level array' => '[{"first_name":"A"}]' ], [ 'truncated' => '{"first_name":"A' ], [ 'empty' => '' ],
        [ 'trailing garbage' => '{"first_name":"A","last_name":"L","email":"a@b.co"} x' ];
case(name => 'ingestion: Content-Type text/plain', req => ingest('{}', 'Content-Type' => 'text/plain'), status => 415, ingest => 1);
case(name => "ingestion JSON: externalId as $_->[0]", req => ingest(qq{{"first_name":"A","last_name":"L","email":"a\@b.co","externalId":$_->[1]}}),
     status => [201, 400, 422], ingest => 1)
    for [ object => '{"a":1}' ], [ array => '[1]' ], [ 'huge number' => '1e309' ], [ 'NUL string' => '"x\\u0000y"' ],
        [ 'string of 5000' => '"' . ('e' x 5000) . '"' ], [ bool => 'true' ];
case(name => 'ingestion JSON: first_name as an object', req => ingest('{"first_name":{"a":1},"last_name":"L","email":"a@b.co"}'),
     status => 422, ingest => 1, field => 'first_name');

# ------------------------------------------------------------ running it

sub detail_fields {
    my ($e) = @_;
    return map { ref $_ eq 'HASH' ? ($_->{field} // '') : () } @{ ref $e->{details} eq 'ARRAY' ? $e->{details} : [] };
}

sub run_case {
    my ($c, $ctx, $before) = @_;
    my @allowed = ref $c->{status} ? @{ $c->{status} } : ($c->{status});
    my $t0 = time;
    my $r = eval { $c->{req}->($ctx) } // { status => 0, headers => {}, body => "request died: $@" };
    my $took = time - $t0;
    my $st = $r->{status} // 0;
    my $after;
    subtest $c->{name} => sub {
        ok($st >= 100, 'an answer came back') or diag $r->{body}, $r->{error} // '';
        cmp_ok($st, '<', 500, 'not a 5xx') or diag $r->{body};
        ok((grep { $_ == $st } @allowed), "status $st is one of @allowed")
            or diag "body: " . substr($r->{body}, 0, 600);
        if ($st >= 400 && $st < 500) {
            my $is_json = ($r->{headers}{'content-type'} // '') =~ m{^application/json\b}i;
            if ($is_json || !$c->{core}) {
                ok($is_json, 'error Content-Type: application/json')
                    or diag "Content-Type: " . ($r->{headers}{'content-type'} // '(none)') . "\n" . substr($r->{body}, 0, 300);
                my $e = ref $r->{json} eq 'HASH' ? $r->{json}{error} : undef;
                ok(ref $e eq 'HASH' && (keys %{ $r->{json} }) == 1, 'body is exactly {"error":{...}}')
                    or diag substr($r->{body}, 0, 300);
                $e = {} unless ref $e eq 'HASH';
                like($e->{code} // '', qr/^[a-z][a-z_]*$/, 'snake_case code');
                ok(defined $e->{message} && !ref $e->{message} && length $e->{message}, 'a message');
                ok(exists $e->{details}, 'details present');
                my $want = ref $c->{code} eq 'HASH' ? (exists $c->{code}{$st} ? $c->{code}{$st} : $DEFAULT_CODE{$st})
                         : defined $c->{code} && @allowed == 1 ? $c->{code} : $DEFAULT_CODE{$st};
                if (ref $want eq 'Regexp') { like($e->{code}, $want, "code matches $want") }
                elsif (defined $want)     { is($e->{code}, $want, "code $want") }
                if ($st == 422 && $c->{field}) {
                    ok((grep { $_ eq $c->{field} } detail_fields($e)), "details name $c->{field}")
                        or diag substr($r->{body}, 0, 400);
                }
                if ($is_json) {
                    like($r->{headers}{'x-request-id'} // '', qr/\S/, 'X-Request-Id');
                    is($r->{headers}{'lawfficient-version'}, '2026-07-01', 'Lawfficient-Version');
                }
            }
        }
        if ($st == 201) {
            my $j = ref $r->{json} eq 'HASH' ? $r->{json} : {};
            ok($c->{ingest} ? ($j->{status} // '') eq 'created' : defined $j->{id}, '201 carries the new lead')
                or diag substr($r->{body}, 0, 300);
        }
        $c->{check}->($r, $ctx) if $c->{check};
        $after = counts($ctx->{site});
        my @want = ($before->[0] + ($st == 201 ? 1 : 0), $before->[1]);
        if ($st == 201) {       # an idempotent create may add one key row
            $want[1] = $after->[1] if $after->[1] == $before->[1] + 1;
        }
        is_deeply($after, \@want, $st == 201 ? 'exactly one lead more' : 'no lead and no idempotency row written')
            or diag "before @$before, after @$after";
        diag sprintf('%s took %.1f s', $c->{name}, $took) if $took > 5;
    };
    return ($after // counts($ctx->{site}), $st);
}

sub counts {
    my ($site) = @_;
    my ($row) = $site->sql('SELECT (SELECT COUNT(*) FROM leads), (SELECT COUNT(*) FROM idempotency_keys)');
    return [ map { 0 + $_ } @$row ];
}

# ---- web form key: multipart and form bodies (docs/api.md §10) ----
case(name => 'web form: multipart, valid (control case)', req => multipart(mp_body(@MP_LEAD)), status => 201, ingest => 1);
case(name => "web form: multipart $_->[0]", req => multipart($_->[1], $_->[2]), status => 400, ingest => 1)
    for [ 'without a boundary parameter' => mp_body(@MP_LEAD), 'multipart/form-data' ],
        [ 'with an empty boundary' => mp_body(@MP_LEAD), 'multipart/form-data; boundary=' ],
        [ 'with a 71-character boundary' => mp_body(@MP_LEAD), 'multipart/form-data; boundary=' . ('b' x 71) ],
        [ 'with another boundary than the body\'s' => mp_body(@MP_LEAD), 'multipart/form-data; boundary=other' ],
        [ 'of 200 parts (over the 128 allowed)' => mp_body(@MP_LEAD, map { [ "f$_", '' ] } 1 .. 200) ],
        [ 'without the closing delimiter' => substr(mp_body(@MP_LEAD), 0, -10) ],
        [ 'with a part without Content-Disposition' => "--b0und\r\nX-A: b\r\n\r\nv\r\n--b0und--\r\n" ],
        [ 'with a part without a name' => "--b0und\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b0und--\r\n" ],
        [ 'with an unterminated quoted name' => "--b0und\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--b0und--\r\n" ],
        [ 'with a 2000-byte header line' => "--b0und\r\nContent-Disposition: form-data; name=\"" . ('n' x 2000) . "\"\r\n\r\nv\r\n--b0und--\r\n" ],
        [ 'with 20 header lines in a part' => "--b0und\r\n" . ("X-A: b\r\n" x 20) . "Content-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--b0und--\r\n" ],
        [ 'with headers that never end' => "--b0und\r\nContent-Disposition: form-data; name=\"a\"\r\n" ],
        [ 'with a NUL byte in a value' => mp_body([ first_name => "A\0da" ], @MP_LEAD[1, 2]) ],
        [ 'with invalid UTF-8 in a value' => mp_body([ first_name => "A\xff" ], @MP_LEAD[1, 2]) ],
        [ 'of garbage' => "\xff\xfe" x 100 ],
        [ 'empty' => '' ];
case(name => 'web form: multipart with a 1 MB field', req => multipart(mp_body(@MP_LEAD, [ notes => 'x' x (1 << 20) ])), status => 413, ingest => 1);
case(name => 'web form: urlencoded with a 1 MB field', req => webform(fbody('notes=' . ('x' x (1 << 20)))), status => 413, ingest => 1);
case(name => "web form: urlencoded $_->[0]", req => webform($_->[1]), status => 400, ingest => 1)
    for [ 'with invalid percent-encoding' => fbody('notes=%G1') ],
        [ 'with a lone %' => fbody('notes=%') ];
case(name => 'web form: a file part only (no lead fields)',
     req => multipart("--b0und\r\nContent-Disposition: form-data; name=\"cv\"; filename=\"cv.pdf\"\r\n\r\n%PDF\r\n--b0und--\r\n"),
     status => 422, ingest => 1);

case(name => 'web form: a nested multipart part (ignored like a file)',
     req => multipart("--b0und\r\nContent-Disposition: form-data; name=\"files\"\r\n"
                      . "Content-Type: multipart/mixed; boundary=inner\r\n\r\n"
                      . "--inner\r\nContent-Disposition: file; filename=\"a.txt\"\r\n\r\nA\r\n--inner--\r\n"
                      . mp_body(@MP_LEAD)),
     status => 201, ingest => 1);

cmp_ok(scalar @CASES, '>=', 200, 'the catalogue has at least 200 cases (' . scalar(@CASES) . ')');
{
    my %seen;
    my @dup = grep { $seen{$_}++ } map { $_->{name} } @CASES;
    is_deeply(\@dup, [], 'case names are unique');
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend,
                                   conf => "LeadsMaxBodySize $MAX\nLeadsRateLimit 0\nLeadsFormRateLimit 0\nLogLevel info\n");
        my $p = $site->provision;
        my $src = $site->ctl_json('source', 'add', '--firm', $p->{firm}, '--name', 'Hostile form');
        my $fkey = $site->ctl('form', 'add', '--firm', $p->{firm}, '--name', 'Hostile web form',
                              '--origin', 'https://www.firm.example');
        my %ctx = (site => $site, key => $p->{key}, ikey => $src->{key}, fkey => $fkey);

        my $before = counts($site);
        my (%by_status, @five);
        for my $c (@CASES) {
            my $st;
            ($before, $st) = run_case($c, \%ctx, $before);
            $by_status{$st}++;
            push @five, "$c->{name}: $st" if $st >= 500 || $st == 0;
        }
        note 'statuses: ' . join(', ', map { "$_ x$by_status{$_}" } sort keys %by_status);

        subtest 'after the catalogue' => sub {
            is_deeply(\@five, [], 'no 5xx and no dropped connection in the whole table');
            my $r = $site->create($p->{key}, { first_name => 'Still', last_name => 'Alive',
                                               email => 'alive@example.com', source => 'web' });
            is($r->{status}, 201, 'a valid create still gets 201') or diag $r->{body};
            my $i = $site->post('/api/leads', { Authorization => "Bearer $src->{key}", 'Content-Type' => $FORM }, fbody());
            is($i->{status}, 201, 'a valid ingestion still gets 201') or diag $i->{body};
            is_deeply([ $site->crashes ], [], 'no child crashed (harness crashes())');
            my @bad = grep { /segfault|exit signal|Segmentation fault|core dumped|AH00052|AH00051/i } split /\n/, $site->error_log;
            is_deeply(\@bad, [], 'no "segfault"/"exit signal" in the error log');
            my @c = $site->child_pids;
            ok(scalar @c, 'httpd still has its children (' . scalar(@c) . ')');
        };
        $site->stop;
    };
}

done_testing;
