# README "leadsctl": leadsctl's output contract (an id/key alone on stdout, --json one
# object), errors on stderr with a non-zero exit, and keys never shown again.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Digest::SHA qw(sha256_hex);
use MIME::Base64 qw(decode_base64);
use JSON::PP ();
use LeadsTest qw(backends uuid_re run_cmd);

my $UUID = qr/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

# stdout is exactly one line matching $re, stderr empty, exit 0
sub alone_ok {
    my ($r, $re, $what) = @_;
    subtest "$what prints it alone on one line" => sub {
        is($r->{rc}, 0, 'exit 0') or diag $r->{err};
        like($r->{out}, qr/^$re\n\z/, 'stdout is the value and a newline') or diag "stdout: $r->{out}";
    };
    return ($r->{out} =~ /^(\S+)/)[0];
}

sub fails_ok {
    my ($r, $what, $mention) = @_;
    subtest "$what -> non-zero exit, message on stderr" => sub {
        isnt($r->{rc}, 0, 'non-zero exit');
        like($r->{err}, qr/\S/, 'a message on stderr');
        like($r->{err}, $mention, "it mentions $mention") if $mention;
        is($r->{out}, '', 'nothing on stdout');
    };
}

sub json_of {
    my ($r) = @_;
    return eval { JSON::PP->new->utf8->decode($r->{out}) };
}

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my $site = LeadsTest->site(backend => $backend, no_start => 1);

        subtest 'init is repeatable' => sub {
            my $r = $site->ctl_run('init');
            is($r->{rc}, 0, 'second init: exit 0') or diag $r->{err};
            $r = $site->ctl_run('init');
            is($r->{rc}, 0, 'third init: exit 0') or diag $r->{err};
            is($site->sql1('SELECT COUNT(*) FROM leads'), 0, 'schema still there');
        };

        my $firm = alone_ok($site->ctl_run('firm', 'add', '--name', 'Ctl & Co'), $UUID, 'firm add: the firm id');
        alone_ok($site->ctl_run('stage', 'add', '--firm', $firm, '--key', 'new', '--name', 'New', '--position', 0),
                 $UUID, 'stage add: the stage id');
        alone_ok($site->ctl_run('stage', 'add', '--firm', $firm, '--key', 'won', '--name', 'Won', '--position', 1, '--closed'),
                 $UUID, 'stage add --closed: the stage id');
        alone_ok($site->ctl_run('member', 'add', '--firm', $firm, '--name', 'Mia', '--email', 'mia@example.com'),
                 $UUID, 'member add: the member UUID');
        alone_ok($site->ctl_run('field', 'add', '--firm', $firm, '--name', 'caseType', '--type', 'choice',
                                '--choices', 'Family,Criminal,Immigration'), $UUID, 'field add: the field id');
        alone_ok($site->ctl_run('field', 'add', '--firm', $firm, '--name', 'notes', '--type', 'text', '--required'),
                 $UUID, 'field add --required: the field id');
        my $key = alone_ok($site->ctl_run('key', 'add', '--firm', $firm, '--scopes', 'leads:write'),
                           qr/lak_[0-9A-Za-z]{32,}/, 'key add: the lak_ key (32+ base62)');

        subtest '--json: add prints one object with "id" (plus "key" / "secret")' => sub {
            my $j = json_of($site->ctl_run('--json', 'firm', 'add', '--name', 'Json LLP'));
            ok(ref $j eq 'HASH', 'firm add --json: an object');
            like($j->{id} // '', qr/^$UUID$/, 'firm: id');
            my $f = $j->{id} // $firm;
            $j = json_of($site->ctl_run('--json', 'stage', 'add', '--firm', $f, '--key', 'new', '--name', 'New'));
            like($j->{id} // '', qr/^$UUID$/, 'stage: id');
            $j = json_of($site->ctl_run('--json', 'member', 'add', '--firm', $f));
            like($j->{id} // '', qr/^$UUID$/, 'member: id');
            $j = json_of($site->ctl_run('--json', 'field', 'add', '--firm', $f, '--name', 'n', '--type', 'number'));
            like($j->{id} // '', qr/^$UUID$/, 'field: id');
            $j = json_of($site->ctl_run('--json', 'key', 'add', '--firm', $f, '--scopes', 'leads:write,leads:read'));
            like($j->{id} // '', qr/^$UUID$/, 'key: id (the key\'s id, for disable/delete)');
            like($j->{key} // '', qr/^lak_[0-9A-Za-z]{32,}$/, 'key: key');
        };

        # Ingestion sources (docs/api.md §6.1) and webhooks (§9.1).
        subtest 'source add / webhook add (docs/api.md §6.1, §9.1)' => sub {
            alone_ok($site->ctl_run('source', 'add', '--firm', $firm, '--name', 'web form'),
                     qr/lik_[0-9A-Za-z]{32,}/, 'source add: the lik_ key');
            my $secret = alone_ok($site->ctl_run('webhook', 'add', '--firm', $firm, '--url', 'https://example.com/hook'),
                                  qr{whsec_[A-Za-z0-9+/]+=*}, 'webhook add: the whsec_ secret');
            ok(length(decode_base64(substr($secret // 'whsec_', 6))) >= 24, 'the secret holds 24+ random bytes');
            my $j = json_of($site->ctl_run('--json', 'source', 'add', '--firm', $firm, '--name', 'partner'));
            like($j->{id} // '', qr/^$UUID$/, 'source add --json: id');
            like($j->{key} // '', qr/^lik_[0-9A-Za-z]{32,}$/, 'source add --json: key');
            $j = json_of($site->ctl_run('--json', 'webhook', 'add', '--firm', $firm, '--url', 'https://example.com/h'));
            like($j->{id} // '', qr/^$UUID$/, 'webhook add --json: id');
            like($j->{secret} // '', qr/^whsec_/, 'webhook add --json: secret');
            for my $what (qw(source webhook)) {
                is($site->ctl_run($what, 'list', '--firm', $firm)->{rc}, 0, "$what list: exit 0");
            }
        };

        subtest 'errors: non-zero exit with a message on stderr' => sub {
            fails_ok($site->ctl_run('field', 'add', '--firm', $firm, '--name', 'colour', '--type', 'color'),
                     'field add --type color', qr/type/i);
            fails_ok($site->ctl_run('stage', 'add', '--firm', '01890a5d-ac96-774b-bcce-b302099a8057',
                                    '--key', 'x', '--name', 'X'), 'stage add for an unknown firm');
            fails_ok($site->ctl_run('member', 'add', '--firm', 'not-a-firm'), 'member add --firm not-a-firm');
            fails_ok($site->ctl_run('key', 'add', '--firm', '01890a5d-ac96-774b-bcce-b302099a8057',
                                    '--scopes', 'leads:write'), 'key add for an unknown firm');
            fails_ok($site->ctl_run('key', 'add', '--firm', $firm, '--scopes', 'leads:admin'), 'key add with an unknown scope');
            fails_ok($site->ctl_run('firm', 'add'), 'firm add without --name', qr/name/);
            fails_ok($site->ctl_run('key', 'disable', '01890a5d-ac96-774b-bcce-b302099a8057'), 'key disable of an unknown key');
            fails_ok($site->ctl_run('frobnicate'), 'an unknown command');
            fails_ok($site->ctl_run('stage', 'add', '--firm', $firm, '--key', 'new', '--name', 'Again'),
                     'a second stage with the same key');
            my ($rc, $out, $err) = run_cmd([ $LeadsTest::LEADSCTL, '--driver', 'oracle', '--params', 'x', 'firm', 'add', '--name', 'x' ]);
            ok($rc != 0 && $err =~ /\S/, 'an unknown driver -> non-zero exit, message on stderr');
        };

        subtest 'the database may come from LEADS_DBD_DRIVER / LEADS_DBD_PARAMS' => sub {
            my ($rc, $out, $err) = run_cmd([ $LeadsTest::LEADSCTL, 'firm', 'add', '--name', 'From env' ],
                env => { LEADS_DBD_DRIVER => $site->driver, LEADS_DBD_PARAMS => $site->params });
            $site->_fix_sqlite_owner;
            is($rc, 0, 'exit 0') or diag $err;
            like($out, qr/^$UUID\n\z/, 'the firm id');
        };

        subtest 'keys are stored only as a SHA-256 hash plus the last four characters' => sub {
            my @rows = $site->sql("SELECT key_hash, last4 FROM api_keys WHERE key_hash = '" . sha256_hex($key // '') . "'");
            is(scalar @rows, 1, 'the row holds sha256(key)');
            is($rows[0][1], substr($key // '', -4), 'last4') if @rows;
            my $dump = join "\n", map { join "\t", @$_ } $site->sql('SELECT * FROM api_keys');
            unlike($dump, qr/\Q$key\E/, 'the key itself is nowhere in api_keys') if $key;
        };

        subtest 'key list never prints the key or its hash' => sub {
            my $r = $site->ctl_run('key', 'list', '--firm', $firm);
            is($r->{rc}, 0, 'key list: exit 0') or diag $r->{err};
            my $last4 = substr($key // 'xxxx', -4);
            my $hash = sha256_hex($key // '');
            like($r->{out}, qr/\Q$last4\E/, 'shows the last four characters');
            unlike($r->{out}, qr/\Q$key\E/, 'not the key') if $key;
            unlike($r->{out}, qr/\Q$hash\E/i, 'not the hash');
            unlike($r->{out}, qr/\b[0-9a-f]{64}\b/i, 'no 64-hex string at all');
            $r = $site->ctl_run('--json', 'key', 'list', '--firm', $firm);
            is($r->{rc}, 0, 'key list --json: exit 0');
            my $j = json_of($r);
            ok(ref $j eq 'ARRAY' && @$j >= 1, 'a JSON array') or diag $r->{out};
            unlike($r->{out}, qr/\Q$key\E/, 'not the key (json)') if $key;
            unlike($r->{out}, qr/\b[0-9a-f]{64}\b/i, 'no hash (json)');
        };

        subtest 'list commands work' => sub {
            for my $what (qw(stage field key)) {
                my $r = $site->ctl_run($what, 'list', '--firm', $firm);
                is($r->{rc}, 0, "$what list: exit 0") or diag $r->{err};
            }
            like($site->ctl('stage', 'list', '--firm', $firm), qr/\bnew\b.*\bwon\b/s, 'stage list shows the stages');
            like($site->ctl('field', 'list', '--firm', $firm), qr/caseType/, 'field list shows the fields');
        };
    };
}

done_testing;
