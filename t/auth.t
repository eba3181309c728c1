# docs/api.md §2: Bearer API keys, their scopes, and revocation taking effect at once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use LeadsTest qw(backends);

sub lead { { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com', source => 'web' } }

sub error_is {
    my ($r, $status, $code, $what) = @_;
    is($r->{status}, $status, "$what: $status") or diag $r->{body};
    is(ref $r->{json} eq 'HASH' && ref $r->{json}{error} eq 'HASH' ? $r->{json}{error}{code} : undef,
       $code, "$what: code $code");
}

# Send with a literal Authorization header (or none).
sub with_auth {
    my ($site, $auth) = @_;
    return $site->post('/api/leads', { defined $auth ? (Authorization => $auth) : () }, lead());
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend);
        my $p = $site->provision(name => 'Firm A');
        my $q = $site->provision(name => 'Firm B');
        my $read = $site->add_key($p->{firm}, 'leads:read', 'reader');
        my $both = $site->add_key($p->{firm}, 'leads:write,leads:read', 'both');

        subtest 'no Authorization header -> 401 missing_key with WWW-Authenticate: Bearer' => sub {
            my $before = $site->count_leads;
            my $r = with_auth($site, undef);
            error_is($r, 401, 'missing_key', 'no header');
            like($r->{headers}{'www-authenticate'} // '', qr/^Bearer\b/, 'WWW-Authenticate: Bearer');
            is($site->count_leads, $before, 'no row');
        };

        subtest 'a Basic (non-Bearer) Authorization header -> 401 missing_key' => sub {
            my $r = with_auth($site, 'Basic YWRhOnNlY3JldA==');
            error_is($r, 401, 'missing_key', 'Basic scheme');
            like($r->{headers}{'www-authenticate'} // '', qr/^Bearer\b/, 'WWW-Authenticate: Bearer');
            $r = with_auth($site, $p->{key});   # the key without the scheme
            error_is($r, 401, 'missing_key', 'bare key, no scheme');
        };

        subtest 'a key that matches no key -> 401 invalid_key' => sub {
            my $before = $site->count_leads;
            error_is(with_auth($site, 'Bearer lak_' . ('x' x 40)), 401, 'invalid_key', 'made-up key');
            (my $typo = $p->{key}) =~ s/(.)$/$1 eq 'a' ? 'b' : 'a'/e;
            error_is(with_auth($site, "Bearer $typo"), 401, 'invalid_key', 'last character changed');
            error_is(with_auth($site, 'Bearer ' . substr($p->{key}, 0, -1)), 401, 'invalid_key', 'truncated');
            (my $lik = $p->{key}) =~ s/^lak_/lik_/;
            error_is(with_auth($site, "Bearer $lik"), 401, 'invalid_key', 'right secret, lik_ prefix');
            (my $nopfx = $p->{key}) =~ s/^lak_//;
            error_is(with_auth($site, "Bearer $nopfx"), 401, 'invalid_key', 'prefix missing');
            (my $other = $p->{key}) =~ s/^lak_/xyz_/;
            error_is(with_auth($site, "Bearer $other"), 401, 'invalid_key', 'wrong prefix');
            is($site->count_leads, $before, 'no row');
        };

        subtest 'a key without leads:write -> 403 insufficient_scope' => sub {
            my $before = $site->count_leads;
            error_is(with_auth($site, "Bearer $read->{key}"), 403, 'insufficient_scope', 'leads:read only');
            is($site->count_leads, $before, 'no row');
            my $r = with_auth($site, "Bearer $both->{key}");
            is($r->{status}, 201, 'leads:write,leads:read creates') or diag $r->{body};
        };

        subtest 'the key alone resolves the firm' => sub {
            my $r = with_auth($site, "Bearer $q->{key}");
            is($r->{status}, 201, 'status 201') or diag $r->{body};
            my $id = $r->{json}{id} // 'x';
            is($site->count_leads("id = '$id' AND firm_id = '$q->{firm}'"), 1, "stored under Firm B");
        };

        subtest 'key disable -> 403 key_disabled at once; enable -> works again; delete -> 401 invalid_key at once' => sub {
            my $k = $site->add_key($p->{firm}, 'leads:write', 'revocable');
            my $auth = "Bearer $k->{key}";
            # several requests, so every child (and its cache) is asked
            is(with_auth($site, $auth)->{status}, 201, "enabled: 201 (request $_)") for 1 .. 4;
            $site->ctl('key', 'disable', $k->{id});
            error_is(with_auth($site, $auth), 403, 'key_disabled', "disabled (request $_)") for 1 .. 4;
            $site->ctl('key', 'enable', $k->{id});
            is(with_auth($site, $auth)->{status}, 201, "enabled again: 201 (request $_)") for 1 .. 4;
            $site->ctl('key', 'delete', $k->{id});
            error_is(with_auth($site, $auth), 401, 'invalid_key', "deleted (request $_)") for 1 .. 4;
            is(with_auth($site, "Bearer $p->{key}")->{status}, 201, 'the firm\'s other key still works');
        };

        is_deeply([ $site->crashes ], [], 'no child crashed');
        $site->stop;
    };
}

done_testing;
