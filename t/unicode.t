# docs/api.md §4.2: text round-trips byte for byte (emoji, non-Latin scripts) on every
# backend, and hostile strings are stored verbatim (no SQL or format-string
# interpretation anywhere).
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Encode qw(encode_utf8);
use LeadsTest qw(backends);

my %TEXT = (
    emoji     => "Zoë 👩‍⚖️ 🚀",
    cjk       => '山田太郎',
    arabic    => 'عبد الله',
    combining => "Jose\x{301} Zo\x{308}e",            # decomposed: must stay decomposed
    astral    => '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𓀀',
    mixed     => 'Ñandú Łódź Straße ελληνικά русский',
);

my %HOSTILE = (
    drop_table => "Robert'); DROP TABLE leads;--",
    formats    => '%s %d %n %x %% %p',
    backslash  => 'C:\\path\\to\\file \\n \\0 \\\\',
    quotes     => q{"double" 'single' `back` ''; ""},
    apr_dbd    => '%pDt %pDi %pDn %lld',
    comment    => "x' OR '1'='1' -- /* */",
);

sub hex_of { unpack 'H*', encode_utf8($_[0]) }

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend);
        my $p = $site->provision;

        for my $name (sort keys %TEXT) {
            my $t = $TEXT{$name};
            subtest "$name text round-trips byte for byte in the 201 and the database" => sub {
                my $r = $site->create($p->{key}, {
                    first_name => $t, last_name => $t, source => $t,
                    email => 'ada@example.com', data => { notes => $t },
                });
                is($r->{status}, 201, 'status 201') or return diag $r->{body};
                my $j = $r->{json};
                for my $f (qw(first_name last_name source)) {
                    is(hex_of($j->{$f}), hex_of($t), "$f in the answer");
                }
                is(hex_of($j->{data}{notes}), hex_of($t), 'data.notes in the answer');
                for my $col (qw(first_name last_name source data.notes)) {
                    is($site->stored_hex($j->{id}, $col), hex_of($t), "$col stored");
                }
            };
        }

        for my $name (sort keys %HOSTILE) {
            my $t = $HOSTILE{$name};
            subtest "$name string is stored verbatim" => sub {
                my $r = $site->create($p->{key}, {
                    first_name => $t, last_name => $t, source => $t,
                    email => 'ada@example.com', data => { notes => $t },
                });
                is($r->{status}, 201, 'status 201') or return diag $r->{body};
                is($r->{json}{first_name}, $t, 'first_name in the answer');
                is($r->{json}{data}{notes}, $t, 'data.notes in the answer');
                for my $col (qw(first_name source data.notes)) {
                    is($site->stored_hex($r->{json}{id}, $col), hex_of($t), "$col stored");
                }
            };
        }

        subtest 'the tables are all still there' => sub {
            ok($site->count_leads >= keys(%TEXT) + keys(%HOSTILE), 'leads has every row');
            ok($site->sql1('SELECT COUNT(*) FROM firms') >= 1, 'firms is there');
            ok($site->sql1('SELECT COUNT(*) FROM api_keys') >= 1, 'api_keys is there');
        };

        subtest 'JSON \\u escapes are decoded to UTF-8 (surrogate pairs included)' => sub {
            my $body = '{"first_name":"Jos\u00e9","last_name":"\ud83d\ude80","source":"\u5c71",'
                     . '"email":"ada@example.com","data":{"notes":"tab\\tquote\\"back\\\\slash"}}';
            my $r = $site->post('/api/leads', { Authorization => "Bearer $p->{key}" }, $body);
            is($r->{status}, 201, 'status 201') or return diag $r->{body};
            is($site->stored_hex($r->{json}{id}, 'first_name'), hex_of('José'), 'José');
            is($site->stored_hex($r->{json}{id}, 'last_name'), 'f09f9a80', 'U+1F680 as 4 UTF-8 bytes');
            is($site->stored_hex($r->{json}{id}, 'source'), hex_of('山'), '山');
            is($r->{json}{data}{notes}, "tab\tquote\"back\\slash", 'escapes in data text');
        };

        subtest 'email lowercasing leaves a non-ASCII local part alone byte-wise' => sub {
            my $r = $site->create($p->{key}, { first_name => 'A', last_name => 'B', source => 'web',
                                               email => 'ADA@EXAMPLE.COM' });
            is($r->{json}{email}, 'ada@example.com', 'ASCII lowercased');
        };

        is_deeply([ $site->crashes ], [], 'no child crashed');
        $site->stop;
    };
}

done_testing;
