package PgPair;

# A PostgreSQL 15 primary with a synchronous streaming standby, started
# for a test on this machine (docs/database.md "Running several hosts"):
# initdb for the primary, pg_basebackup -R for the standby, which the
# primary waits for at every commit (synchronous_standby_names).
#
#   my $pg = PgPair->start;                 # both up, the standby in sync
#   $pg->params('leads_x')                  # a multi-host DBDParams
#   $pg->kill_primary;                      # SIGKILL, the whole server
#   $pg->promote;                           # the standby becomes primary
#   $pg->stop;                              # (also at exit, however it ends)
#
# Runs the servers as the postgres user, as t/run-tests.sh does. Needs
# LEADS_TEST_TMP (the runner's temp dir) or LeadsTest::tmp().

use strict;
use warnings;

use File::Path qw(make_path);
use Time::HiRes qw(sleep time);
use LeadsTest qw(free_port run_cmd);

my $BIN = '/usr/lib/postgresql/15/bin';
my $START_WAIT = 60;            # seconds: the bound of a server's start
my %LIVE;                       # data dir => 1 while a server may run

sub _as_postgres { my @cmd = @_; return run_cmd([ 'runuser', '-u', 'postgres', '--', @cmd ]) }

sub _must {
    my ($what, $rc, $out, $err) = @_;
    die "PgPair: $what failed: $err$out" if $rc;
}

sub start {
    my ($class, %o) = @_;
    my $dir = (LeadsTest::tmp()) . '/pgpair-' . $$ . '-' . int(rand(1e6));
    make_path($dir);
    my ($uid, $gid) = (getpwnam 'postgres')[2, 3];
    chown $uid, $gid, $dir;
    my $self = bless {
        dir     => $dir,
        nodes   => [ { name => 'primary', data => "$dir/primary", port => free_port() },
                     { name => 'standby', data => "$dir/standby", port => free_port() } ],
        primary => 0,
    }, $class;
    my ($p, $s) = @{ $self->{nodes} };
    my $t0 = time;
    _must('initdb', _as_postgres("$BIN/initdb", '-D', $p->{data}, '--auth=trust', '--username=postgres',
                                 '--encoding=UTF8', '--locale=C.UTF-8'));
    # The primary waits for the standby at commit: an acknowledged lead is
    # on both, which is what a failover may rely on.
    $self->_conf($p, "synchronous_standby_names = 'standby'\n");
    $self->_start_node($p);
    _must('pg_basebackup', _as_postgres("$BIN/pg_basebackup", '-h', '127.0.0.1', '-p', $p->{port},
                                        '-U', 'postgres', '-D', $s->{data}, '-R', '-X', 'stream'));
    # -R wrote primary_conninfo into postgresql.auto.conf, which is read
    # last: name it there, as synchronous_standby_names waits for it.
    $self->_conf($s, "synchronous_standby_names = ''\n");
    open my $auto, '>>', "$s->{data}/postgresql.auto.conf" or die "PgPair: $s->{data}: $!";
    print $auto "primary_conninfo = 'host=127.0.0.1 port=$p->{port} user=postgres application_name=standby'\n";
    close $auto;
    $self->_start_node($s);
    my $deadline = time + $START_WAIT;
    until (($self->psql($p, 'postgres', "SELECT sync_state FROM pg_stat_replication") // '') eq 'sync') {
        die 'PgPair: the standby did not reach sync state' if time > $deadline;
        sleep 0.2;
    }
    $self->{started_in} = time - $t0;
    return $self;
}

# Settings of both nodes (the standby's copy comes with pg_basebackup),
# appended to the data dir's postgresql.conf: the last one wins.
sub _conf {
    my ($self, $node, $extra) = @_;
    open my $fh, '>>', "$node->{data}/postgresql.conf" or die "PgPair: $node->{data}: $!";
    print $fh "\n# PgPair\nlisten_addresses = '127.0.0.1'\nport = $node->{port}\n"
            . "unix_socket_directories = '$self->{dir}'\nwal_level = replica\n"
            . "max_wal_senders = 5\nmax_connections = 200\nfsync = off\n"
            . "full_page_writes = off\nwal_keep_size = '64MB'\n$extra";
    close $fh;
}

sub _start_node {
    my ($self, $node) = @_;
    $LIVE{ $node->{data} } = 1;
    _must("starting the $node->{name}",
          _as_postgres("$BIN/pg_ctl", '-D', $node->{data}, '-l', "$self->{dir}/$node->{name}.log",
                       '-w', '-t', $START_WAIT, 'start'));
}

# One value (first column of the first row), or undef when the server
# does not answer.
sub psql {
    my ($self, $node, $db, $sql) = @_;
    my ($rc, $out) = run_cmd([ qw(psql -X -q -At -h 127.0.0.1 -U postgres), '-p', $node->{port},
                               '-d', $db, '-c', $sql ]);
    return undef if $rc;
    chomp $out;
    return $out;
}

sub primary      { $_[0]{nodes}[ $_[0]{primary} ] }
sub standby      { $_[0]{nodes}[ 1 - $_[0]{primary} ] }
sub primary_port { $_[0]->primary->{port} }
sub started_in   { $_[0]{started_in} }

# What a host is configured with: both nodes, libpq picks the one that
# takes writes (docs/database.md).
sub params {
    my ($self, $db) = @_;
    my @ports = map { $_->{port} } @{ $self->{nodes} };
    return "host=127.0.0.1,127.0.0.1 port=$ports[0],$ports[1] dbname=$db user=postgres "
         . 'connect_timeout=2 target_session_attrs=read-write';
}

# SIGKILL to the primary's postmaster and every process it started, as a
# machine that dies would leave it: no checkpoint, no goodbye to clients.
sub kill_primary {
    my ($self) = @_;
    my $node = $self->primary;
    open my $fh, '<', "$node->{data}/postmaster.pid" or die "PgPair: no postmaster.pid: $!";
    my $pid = <$fh>;
    chomp $pid;
    close $fh;
    my @children = map { /(\d+)/ ? $1 : () } split /\n/, (run_cmd([ 'pgrep', '-P', $pid ]))[1];
    kill 'KILL', $pid, @children;
    # gone, or a zombie its new parent has not reaped yet
    my $alive = sub { my $st = LeadsTest::_slurp("/proc/$_[0]/stat"); $st =~ /^\d+ \(.*\) ([^Z])/ };
    my $deadline = time + 10;
    sleep 0.05 while grep({ $alive->($_) } $pid, @children) && time < $deadline;
    delete $LIVE{ $node->{data} };
    $self->{killed} = $node;
}

# The standby becomes the primary (pg_ctl promote waits for it).
sub promote {
    my ($self) = @_;
    my $node = $self->standby;
    _must('pg_ctl promote', _as_postgres("$BIN/pg_ctl", '-D', $node->{data}, '-w', '-t', $START_WAIT, 'promote'));
    $self->{primary} = 1 - $self->{primary};
}

sub stop {
    my ($self) = @_;
    for my $node (@{ $self->{nodes} }) {
        _stop_dir($node->{data});
    }
}

sub _stop_dir {
    my ($data) = @_;
    return unless delete $LIVE{$data};
    return unless -f "$data/postmaster.pid";
    run_cmd([ 'runuser', '-u', 'postgres', '--', "$BIN/pg_ctl", '-D', $data, '-m', 'immediate',
              '-w', '-t', 30, 'stop' ]);
}

END {
    local ($?, $!);
    _stop_dir($_) for keys %LIVE;
}

1;
