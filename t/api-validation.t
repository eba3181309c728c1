# docs/api.md §4.2, §4.3 field rules and §7.2 (422 invalid_request with every problem in
# `details`).  A rejected request never leaves a row behind.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP ();
use LeadsTest qw(backends);

my ($site, $p, $other);

sub lead {
    return { first_name => 'Ada', last_name => 'Lovelace',
             email => 'ada@example.com', source => 'web', @_ };
}

sub without { my ($k, %more) = @_; my $l = lead(%more); delete $l->{$k}; $l }

sub detail_fields {
    my ($j) = @_;
    my $d = ref $j eq 'HASH' && ref $j->{error} eq 'HASH' ? $j->{error}{details} : undef;
    return ref $d eq 'ARRAY' ? map { ref $_ eq 'HASH' ? $_->{field} // '' : '' } @$d : ();
}

# 422 invalid_request naming each field matched by @want (strings are exact
# names, regexes match), no row written.
sub rejects {
    my ($name, $body, @want) = @_;
    my ($key, $hdr) = ($p->{key}, {});
    if (ref $body eq 'ARRAY') { ($key, $body) = @$body }
    subtest "rejected: $name" => sub {
        my $before = $site->count_leads;
        my $r = $site->create($key, $body, $hdr);
        is($r->{status}, 422, 'status 422') or diag $r->{body};
        is($r->{json}{error}{code}, 'invalid_request', 'code invalid_request');
        my @fields = detail_fields($r->{json});
        ok(@fields >= 1, 'details lists the problem') or diag $r->{body};
        for my $w (@want) {
            ok((grep { ref $w ? $_ =~ $w : $_ eq $w } @fields),
               "details names " . (ref $w ? "$w" : $w)) or diag "details: @fields";
        }
        is($site->count_leads, $before, 'no row written');
    };
}

sub accepts {
    my ($name, $body, $check) = @_;
    my $key = $p->{key};
    if (ref $body eq 'ARRAY') { ($key, $body) = @$body }
    subtest "accepted: $name" => sub {
        my $before = $site->count_leads;
        my $r = $site->create($key, $body);
        is($r->{status}, 201, 'status 201') or diag $r->{body};
        is($site->count_leads, $before + 1, 'one row written');
        $check->($r) if $check && $r->{status} == 201;
    };
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        $site = LeadsTest->site(backend => $backend);
        $p = $site->provision(name => 'Firm A');
        $other = $site->provision(name => 'Firm B', fields => [
            [ 'matter', 'text', undef, 1 ],            # required
            [ 'caseType', 'choice', 'Family,Criminal' ],
        ]);

        # -- required strings: first_name, last_name, source
        for my $f (qw(first_name last_name source)) {
            rejects("$f missing", without($f), $f);
            rejects("$f empty", lead($f => ''), $f);
            rejects("$f only white space (trimmed to empty)", lead($f => "   \t "), $f);
            rejects("$f not a string", lead($f => 42), $f);
            rejects("$f null", lead($f => undef), $f);
            rejects("$f 101 characters", lead($f => 'a' x 101), $f);
            accepts("$f 100 characters", lead($f => 'a' x 100),
                    sub { is($_[0]{json}{$f}, 'a' x 100, 'kept whole') });
            accepts("$f 100 characters after trimming", lead($f => '  ' . ('b' x 100) . '  '));
            accepts("$f 100 emoji (counted in characters, not bytes)", lead($f => "\x{1F600}" x 100),
                    sub { is($_[0]{json}{$f}, "\x{1F600}" x 100, 'returned whole') });
            rejects("$f 101 emoji", lead($f => "\x{1F600}" x 101), $f);
            accepts("$f 100 CJK characters", lead($f => "\x{5C71}" x 100));
        }
        for my $f (qw(first_name last_name)) {
            rejects("$f with a control character (BEL)", lead($f => "Ada\x07"), $f);
            rejects("$f with a newline inside", lead($f => "Ada\nLovelace"), $f);
            rejects("$f with a NUL", lead($f => "Ada\x00"), $f);
            rejects("$f with DEL", lead($f => "Ada\x7f"), $f);
            rejects("$f with a C1 control (U+0085)", lead($f => "Ada\x{85}x"), $f);
        }

        # -- contact rule
        rejects('no email and no phone', without('email'));
        rejects('email and phone both empty', lead(email => '', phone => ''));
        rejects('email only white space, no phone', lead(email => '   '));
        accepts('email empty but phone given', lead(email => '', phone => '+14155550100'));

        # -- email
        rejects('email without @', lead(email => 'ada.example.com'), 'email');
        rejects('email with two @', lead(email => 'ada@lovelace@example.com'), 'email');
        rejects('email with @@', lead(email => 'ada@@example.com'), 'email');
        rejects('email with empty local part', lead(email => '@example.com'), 'email');
        rejects('email without a dot in the domain', lead(email => 'ada@localhost'), 'email');
        rejects('email with a space in the local part', lead(email => 'ada lovelace@example.com'), 'email');
        rejects('email with a space in the domain', lead(email => 'ada@exam ple.com'), 'email');
        rejects('email local part of 65 characters', lead(email => ('a' x 65) . '@example.com'), 'email');
        accepts('email local part of 64 characters', lead(email => ('a' x 64) . '@example.com'));
        rejects('email over 254 characters',
                lead(email => 'a@' . join('.', ('b' x 60) x 5) . '.com'), 'email');
        rejects('email not a string', lead(email => 5), 'email');

        # -- phone
        rejects('phone with letters', lead(phone => '555-CALL-NOW'), 'phone');
        rejects('phone with + not first', lead(phone => '1+4155550100'), 'phone');
        rejects('phone with two +', lead(phone => '++14155550100'), 'phone');
        rejects('phone with 6 digits', lead(phone => '555 010'), 'phone');
        rejects('phone with 16 digits', lead(phone => '+1234567890123456'), 'phone');
        rejects('phone over 32 characters', lead(phone => '1  2  3  4  5  6  7  8  9  0  1  2'), 'phone');
        rejects('phone with a slash', lead(phone => '415/555/0100'), 'phone');
        accepts('phone with 7 digits', lead(phone => '555-0100'));
        accepts('phone with 15 digits', lead(phone => '+123456789012345'),
                sub { is($_[0]{json}{phone}, '+123456789012345', 'E.164 kept') });
        accepts('phone with spaces, dashes, dots and parentheses', lead(phone => '+1 (415) 555-01.00'),
                sub { is($_[0]{json}{phone}, '+14155550100', 'normalized') });

        # -- data fields
        rejects('choice: unknown value', lead(data => { caseType => 'Divorce' }), qr/caseType/);
        rejects('choice: exact match only (case differs)', lead(data => { caseType => 'family' }), qr/caseType/);
        rejects('choice: not a string', lead(data => { caseType => 1 }), qr/caseType/);
        rejects('text: a number', lead(data => { notes => 5 }), qr/notes/);
        rejects('text: over 1000 characters', lead(data => { notes => 'n' x 1001 }), qr/notes/);
        accepts('text: 1000 characters', lead(data => { notes => 'n' x 1000 }));
        rejects('number: a numeric string', lead(data => { amount => '12' }), qr/amount/);
        rejects('number: a boolean', lead(data => { amount => JSON::PP::true }), qr/amount/);
        accepts('number: negative and fractional', lead(data => { amount => -3.25 }),
                sub { is($_[0]{json}{data}{amount}, -3.25, 'returned') });
        rejects('boolean: the string "true"', lead(data => { urgent => 'true' }), qr/urgent/);
        rejects('boolean: the number 1', lead(data => { urgent => 1 }), qr/urgent/);
        accepts('boolean: false', lead(data => { urgent => JSON::PP::false }),
                sub { ok(JSON::PP::is_bool($_[0]{json}{data}{urgent}) && !$_[0]{json}{data}{urgent}, 'false') });
        rejects('date: 2025-02-29 (not a leap year)', lead(data => { incidentDate => '2025-02-29' }), qr/incidentDate/);
        rejects('date: 2024-13-01 (month 13)', lead(data => { incidentDate => '2024-13-01' }), qr/incidentDate/);
        rejects('date: 2024-04-31', lead(data => { incidentDate => '2024-04-31' }), qr/incidentDate/);
        rejects('date: 2024-00-10', lead(data => { incidentDate => '2024-00-10' }), qr/incidentDate/);
        rejects('date: not YYYY-MM-DD (2024-2-1)', lead(data => { incidentDate => '2024-2-1' }), qr/incidentDate/);
        rejects('date: a timestamp', lead(data => { incidentDate => '2024-02-01T10:00:00Z' }), qr/incidentDate/);
        rejects('date: a number', lead(data => { incidentDate => 20240201 }), qr/incidentDate/);
        accepts('date: 2024-02-29 (leap year)', lead(data => { incidentDate => '2024-02-29' }),
                sub { is($_[0]{json}{data}{incidentDate}, '2024-02-29', 'returned') });
        rejects('data not an object (array)', lead(data => [ 'Family' ]), 'data');
        rejects('data not an object (string)', lead(data => 'Family'), 'data');

        # -- required data field (Firm B)
        rejects('required data field missing', [ $other->{key}, lead() ], qr/matter/);
        rejects('required data field missing, other data given',
                [ $other->{key}, lead(data => { caseType => 'Family' }) ], qr/matter/);
        accepts('required data field present', [ $other->{key}, lead(data => { matter => 'Smith v Jones' }) ]);

        subtest 'undefined data keys are dropped, listed in Lawfficient-Ignored-Fields and not stored' => sub {
            my $r = $site->create($p->{key}, lead(data => { caseType => 'Family', a => 1, b => 'x' }));
            is($r->{status}, 201, 'status 201') or diag $r->{body};
            is_deeply($r->{json}{data}, { caseType => 'Family' }, 'only the defined field returned');
            my $h = $r->{headers}{'lawfficient-ignored-fields'} // '';
            is_deeply([ sort split /\s*,\s*/, $h ], [ 'data.a', 'data.b' ],
                      "Lawfficient-Ignored-Fields: $h");
            my $id = $r->{json}{id} // 'x';
            is($site->sql1("SELECT COALESCE(" . $site->data_sql('a') . ", '') FROM leads WHERE id = '$id'"), '',
               'data.a not stored');
            is($site->sql1('SELECT ' . $site->data_sql('caseType') . " FROM leads WHERE id = '$id'"),
               'Family', 'data.caseType stored');
        };

        # -- top level
        rejects('unknown top-level field', lead(favourite_colour => 'blue'), 'favourite_colour');
        rejects('firm_id is not a request field (the key alone resolves the firm)',
                lead(firm_id => $other->{firm}), 'firm_id');
        rejects('assignee from another firm', lead(assignee_id => $other->{member}), 'assignee_id');
        rejects('assignee not a UUID', lead(assignee_id => 'mia'), 'assignee_id');
        rejects('assignee a UUID of nobody', lead(assignee_id => '01890a5d-ac96-774b-bcce-b302099a8057'), 'assignee_id');
        rejects('assignee not a string', lead(assignee_id => 7), 'assignee_id');

        subtest 'every problem is reported at once, one details entry per field' => sub {
            my $before = $site->count_leads;
            my $r = $site->create($p->{key}, {
                first_name => '', last_name => 'x' x 101, email => 'nope', phone => 'abc',
                source => 'web', assignee_id => 'bad', color => 1,
                data => { caseType => 'Nope', incidentDate => '2025-02-29' },
            });
            is($r->{status}, 422, 'status 422') or diag $r->{body};
            is($r->{json}{error}{code}, 'invalid_request', 'invalid_request');
            my @f = detail_fields($r->{json});
            for my $w ('first_name', 'last_name', 'email', 'phone', 'assignee_id', 'color',
                       qr/caseType/, qr/incidentDate/) {
                ok((grep { ref $w ? $_ =~ $w : $_ eq $w } @f), "details names $w") or diag "@f";
            }
            my %seen;
            is_deeply([ grep { $seen{$_}++ } @f ], [], 'no field listed twice');
            ok(!(grep { ref $_ ne 'HASH' || !defined $_->{issue} || $_->{issue} eq '' }
                 @{ $r->{json}{error}{details} || [] }), 'each entry has a field and an issue');
            is($site->count_leads, $before, 'no row written');
        };

        subtest 'details is null on errors that are not validation errors' => sub {
            my $r = $site->create(undef, lead());
            is($r->{status}, 401, '401 without a key');
            ok(exists $r->{json}{error}{details} && !defined $r->{json}{error}{details}, 'details: null (401)');
            $r = $site->post('/api/leads', { Authorization => "Bearer $p->{key}" }, '{"first_name":');
            is($r->{status}, 400, '400 on broken JSON');
            ok(exists $r->{json}{error}{details} && !defined $r->{json}{error}{details}, 'details: null (400)');
        };

        is_deeply([ $site->crashes ], [], 'no child crashed');
        $site->stop;
    };
}

done_testing;
