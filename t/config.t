# docs/directives.md: every module directive's bad value is refused at config time
# (apache2 -t) with a message naming the directive; good values pass.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use LeadsTest qw(backends);

my @bad = (
    [ 'LeadsMaxBodySize 0',          'LeadsMaxBodySize' ],
    [ 'LeadsMaxBodySize abc',        'LeadsMaxBodySize' ],
    [ 'LeadsMaxBodySize -5',         'LeadsMaxBodySize' ],
    [ 'LeadsMaxBodySize',            'LeadsMaxBodySize' ],
    [ 'LeadsCacheTTL -1',            'LeadsCacheTTL' ],
    [ 'LeadsCacheTTL soon',          'LeadsCacheTTL' ],
    [ 'LeadsRateLimit 5',            'LeadsRateLimit' ],
    [ 'LeadsRateLimit x 60',         'LeadsRateLimit' ],
    [ 'LeadsRateLimit 5 x',          'LeadsRateLimit' ],
    [ 'LeadsRateLimit -1 60',        'LeadsRateLimit' ],
    [ 'LeadsPhoneRegion XX',         'LeadsPhoneRegion' ],
    [ 'LeadsPhoneRegion USA',        'LeadsPhoneRegion' ],
    [ 'LeadsRequireTLS maybe',       'LeadsRequireTLS' ],
    [ 'LeadsFormRateLimit 5',        'LeadsFormRateLimit' ],
    [ 'LeadsFormRateLimit x 60',     'LeadsFormRateLimit' ],
    [ 'LeadsCaptchaVerifyURL nocaptcha http://127.0.0.1/v', 'LeadsCaptchaVerifyURL' ],
    [ 'LeadsCaptchaVerifyURL turnstile ftp://127.0.0.1/v',  'LeadsCaptchaVerifyURL' ],
    [ 'LeadsCaptchaVerifyURL turnstile', 'LeadsCaptchaVerifyURL' ],
    [ "<Location \"/x\">\nLeadsMaxBodySize 100\n</Location>", 'LeadsMaxBodySize' ],
);

my @good = (
    'LeadsMaxBodySize 1', 'LeadsMaxBodySize 65536', 'LeadsCacheTTL 0', 'LeadsCacheTTL 5',
    'LeadsRateLimit 0', 'LeadsRateLimit 120 60', 'LeadsRateLimit 5 1',
    'LeadsPhoneRegion US', 'LeadsPhoneRegion GB', 'LeadsPhoneRegion DE',
    'LeadsRequireTLS On', 'LeadsRequireTLS Off',
    'LeadsFormRateLimit 0', 'LeadsFormRateLimit 10 60',
    'LeadsCaptchaVerifyURL hcaptcha https://verify.example/siteverify',
    "LeadsMaxBodySize 2048\nLeadsCacheTTL 0\nLeadsRateLimit 10 60\nLeadsPhoneRegion US\nLeadsRequireTLS Off",
);

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend, no_start => 1);
        my ($rc, $out) = $site->configtest('');
        is($rc, 0, 'the plain site conf passes apache2 -t') or diag $out;

        for my $b (@bad) {
            my ($line, $directive) = @$b;
            (my $name = $line) =~ s/\n/ /g;
            subtest "refused: $name" => sub {
                my ($rc, $out) = $site->configtest($line);
                isnt($rc, 0, 'apache2 -t fails');
                like($out, qr/\Q$directive\E/, "the message names $directive") or diag $out;
                unlike($out, qr/Syntax OK/, 'no "Syntax OK"');
            };
        }
        for my $line (@good) {
            (my $name = $line) =~ s/\n/ /g;
            my ($rc, $out) = $site->configtest($line);
            is($rc, 0, "accepted: $name") or diag $out;
        }
    };
}

done_testing;
