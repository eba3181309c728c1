# Startup checks (docs/directives.md §1): `apachectl configtest` fails on a
# setup that could only answer 503, naming the fix; a schema older than the
# module's is said once per child, and requests answer 503 (never 500)
# until `leadsctl init` has run, with no restart.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use LeadsTest qw(backends run_cmd unavailable_ok wait_for);

my $APACHE = $LeadsTest::APACHE;

sub lead { { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com', source => 'web' } }

# apache2 -t on the site's configuration with lines matching $drop left out.
sub configtest_without {
    my ($site, $drop) = @_;
    my $text = join "\n", grep { !/$drop/ } split /\n/, $site->conf_text;
    my $file = $site->dir . '/configtest-' . int(rand 1e9) . '.conf';
    open my $fh, '>', $file or die "$file: $!";
    print $fh "$text\n";
    close $fh;
    my ($rc, $out, $err) = run_cmd([ $APACHE, '-t', '-f', $file ]);
    return ($rc, "$out$err");
}

subtest 'configtest' => sub {
    my $site = LeadsTest->site(backend => 'sqlite3', no_start => 1);
    my ($rc, $out) = configtest_without($site, qr/^\0/);
    is($rc, 0, 'the test site\'s own configuration passes') or diag $out;

    ($rc, $out) = configtest_without($site, qr/^(LoadModule dbd_module|DBD)/);
    isnt($rc, 0, 'SetHandler leads without mod_dbd: configtest fails');
    like($out, qr/LEADS00008.*mod_dbd is not loaded.*LoadModule dbd_module/, 'naming the fix') or diag $out;

    ($rc, $out) = configtest_without($site, qr/^(DBDriver|DBDParams)/);
    isnt($rc, 0, 'SetHandler leads without DBDriver: configtest fails');
    like($out, qr/LEADS00008.*no DBDriver is set.*DBDriver pgsql\|mysql\|sqlite3/, 'naming the fix') or diag $out;

    ($rc, $out) = configtest_without($site, qr/^(DBDriver|DBDParams|\s*SetHandler leads)/);
    is($rc, 0, 'the module loaded without the handler (a2enmod before the site): passes') or diag $out;
    # mod_watchdog is compiled into Debian's httpd: its absence cannot be
    # made here; the check is the same ap_find_linked_module() test.
};

for my $backend (backends()) {
    subtest "backend $backend: an outdated schema is 503 until leadsctl init" => sub {
        my $site = LeadsTest->site(backend => $backend, no_start => 1, conf => [ 'LeadsRateLimit 0' ]);
        my $p = $site->provision;
        my ($name) = map { $_->[0] } $site->sql('SELECT name FROM leads_schema WHERE version = 6');
        $site->sql('DELETE FROM leads_schema WHERE version = 6');
        $site->start;
        unavailable_ok($site->create($p->{key}, lead()), "schema 5, request $_") for 1 .. 2;
        my @said = $site->error_log =~ /LEADS00021[^\n]*/g;
        ok(@said >= 1, 'said in the error log') or diag $site->log_tail(10);
        like($said[0] // '', qr/version 5, this mod_leads needs 6: run 'leadsctl init'/, 'with the fix');
        unlike($site->error_log, qr/LEADS00040/, 'never a 500');
        # what `leadsctl init` records once migration 6 is applied
        $site->sql("INSERT INTO leads_schema (version, name) VALUES (6, '$name')");
        my $r = wait_for(10, sub { my $x = $site->create($p->{key}, lead()); $x->{status} == 201 ? $x : undef });
        ok($r, 'once the schema is current: 201, without a restart');
    };
}

subtest 'LEADS_SCHEMA_VERSION is the highest migration of every backend' => sub {
    my $root = $LeadsTest::ROOT;
    open my $h, '<', "$root/mod_leads/mod_leads.h" or die $!;
    my ($want) = do { local $/; <$h> } =~ /#define\s+LEADS_SCHEMA_VERSION\s+(\d+)/;
    ok($want, "LEADS_SCHEMA_VERSION $want");
    for my $driver (qw(pgsql mysql sqlite3)) {
        my ($max) = sort { $b <=> $a } map { m{/(\d+)_[^/]*\.sql$} ? $1 + 0 : () } glob "$root/sql/$driver/*.sql";
        is($max, $want, "sql/$driver");
    }
};

done_testing;
