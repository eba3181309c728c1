# docs/api.md §7.2 503 `unavailable` for SQLite: the database file made read-only,
# and the disk it lives on full, while httpd runs.  Creates answer 503
# `unavailable` (never another 5xx, never a crash), nothing partial is
# stored (a lead, its Idempotency-Key record and its outbox row are one
# transaction), and once the file is writable again / space is freed every
# create succeeds and every webhook is delivered, without restarting httpd.
#
# Read-only: httpd's children run as www-data, so chmod takes the write
# permission away from connections opened afterwards (SQLite then opens the
# file read-only, silently, for the connection's whole life).  Connections
# already open keep their descriptors, so the database and its WAL are also
# made immutable (chattr +i: a write through an open descriptor fails too,
# on ext4 and the usual disk file systems; not the mapped -shm, whose write
# fault would be a SIGBUS).  Both kinds are covered: read-only while the
# pools hold open connections, and read-only before the first request (the
# requests' connections are opened during the fault).  Disk full: the
# database is moved onto a small tmpfs and the rest of it filled.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Basename qw(dirname);
use File::Copy qw(copy);
use POSIX ();
use Time::HiRes qw(sleep time);
use LeadsTest qw(backends in_children unavailable_ok);
use Receiver;

plan skip_all => 'needs sqlite3 (LEADS_BACKENDS)' unless grep { $_ eq 'sqlite3' } backends();

my $WAIT = 60;      # seconds: a bound on waiting for the outbox to drain (a lease lasts 2 x 2 + 15 s)
my $CONF = [ 'LeadsRateLimit 0', 'LeadsWebhookAllowPrivate On', 'LeadsWebhookPollInterval 1',
             'LeadsWebhookTimeout 2' ];
my $SEQ = 0;
my (@sites, %immutable, @mounts);

# Leave nothing the runner cannot remove: httpd stopped (it holds files on
# the tmpfs), no immutable file, no mount.
END {
    local $?;
    $_->stop for @sites;
    system('chattr', '-i', $_) for grep { -e } keys %immutable;
    for my $m (@mounts) {
        system('umount', $m) == 0 or system('umount', '-l', $m);
    }
}

sub lead { { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com', source => 'web' } }

# One create with an Idempotency-Key of its own (so the key's record is
# written in the lead's transaction too).
sub create {
    my ($site, $key) = @_;
    my $ik = sprintf 'faults-%d-%d', $$, ++$SEQ;
    my $r = eval { $site->create($key, lead(), { 'Idempotency-Key' => $ik }) } || { status => 0, json => {} };
    my $e = ref $r->{json} eq 'HASH' && ref $r->{json}{error} eq 'HASH' ? $r->{json}{error} : {};
    return { %$r, code => $e->{code} // '', ikey => $ik };
}

# $n creates at once from forked clients; their "status code" strings.
sub parallel {
    my ($site, $key, $n) = @_;
    return in_children($n, sub { my $r = create($site, $key); "$r->{status} $r->{code}" });
}

# While the fault lasts: 6 sequential creates, then 16 at once (more than
# the children's pools hold, so connections are opened during the fault).
# Returns the Idempotency-Keys of the failed sequential ones.
sub fault_ok {
    my ($site, $key, $what) = @_;
    my @keys;
    for my $i (1 .. 6) {
        my $r = create($site, $key);
        unavailable_ok($r, "$what: create $i");
        push @keys, $r->{ikey};
    }
    my @par = parallel($site, $key, 16);
    is_deeply([ grep { !/^503 unavailable$/ } @par ], [], "$what: 16 parallel creates: all 503 unavailable")
        or diag "@par";
    return @keys;
}

# After the fault: creates succeed again (the first within a bound), then
# every one of 20 sequential and 3 x 16 parallel.  Returns how many 201s.
sub recovered_ok {
    my ($site, $key, $failed_key, $what) = @_;
    my ($r, $n);
    for (1 .. 40) {
        $r = create($site, $key);
        last if $r->{status} == 201;
        sleep 0.25;
    }
    is($r->{status}, 201, "$what: a create succeeds again, without restarting httpd") or diag $r->{body};
    $n = $r->{status} == 201 ? 1 : 0;
    my @st = map { create($site, $key)->{status} } 1 .. 20;
    is_deeply(\@st, [ (201) x 20 ], "$what: the next 20 sequential creates: all 201");
    $n += grep { $_ == 201 } @st;
    for my $round (1 .. 3) {
        my @par = parallel($site, $key, 16);
        is_deeply([ grep { !/^201/ } @par ], [],
                  "$what: round $round of 16 parallel creates: all 201 (no pooled connection stays broken)")
            or diag "@par";
        $n += grep { /^201/ } @par;
    }
    my $again = $site->create($key, lead(), { 'Idempotency-Key' => $failed_key });
    is($again->{status}, 201, "$what: an Idempotency-Key that failed during the fault creates now");
    ok(!$again->{headers}{'idempotent-replayed'}, "$what: ... as a new lead, not a replay");
    $n++ if $again->{status} == 201;
    return $n;
}

# Exactly the acknowledged leads are stored, each with its own outbox row
# and Idempotency-Key record, and the outbox drains to the receiver.
sub nothing_partial_ok {
    my ($site, $firm, $n, $rcv, $what) = @_;
    is($site->count_leads("firm_id = '$firm'"), $n, "$what: $n leads stored, one per 201");
    is(0 + $site->sql1("SELECT COUNT(*) FROM webhook_deliveries WHERE firm_id = '$firm'"), $n,
       "$what: one outbox row per lead");
    is(0 + $site->sql1('SELECT COUNT(*) FROM idempotency_keys'), $n,
       "$what: one Idempotency-Key record per lead (failed requests are not remembered)");
    is(0 + $site->sql1('SELECT COUNT(*) FROM leads l WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d '
                       . "WHERE d.firm_id = l.firm_id AND d.body LIKE '%' || l.id || '%') "
                       . 'OR NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.lead_id = l.id)'), 0,
       "$what: each lead has its own outbox row and Idempotency-Key record");
    is(wait_delivered($site, $firm, $n, $WAIT), $n, "$what: every lead's webhook is delivered afterwards")
        or diag $site->log_tail(10, qr/LEADS000/);
    my %events = map { ($_->{headers}{'webhook-id'} // '') => 1 } $rcv->requests(path => "/$firm");
    is(scalar(keys %events), $n, "$what: the receiver got $n distinct events");
}

# Poll (bounded) until $n of the firm's deliveries are delivered; returns
# the count seen last.
sub wait_delivered {
    my ($site, $firm, $n, $timeout) = @_;
    my $deadline = time + $timeout;
    while (1) {
        my $c = $site->sql1("SELECT COUNT(*) FROM webhook_deliveries WHERE firm_id = '$firm' "
                            . "AND status = 'delivered'");
        return $c if $c >= $n || time > $deadline;
        sleep 0.5;
    }
}

sub survived_ok {
    my ($site, $what) = @_;
    ok(kill(0, $site->{pid}), "$what: httpd parent alive");
    # The MPM may stop an idle child and start another: a child that died
    # shows up in the error log (AH00052 exit signal), not in the pid set.
    ok(scalar($site->child_pids), "$what: children serving");
    is_deeply([ $site->crashes ], [], "$what: no crash in the error log");
}

sub firm_with_webhook {
    my ($site, $rcv) = @_;
    my $p = $site->provision(fields => []);
    $site->ctl('webhook', 'add', '--firm', $p->{firm}, '--url', $rcv->url("/$p->{firm}"));
    return $p;
}

# Does this file system refuse writes through a descriptor opened before
# chattr +i?  (ext4, xfs, btrfs do; tmpfs does not.)
sub immutable_blocks_open_writes {
    my ($dir) = @_;
    my $f = "$dir/immutable-probe";
    open my $fh, '>', $f or return 0;
    $immutable{$f} = 1;
    my $blocked = system('chattr', '+i', $f) == 0 && !defined syswrite($fh, 'x');
    system('chattr', '-i', $f);
    delete $immutable{$f};
    close $fh;
    unlink $f;
    return $blocked;
}

my $rcv = Receiver->new(dir => LeadsTest::tmp() . '/receivers');

# The database, its WAL and its directory made read-only for httpd's
# children; returns what puts them back.
sub make_read_only {
    my ($site) = @_;
    my $db = $site->params;
    my @files = grep { -e } $db, "$db-wal", "$db-shm";
    my @frozen = grep { !/-shm$/ } @files;
    my %mode = map { $_ => (stat $_)[2] & 07777 } @files, dirname($db);
    chmod 0444, @files;
    chmod 0555, dirname($db);
    system('chattr', '+i', @frozen) == 0 or die "chattr +i @frozen failed";
    $immutable{$_} = 1 for @frozen;
    return sub {
        system('chattr', '-i', @frozen) == 0 or die "chattr -i @frozen failed";
        delete $immutable{$_} for @frozen;
        chmod $mode{$_}, $_ for keys %mode;
    };
}

# $warm: creates before the fault, so that mod_dbd's pools hold open
# connections (their commits fail); without, the requests' connections are
# opened during the fault (SQLite opens them read-only).
sub read_only_ok {
    my ($warm) = @_;
    my $site = LeadsTest->site(backend => 'sqlite3', conf => $CONF);
    push @sites, $site;
    my $dir = dirname($site->params);
    plan skip_all => "chattr +i is missing or does not stop writes through open descriptors on the file system of $dir"
        unless immutable_blocks_open_writes($dir);
    my $p = firm_with_webhook($site, $rcv);
    my $created = 0;
    if ($warm) {
        my @st = map { create($site, $p->{key})->{status} } 1 .. 5;
        push @st, map { (split ' ')[0] } parallel($site, $p->{key}, 8);
        is_deeply(\@st, [ (201) x 13 ], '13 creates before: all 201');
        $created = grep { $_ == 201 } @st;
    }
    my $restore = make_read_only($site);
    my @failed = fault_ok($site, $p->{key}, 'read-only');
    $restore->();
    $created += recovered_ok($site, $p->{key}, $failed[0], 'writable again');
    nothing_partial_ok($site, $p->{firm}, $created, $rcv, 'read-only');
    survived_ok($site, 'read-only');
    $site->stop;
}

subtest 'database read-only while httpd serves -> 503 unavailable; writable again -> 201, no restart' => sub {
    read_only_ok(1);
};

subtest 'database read-only before the first request -> 503; writable again -> 201, no restart' => sub {
    read_only_ok(0);
};

# The database's directory on a 16 MB tmpfs, filled up while httpd serves;
# $conf: the site's directives.
sub disk_full_ok {
    my ($conf) = @_;
    my $site = LeadsTest->site(backend => 'sqlite3', conf => $conf, no_start => 1);
    push @sites, $site;
    my $dir = dirname($site->params);

    # What `leadsctl init` made moves onto a 16 MB tmpfs mounted in its place.
    my $aside = "$dir.aside";
    mkdir $aside or die "$aside: $!";
    opendir my $dh, $dir or die "$dir: $!";
    my @names = grep { !/^\.\.?$/ } readdir $dh;
    closedir $dh;
    rename "$dir/$_", "$aside/$_" or die "rename $_: $!" for @names;
    if (system('mount', '-t', 'tmpfs', '-o', 'size=16m,mode=0755', 'leads-test-full', $dir) != 0) {
        rename "$aside/$_", "$dir/$_" for @names;
        plan skip_all => "cannot mount a tmpfs on $dir (needs root with CAP_SYS_ADMIN)";
    }
    push @mounts, $dir;
    copy("$aside/$_", "$dir/$_") or die "copy $_: $!" for @names;
    my $p = firm_with_webhook($site, $rcv);     # leadsctl hands the files to www-data
    $site->start;

    my @st = map { create($site, $p->{key})->{status} } 1 .. 5;
    push @st, map { (split ' ')[0] } parallel($site, $p->{key}, 8);
    is_deeply(\@st, [ (201) x 13 ], '13 creates before: all 201');
    my $created = grep { $_ == 201 } @st;
    wait_delivered($site, $p->{firm}, $created, $WAIT);      # the deliverer has nothing to write

    # An empty WAL has to grow for the next commit; then nothing is left.
    my $ckpt;
    for (1 .. 20) {
        $ckpt = $site->sql1('PRAGMA wal_checkpoint(TRUNCATE)');
        last if defined $ckpt && $ckpt eq '0';
        sleep 0.25;
    }
    is($ckpt, '0', 'the WAL is checkpointed and truncated');
    my $filler = "$dir/filler";
    open my $fh, '>', $filler or die "$filler: $!";
    my $block = "\0" x 4096;
    1 while defined syswrite $fh, $block;
    ok($!{ENOSPC}, 'the file system is full') or diag "filling stopped: $!";
    close $fh;
    note 'filler: ' . (-s $filler) . ' bytes';

    my @failed = fault_ok($site, $p->{key}, 'disk full');
    unlink $filler or die "$filler: $!";

    $created += recovered_ok($site, $p->{key}, $failed[0], 'space freed');
    nothing_partial_ok($site, $p->{firm}, $created, $rcv, 'disk full');
    survived_ok($site, 'disk full');
    $site->stop;
}

subtest 'disk full under the database -> 503 unavailable; space freed -> 201, no restart' => sub {
    disk_full_ok($CONF);
};

# A create whose COMMIT fails looks on another connection whether the lead
# was stored after all.  With one connection per child and one child, the
# request has to give its own back first: holding it while it waited for a
# second, it would wait for ever, and the child's other requests with it.
subtest 'disk full, one connection per child: every create is still answered' => sub {
    disk_full_ok([ @$CONF, 'DBDMax 1', 'DBDKeep 1', 'StartServers 1', 'ServerLimit 1',
                   'MaxRequestWorkers 8' ]);
};

done_testing;
