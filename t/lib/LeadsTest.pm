package LeadsTest;

# The integration-test harness: a fresh database per site, `leadsctl init`
# against it, a real httpd (/usr/sbin/apache2) with mod_leads in front, and
# helpers to provision, call the API and look at the database with each
# backend's own CLI.  Meant to run under t/run-tests.sh, which starts the
# database servers and exports LEADS_TEST_*; run alone (prove -I t/lib t/x.t)
# it falls back to SQLite in a temp dir.

use strict;
use warnings;

use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

our @EXPORT_OK = qw(backends json_text json_key_order uuid_re timestamp_re
                    free_port run_cmd db_ctl wait_for in_children
                    unavailable_ok schema_version scenario);

our $ROOT = $ENV{LEADS_TEST_ROOT} || abs_path(dirname(__FILE__) . '/../..');
our $APACHE = '/usr/sbin/apache2';
our $MODULES = '/usr/lib/apache2/modules';
our $LEADSCTL = "$ROOT/build/leadsctl";
our $MODULE = "$ROOT/mod_leads/.libs/mod_leads.so";

my $JSON = JSON::PP->new->utf8->canonical;
my $SEQ = 0;
my %LIVE;                       # site objects whose httpd may be running

# Test names and diagnostics carry non-ASCII text.
if (Test::More->can('builder')) {
    my $tb = Test::More->builder;
    binmode $_, ':encoding(UTF-8)' for $tb->output, $tb->failure_output, $tb->todo_output;
}

# A scenario is a subtest that survives a die (an unimplemented leadsctl
# command, a site that does not come up): the failure is reported and the
# next scenario runs.
sub scenario {
    my ($name, $code) = @_;
    Test::More::subtest($name => sub {
        my $ok = eval { $code->(); 1 };
        Test::More::fail("scenario died: $@") unless $ok;
    });
}

# The schema version this build needs (LEADS_SCHEMA_VERSION): tests that
# remove the newest migration's row name it from here, not by number.
sub schema_version {
    open my $fh, '<', "$ROOT/mod_leads/mod_leads.h" or die "mod_leads.h: $!";
    while (<$fh>) { return $1 if /^#define LEADS_SCHEMA_VERSION (\d+)/ }
    die 'LEADS_SCHEMA_VERSION not found in mod_leads.h';
}

# Made on first use when not under the runner (so `perl -c` leaves nothing).
my $TMP;
sub tmp {
    return $TMP //= $ENV{LEADS_TEST_TMP} || do {
        my $d = tempdir('leads-test-XXXXXX', TMPDIR => 1, CLEANUP => 1);
        chmod 0755, $d;
        $d;
    };
}

# A test killed by a signal (^C, a closed pipe, the runner's TERM) must
# still stop its httpd: turn the signals into a normal exit so END runs.
# Forked helpers (parallel clients) just go.
my $MAIN_PID = $$;
$SIG{PIPE} = 'IGNORE';
for my $sig (qw(INT TERM HUP)) {
    $SIG{$sig} = sub { $$ == $MAIN_PID ? exit(128 + ($sig eq 'INT' ? 2 : $sig eq 'TERM' ? 15 : 1))
                                       : POSIX::_exit(1) };
}

sub uuid_re { qr/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/ }
sub timestamp_re { qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/ }

# The backends to test: LEADS_BACKENDS (as the runner exported it), keeping
# only those whose server is actually running here.  `galera` is not one:
# only t/galera.t uses it (a cluster of its own, sites of backend mysql).
sub backends {
    my @want = split ' ', ($ENV{LEADS_BACKENDS} // 'sqlite3 pgsql mysql');
    return grep {
        $_ eq 'sqlite3'
          || ($_ eq 'pgsql' && $ENV{LEADS_TEST_PG_PORT})
          || ($_ eq 'mysql' && $ENV{LEADS_TEST_MY_PORT})
    } @want;
}

sub json_text { $JSON->encode($_[0]) }

# Top-level keys of a JSON object text, in the order they appear.
sub json_key_order {
    my ($text) = @_;
    my (@keys, $depth, $i, $n);
    $depth = 0;
    $n = length $text;
    for ($i = 0; $i < $n; $i++) {
        my $c = substr($text, $i, 1);
        if ($c eq '"') {
            my $j = $i + 1;
            while ($j < $n) {
                my $d = substr($text, $j, 1);
                if ($d eq '\\') { $j += 2; next }
                last if $d eq '"';
                $j++;
            }
            my $str = substr($text, $i + 1, $j - $i - 1);
            my $rest = substr($text, $j + 1);
            push @keys, $str if $depth == 1 && $rest =~ /^\s*:/;
            $i = $j;
        }
        elsif ($c eq '{' || $c eq '[') { $depth++ }
        elsif ($c eq '}' || $c eq ']') { $depth-- }
    }
    return @keys;
}

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# Run a command (no shell); returns (exit code, stdout, stderr).
# Options: stdin => bytes, env => {NAME => value}.
sub run_cmd {
    my ($cmd, %o) = @_;
    my $dir = tempdir('cmd-XXXXXX', DIR => tmp(), CLEANUP => 1);
    my ($in, $out, $err) = map { "$dir/$_" } qw(in out err);
    open my $fh, '>:raw', $in or die "$in: $!";
    print $fh $o{stdin} // '';
    close $fh;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', $in;
        open STDOUT, '>', $out;
        open STDERR, '>', $err;
        $ENV{$_} = $o{env}{$_} for keys %{ $o{env} || {} };
        # SANITIZE=1: httpd is not instrumented, the module is; give httpd
        # the sanitizer runtimes (t/run-tests.sh sets the variable)
        $ENV{LD_PRELOAD} = $ENV{LEADS_HTTPD_PRELOAD}
            if $ENV{LEADS_HTTPD_PRELOAD} && $cmd->[0] eq $APACHE;
        exec @$cmd or do { print STDERR "exec $cmd->[0]: $!\n"; POSIX::_exit(127) };
    }
    waitpid $pid, 0;
    my $rc = $? & 127 ? 128 + ($? & 127) : $? >> 8;
    my ($so, $se) = (_slurp($out), _slurp($err));
    File::Path::remove_tree($dir);
    return ($rc, $so, $se);
}

sub _slurp { local $/; open my $f, '<:raw', $_[0] or return ''; my $t = <$f>; $t // '' }

# db_ctl('stop' | 'start', 'pgsql' | 'mysql'): the run's database server
# (t/lib/db-ctl.sh).  One this test stopped is started again when it ends,
# however it ends.
my %DB_STOPPED;
sub db_ctl {
    my ($action, $backend) = @_;
    system('sh', "$ROOT/t/lib/db-ctl.sh", $action, $backend) == 0
        or die "db-ctl.sh $action $backend failed";
    if ($action eq 'stop') { $DB_STOPPED{$backend} = 1 } else { delete $DB_STOPPED{$backend} }
}

# ---------------------------------------------------------------- helpers

# Poll $cond (bounded): its first true value, or its last value.
sub wait_for {
    my ($timeout, $cond) = @_;
    my $deadline = time + $timeout;
    while (1) {
        my $v = $cond->();
        return $v if $v || time > $deadline;
        sleep 0.2;
    }
}

# $n forked clients at once, client $i running $code->($i); the strings
# they returned, in order ('0' for one that returned nothing).  All are
# forked before any starts (they wait for the "go" pipe to close), and they
# leave with _exit, not END blocks: the parent owns the sites.
sub in_children {
    my ($n, $code) = @_;
    pipe my $go_rd, my $go_wr or die "pipe: $!";
    my @kids;
    for my $i (1 .. $n) {
        pipe my $rd, my $wr or die "pipe: $!";
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $rd;
            close $go_wr;
            sysread $go_rd, my $buf, 1;         # EOF: go
            my $out = eval { $code->($i) };     # a client never returns to the test
            print {$wr} $out // '';
            close $wr;
            POSIX::_exit(0);
        }
        close $wr;
        push @kids, [ $pid, $rd ];
    }
    close $go_rd;
    close $go_wr;
    my @out;
    for (@kids) {
        my ($pid, $rd) = @$_;
        local $/;
        my $got = <$rd>;
        push @out, defined $got && length $got ? $got : '0';
        waitpid $pid, 0;
    }
    return @out;
}

# A 503 `unavailable` in the error envelope, with Retry-After.
sub unavailable_ok {
    my ($r, $what) = @_;
    Test::More::is($r->{status}, 503, "$what: status 503") or Test::More::diag($r->{body});
    my $e = ref $r->{json} eq 'HASH' ? $r->{json}{error} : {};
    Test::More::is(ref $e eq 'HASH' ? $e->{code} : undef, 'unavailable', "$what: code unavailable");
    Test::More::ok(ref $e eq 'HASH' && exists $e->{details} && defined $e->{message},
                   "$what: the error envelope");
    Test::More::like($r->{headers}{'retry-after'} // '', qr/^\d+$/, "$what: Retry-After");
    Test::More::like($r->{headers}{'content-type'} // '', qr{^application/json},
                     "$what: application/json");
}

# ---------------------------------------------------------------- sites

# LeadsTest->site(backend => 'pgsql', conf => "extra httpd.conf lines")
# Options: no_start => 1; env => {NAME => value} for httpd's environment; share => $other_site (a second httpd, with its own
# dir, port and logs, on $other_site's database: no CREATE DATABASE, no init);
# db_port => N (mysql, pgsql): the database server's port instead of the
# run's (LEADS_TEST_MY_PORT / LEADS_TEST_PG_PORT), e.g. one Galera node
# each for sites sharing one database; causal_reads => 1 (a Galera node):
# the mysql CLI of sql() waits until the node has applied every write the
# cluster committed before it reads.
sub site {
    my ($class, %o) = @_;
    my $backend = $o{backend} or die "site: backend required";
    my $self = bless {
        backend => $backend,
        extra   => ref $o{conf} ? join("\n", @{ $o{conf} }) : ($o{conf} // ''),
        name    => sprintf('s%d_%d_%s', $$, ++$SEQ, $backend),
        env     => $o{env} || {},
        db_port => $o{db_port},
        causal  => $o{causal_reads},
    }, $class;
    my $dir = $self->{dir} = tmp() . "/sites/$self->{name}";
    make_path("$dir/run", "$dir/logs", "$dir/db");
    chmod 0777, "$dir/run", "$dir/logs";
    if (my $other = $o{share}) {
        # A second httpd on another site's database (same backend): no new
        # database, no init.
        die "site: share needs a site of the same backend\n"
            unless ref $other && $other->{backend} eq $backend;
        $self->{$_} = $other->{$_} for qw(dbname params);
        $self->{shared_with} = $other->{name};
        $self->{db_port} //= $other->{db_port};
        $self->{params} =~ s/\bport=\d+/port=$self->{db_port}/ if $self->{db_port};
    }
    else {
        $self->_create_database;
        $self->ctl('init');
        $self->_fix_sqlite_owner;
    }
    $self->start unless $o{no_start};
    return $self;
}

# A site (LeadsTest->site's options) settled as below once started.
sub settled_site {
    my ($class, %o) = @_;
    my $site = $class->site(%o);
    $site->settle unless $o{no_start};
    return $site;
}

# SQLite: wait until httpd (www-data) has made the -wal file, so that a
# leadsctl (root) run next cannot leave a root-owned -wal behind (a harness
# race: the deliverer's connection would then fail every write).
sub settle {
    my ($self) = @_;
    return $self unless $self->backend eq 'sqlite3';
    my $wal = $self->params . '-wal';
    my $www = (getpwnam 'www-data')[2];
    my $deadline = time + 5;
    sleep 0.02 until ((stat $wal)[4] // -1) == $www || time > $deadline;
    return $self;
}

sub backend { $_[0]{backend} }
sub dir     { $_[0]{dir} }
sub port    { $_[0]{port} }
sub dbname  { $_[0]{dbname} }
sub driver  { $_[0]{backend} }
sub params  { $_[0]{params} }
sub url     { "http://127.0.0.1:$_[0]{port}" . ($_[1] // '') }

# The port of the site's database server (mysql, pgsql).
sub db_port {
    my ($self) = @_;
    return $self->{db_port} if $self->{db_port};
    return $self->{backend} eq 'pgsql' ? $ENV{LEADS_TEST_PG_PORT} : $ENV{LEADS_TEST_MY_PORT};
}

sub _create_database {
    my ($self) = @_;
    my $b = $self->{backend};
    my $db = $self->{dbname} = "leads_$self->{name}";
    if ($b eq 'pgsql') {
        die "pgsql: LEADS_TEST_PG_PORT not set\n" unless $self->db_port;
        $self->_cli_admin(qq{CREATE DATABASE "$db" ENCODING 'UTF8' TEMPLATE template0});
        $self->{params} = "host=127.0.0.1 port=${\ $self->db_port } "
                        . "dbname=$db user=postgres connect_timeout=2";
    }
    elsif ($b eq 'mysql') {
        die "mysql: LEADS_TEST_MY_PORT not set\n" unless $self->db_port;
        $self->_cli_admin("CREATE DATABASE `$db` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        $self->{params} = "host=127.0.0.1 port=${\ $self->db_port } "
                        . "user=root dbname=$db reconnect=0";
    }
    elsif ($b eq 'sqlite3') {
        $self->{params} = "$self->{dir}/db/leads.db";
    }
    else { die "unknown backend $b" }
}

# A statement outside the site's own database (CREATE DATABASE).
sub _cli_admin {
    my ($self, $sql) = @_;
    my @cmd = $self->{backend} eq 'pgsql'
        ? (qw(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d postgres),
           '-p', $self->db_port, '-c', $sql)
        : (qw(mariadb --no-defaults -h 127.0.0.1 -u root),
           '-P', $self->db_port, '-e', $sql);
    my ($rc, $out, $err) = run_cmd(\@cmd);
    die "@cmd[0..1]: $sql: $err" if $rc;
}

# SQLite: the database file and its journals must stay writable by the
# httpd children (www-data) after root ran leadsctl or the CLI on them.
sub _fix_sqlite_owner {
    my ($self) = @_;
    return unless $self->{backend} eq 'sqlite3';
    my ($uid, $gid) = (getpwnam 'www-data')[2, 3];
    my $d = dirname($self->{params});      # "$dir/db", or the shared site's
    opendir my $dh, $d or return;
    chown $uid, $gid, $d, map { "$d/$_" } grep { !/^\.\.?$/ } readdir $dh;
}

sub conf_text {
    my ($self, $extra) = @_;
    my $d = $self->{dir};
    my $b = $self->{backend};
    my $port = $self->{port} // 1;
    my $init = $b eq 'mysql' ? qq{DBDInitSQL "SET NAMES utf8mb4"\n} : '';
    $extra //= $self->{extra};
    return <<"EOF";
# generated by t/lib/LeadsTest.pm for $self->{name}
ServerRoot "$d"
DefaultRuntimeDir "$d/run"
PidFile "$d/run/httpd.pid"
ErrorLog "$d/logs/error.log"
CoreDumpDirectory "$d/run"
LogLevel info
Listen 127.0.0.1:$port
ServerName 127.0.0.1
User www-data
Group www-data
Timeout 20

LoadModule mpm_event_module $MODULES/mod_mpm_event.so
LoadModule authz_core_module $MODULES/mod_authz_core.so
LoadModule dbd_module $MODULES/mod_dbd.so
LoadModule leads_module $MODULE

StartServers 2
ServerLimit 4
ThreadsPerChild 8
MinSpareThreads 8
MaxSpareThreads 16
MaxRequestWorkers 16

DBDriver $b
DBDParams "$self->{params}"
${init}DBDMin 0
DBDKeep 2
DBDMax 8
DBDExptime 60

<Location "/api/leads">
    SetHandler leads
</Location>

$extra
EOF
}

sub _write_conf {
    my ($self, $file, $extra) = @_;
    open my $fh, '>', $file or die "$file: $!";
    print $fh $self->conf_text($extra);
    close $fh;
}

sub start {
    my ($self) = @_;
    my $conf = "$self->{dir}/httpd.conf";
    my $tries = 0;
  RETRY:
    $self->{port} = free_port();
    $self->_write_conf($conf);
    my ($rc, $out, $err) = run_cmd([$APACHE, '-f', $conf, '-k', 'start'],
                                   env => $self->{env});
    die "apache2 -k start failed ($rc):\n$out$err" . $self->_log_tail if $rc;
    $LIVE{$self} = $self;
    my $deadline = time + 15;
    while (time < $deadline) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
                                      Proto => 'tcp', Timeout => 1);
        if ($s) {
            close $s;
            $self->{pid} = $self->_read_pid;
            return $self if $self->{pid};
        }
        if ($self->error_log =~ /could not bind|Address already in use/ && ++$tries < 3) {
            $self->stop;
            goto RETRY;
        }
        sleep 0.1;
    }
    my $log = $self->_log_tail;
    $self->stop;
    die "httpd for $self->{name} did not come up on port $self->{port}\n$log";
}

sub _read_pid {
    my ($self) = @_;
    my $p = _slurp("$self->{dir}/run/httpd.pid");
    return $p =~ /(\d+)/ ? $1 : undef;
}

# The pids of the httpd parent's children (its worker processes).
sub child_pids {
    my ($self) = @_;
    my $ppid = $self->{pid} or return;
    my @kids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        my $t = _slurp($stat) or next;
        push @kids, $1 if $t =~ /^(\d+) \(.*\) \S+ (\d+) / && $2 == $ppid;
    }
    return @kids;
}

sub stop {
    my ($self) = @_;
    delete $LIVE{$self};
    my $pid = $self->{pid} // $self->_read_pid;
    return unless $pid && kill 0, $pid;
    $self->{pid} = $pid;
    my @kids = $self->child_pids;
    run_cmd([$APACHE, '-f', "$self->{dir}/httpd.conf", '-k', 'stop']);
    for my $p ($pid, @kids) {
        my $deadline = time + 15;
        sleep 0.05 while kill(0, $p) && _is_alive($p) && time < $deadline;
        kill 'KILL', $p if kill(0, $p) && _is_alive($p);
    }
    delete $self->{pid};
}

sub _is_alive {                 # not a zombie
    my $t = _slurp("/proc/$_[0]/stat");
    return $t ne '' && $t !~ /^\d+ \(.*\) Z /;
}

sub restart {
    my ($self) = @_;
    $self->stop;
    $self->start;
}

# `apache2 -k graceful`: returns once the new generation has logged that it
# resumed normal operations (the parent's pid stays the same).  Dies when
# the command fails or the new generation does not come up in 30 s.
sub graceful {
    my ($self) = @_;
    my $before = () = $self->error_log =~ /resuming normal operations/g;
    my ($rc, $out, $err) = run_cmd([$APACHE, '-f', "$self->{dir}/httpd.conf", '-k', 'graceful']);
    die "apache2 -k graceful failed ($rc):\n$out$err" . $self->_log_tail if $rc;
    my $deadline = time + 30;
    while (time < $deadline) {
        my $now = () = $self->error_log =~ /resuming normal operations/g;
        return $self if $now > $before;
        sleep 0.05;
    }
    die "httpd for $self->{name}: no new generation after graceful\n" . $self->_log_tail;
}

# SIGKILL the httpd parent and all its children at once (a crash or an OOM
# kill): no shutdown hooks run.  The parent is stopped first so it cannot
# fork a replacement between listing its children and the kill.  Returns
# once every one of them is gone; the stale pid file is removed so `start`
# (on a new port, same database) does not trip over a reused pid.
sub kill9 {
    my ($self) = @_;
    my $pid = $self->{pid} // $self->_read_pid or return $self;
    delete $LIVE{$self};
    kill 'STOP', $pid;
    my @kids = $self->child_pids;
    kill 'KILL', $pid, @kids;
    my $deadline = time + 15;
    for my $p ($pid, @kids) {
        sleep 0.02 while _is_alive($p) && time < $deadline;
    }
    delete $self->{pid};
    unlink "$self->{dir}/run/httpd.pid";
    return $self;
}

sub error_log { _slurp("$_[0]{dir}/logs/error.log") }

sub _log_tail { $_[0]->log_tail(30) . "\n" }

# The last $n lines of the error log (of those matching $re, when given),
# for a test's diagnostics.
sub log_tail {
    my ($self, $n, $re) = @_;
    my @l = grep { !$re || /$re/ } split /\n/, $self->error_log;
    splice @l, 0, @l - $n if @l > $n;
    return join "\n", '--- error_log tail:', @l;
}

# Lines of the error log that say a child died of a signal.
sub crashes {
    my ($self) = @_;
    return grep { /exit signal|Segmentation fault|AH00052|AH00051/ }
           split /\n/, $self->error_log;
}

# (exit code, output) of `apache2 -t` on this site's conf with $extra in
# place of the site's extra lines.  Also a class method:
# LeadsTest->configtest($extra) uses an SQLite site that is never started.
sub configtest {
    my ($self, $extra) = @_;
    $self = $self->site(backend => 'sqlite3', no_start => 1) unless ref $self;
    my $file = sprintf '%s/configtest-%d.conf', $self->{dir}, ++$SEQ;
    $self->_write_conf($file, $extra // '');
    my ($rc, $out, $err) = run_cmd([$APACHE, '-t', '-f', $file]);
    return ($rc, $out . $err);
}

sub DESTROY {
    my ($self) = @_;
    return unless $$ == $MAIN_PID;     # a forked client does not own the site
    local ($?, $@, $!);
    $self->stop if $self->{pid};
}

END {
    if ($$ == $MAIN_PID) {
        local $?;
        $_->stop for values %LIVE;
        system('sh', "$ROOT/t/lib/db-ctl.sh", 'start', $_) for keys %DB_STOPPED;
    }
}

# ---------------------------------------------------------------- leadsctl

sub ctl_cmd {
    my ($self, @args) = @_;
    return ($LEADSCTL, '--driver', $self->{backend}, '--params', $self->{params}, @args);
}

# Run leadsctl; returns {rc, out, err} and never dies.
sub ctl_run {
    my ($self, @args) = @_;
    my ($rc, $out, $err) = run_cmd([$self->ctl_cmd(@args)]);
    $self->_fix_sqlite_owner;
    return { rc => $rc, out => $out, err => $err };
}

# Run leadsctl; dies with its stderr unless it exits 0; returns stdout trimmed.
sub ctl {
    my ($self, @args) = @_;
    my $r = $self->ctl_run(@args);
    die "leadsctl @args: exit $r->{rc}: $r->{err}$r->{out}" if $r->{rc};
    (my $out = $r->{out}) =~ s/^\s+|\s+$//g;
    return $out;
}

# leadsctl --json ...: the decoded object.
sub ctl_json {
    my ($self, @args) = @_;
    my $out = $self->ctl('--json', @args);
    my $v = eval { JSON::PP->new->utf8->decode($out) };
    die "leadsctl --json @args: not one JSON value: $@\n$out" unless defined $v;
    return $v;
}

sub add_key {
    my ($self, $firm, $scopes, $name) = @_;
    my $k = $self->ctl_json('key', 'add', '--firm', $firm,
                            '--scopes', $scopes // 'leads:write',
                            defined $name ? ('--name', $name) : ());
    die "key add --json gave no id/key" unless $k->{id} && $k->{key};
    return $k;
}

# A firm ready for leads.  Returns a hash:
#   firm, stages => {new, contacted, won, lost}, fields => {name => id},
#   member, key, key_id
# Options: name, stages => [[key, name, position, closed]...],
#   fields => [[name, type, choices, required]...] (replaces the default
#   set), extra_fields => [...] (added to it), no_key => 1.
sub provision {
    my ($self, %o) = @_;
    my %p;
    $p{firm} = $self->ctl('firm', 'add', '--name', $o{name} // "Firm $SEQ");
    my $stages = $o{stages} // [
        [ 'new',       'New',       0, 0 ],
        [ 'contacted', 'Contacted', 1, 0 ],
        [ 'won',       'Won',       2, 1 ],
        [ 'lost',      'Lost',      3, 1 ],
    ];
    for my $s (@$stages) {
        my ($key, $name, $pos, $closed) = @$s;
        $p{stages}{$key} = $self->ctl('stage', 'add', '--firm', $p{firm},
            '--key', $key, '--name', $name,
            defined $pos ? ('--position', $pos) : (), $closed ? '--closed' : ());
    }
    my $fields = $o{fields} // [
        [ 'caseType',     'choice',  'Family,Criminal,Immigration' ],
        [ 'notes',        'text' ],
        [ 'amount',       'number' ],
        [ 'urgent',       'boolean' ],
        [ 'incidentDate', 'date' ],
    ];
    for my $f (@$fields, @{ $o{extra_fields} || [] }) {
        my ($name, $type, $choices, $required) = @$f;
        $p{fields}{$name} = $self->ctl('field', 'add', '--firm', $p{firm},
            '--name', $name, '--type', $type,
            defined $choices ? ('--choices', $choices) : (),
            $required ? '--required' : ());
    }
    $p{member} = $self->ctl('member', 'add', '--firm', $p{firm},
                            '--name', 'Mia Member', '--email', 'mia@example.com');
    unless ($o{no_key}) {
        my $k = $self->add_key($p{firm}, 'leads:write', 'test');
        @p{qw(key key_id)} = @$k{qw(key id)};
    }
    return \%p;
}

# ---------------------------------------------------------------- HTTP

my $UA = HTTP::Tiny->new(timeout => 20, keep_alive => 0, max_redirect => 0,
                         agent => 'leads-test/1');

# $site->request($method, $path, \%headers, $body)
# $body: a string of bytes, or a reference (sent as JSON).  Content-Type
# defaults to application/json when there is a body.  A header given as
# undef is left out.  Returns {status, headers (lowercase names), body, json}.
sub request {
    my ($self, $method, $path, $headers, $body) = @_;
    my %h = %{ $headers || {} };
    $body = $JSON->encode($body) if ref $body && ref $body ne 'CODE';
    if (defined $body && !grep { lc eq 'content-type' } keys %h) {
        $h{'Content-Type'} = 'application/json';
    }
    delete $h{$_} for grep { !defined $h{$_} } keys %h;
    my $res = $UA->request($method, $self->url($path),
                           { headers => \%h, defined $body ? (content => $body) : () });
    return _result($res->{status}, $res->{headers}, $res->{content});
}

sub post { my $self = shift; $self->request('POST', @_) }

# $site->metrics($path): GET a `SetHandler leads-metrics` location and
# return ({"name{labels}" => value} of its samples, the response).
sub metrics {
    my ($self, $path) = @_;
    my $r = $self->request('GET', $path);
    my %v;
    for (split /\n/, $r->{body}) {
        next if /^#/ || !/\S/;
        my ($k, $val) = /^(\S+(?:\{[^}]*\})?) (\S+)$/ or next;
        $v{$k} = $val;
    }
    return (\%v, $r);
}

# POST /api/leads with a key and a JSON body: the common case.
sub create {
    my ($self, $key, $body, $headers) = @_;
    return $self->post('/api/leads',
        { defined $key ? (Authorization => "Bearer $key") : (), %{ $headers || {} } },
        $body);
}

sub _result {
    my ($status, $headers, $body) = @_;
    my %r = (status => $status, headers => $headers || {}, body => $body // '');
    $r{json} = eval { JSON::PP->new->utf8->decode($r{body}) } if length $r{body};
    return \%r;
}

# Send exactly these request bytes; parse the answer.  For what HTTP::Tiny
# will not send (no Content-Type, hand-made chunking, Basic auth...).
sub raw {
    my ($self, $bytes) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
                                  Proto => 'tcp', Timeout => 10)
        or die "connect: $!";
    binmode $s;
    print {$s} $bytes;
    $s->shutdown(1) unless $bytes =~ /^[^\r]*\r\n.*Transfer-Encoding: chunked/si
                           && $bytes !~ /\r\n0\r\n\r\n$/;
    my $in = '';
    my $deadline = time + 20;
    local $SIG{ALRM} = sub { die "raw: timeout\n" };
    alarm 20;
    while (1) {
        my $n = sysread $s, my $buf, 65536;
        last unless $n;
        $in .= $buf;
        last if time > $deadline;
    }
    alarm 0;
    close $s;
    my ($status, $h, $body) = parse_response($in);
    return _result($status, $h, $body);
}

# A raw HTTP/1.1 response: (status, {lowercased headers}, body de-chunked,
# head text).
sub parse_response {
    my ($in) = @_;
    my ($head, $body) = split /\r\n\r\n/, $in, 2;
    $head //= '';
    my ($status_line, @lines) = split /\r\n/, $head;
    my ($status) = ($status_line // '') =~ m{^HTTP/\d\.\d (\d{3})};
    my %h;
    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        $k = lc $k;
        $h{$k} = exists $h{$k} ? "$h{$k}, $v" : $v;
    }
    $body //= '';
    if (($h{'transfer-encoding'} // '') =~ /chunked/i) {
        my $plain = '';
        while ($body =~ s/^([0-9a-fA-F]+)[^\r]*\r\n//) {
            my $len = hex $1;
            last unless $len;
            $plain .= substr($body, 0, $len, '');
            $body =~ s/^\r\n//;
        }
        $body = $plain;
    }
    return ($status // 0, \%h, $body, $head);
}

# ---------------------------------------------------------------- SQL

# Run SQL with the backend's own CLI; returns a list of rows (array refs of
# columns, tab-separated by the CLI).  Dies on error.
sub sql {
    my ($self, $query) = @_;
    my $b = $self->{backend};
    my @cmd;
    if ($b eq 'pgsql') {
        @cmd = (qw(psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres),
                '-F', "\t", '-p', $self->db_port, '-d', $self->{dbname},
                '-c', $query);
    }
    elsif ($b eq 'mysql') {
        @cmd = (qw(mariadb --no-defaults -N -B -r --default-character-set=utf8mb4
                   -h 127.0.0.1 -u root),
                '-P', $self->db_port,
                $self->{causal} ? '--init-command=SET SESSION wsrep_sync_wait = 1' : (),
                $self->{dbname}, '-e', $query);
    }
    else {
        @cmd = ('sqlite3', '-batch', '-noheader', '-separator', "\t",
                '-cmd', '.timeout 5000', $self->{params}, $query);
    }
    my ($rc, $out, $err) = run_cmd(\@cmd);
    $self->_fix_sqlite_owner;
    die "sql ($b): $query\n$err" if $rc;
    return () if $out eq '';                  # no rows ("\n" is one empty row)
    $out =~ s/\n\z//;
    my @lines = length $out ? split(/\n/, $out, -1) : ('');
    return map { my @c = split /\t/, $_, -1; @c = ('') unless @c; \@c } @lines;
}

# The first column of the first row.
sub sql1 {
    my ($self, $query) = @_;
    my @rows = $self->sql($query);
    return @rows ? $rows[0][0] : undef;
}

sub count_leads {
    my ($self, $where) = @_;
    return 0 + $self->sql1('SELECT COUNT(*) FROM leads' . ($where ? " WHERE $where" : ''));
}

# An SQL expression giving the lowercase hex of the UTF-8 bytes of $expr.
sub hex_sql {
    my ($self, $expr) = @_;
    my $b = $self->{backend};
    return "encode(convert_to(($expr)::text, 'UTF8'), 'hex')" if $b eq 'pgsql';
    return "LOWER(HEX($expr))";
}

# An SQL expression for the text value of data.<key> of a lead row.
sub data_sql {
    my ($self, $key) = @_;
    my $b = $self->{backend};
    return "(data::jsonb ->> '$key')" if $b eq 'pgsql';
    return "JSON_UNQUOTE(JSON_EXTRACT(data, '\$.\"$key\"'))" if $b eq 'mysql';
    return "json_extract(data, '\$.\"$key\"')";
}

# An id as the backend stores it, for WHERE clauses.
sub id_sql {
    my ($self, $id) = @_;
    die "bad id $id" unless $id =~ /^[0-9a-fA-F-]+$/;
    return "'$id'";
}

# The stored bytes (hex) of column $col (or data key "data.k") of lead $id.
sub stored_hex {
    my ($self, $id, $col) = @_;
    my $expr = $col =~ /^data\.(\w+)$/ ? $self->data_sql($1) : $col;
    return $self->sql1('SELECT ' . $self->hex_sql($expr)
                       . ' FROM leads WHERE id = ' . $self->id_sql($id));
}

1;
