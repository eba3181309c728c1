package Galera;

# A throwaway three-node MariaDB Galera cluster on this machine, for
# t/galera.t: Debian's mariadb-server with galera-4
# (/usr/lib/galera/libgalera_smm.so), SST by rsync.  Each node has its own
# data dir and ports (client, group communication, IST, SST) under
# LeadsTest::tmp(); node 1 bootstraps the cluster (--wsrep-new-cluster),
# the others join it one after the other.
#
#   my $c = Galera->start;                # dies (with the logs' tails) if
#                                         # the cluster is not up in time
#   $c->port(2);                          # node 2's client port
#   $c->kill(3);                          # SIGKILL node 3 (its process group)
#   $c->restart(3);                       # start it again; waits until Synced
#   $c->status(1, 'wsrep_cluster_size');
#   $c->stop;                             # all nodes; also run by END
#
# Run as root: mariadbd is started as root and runs as the mysql user.  Every mariadbd is started in a session of its own
# (setsid) and is stopped by its process group, so the rsync SST helpers go
# with it; END and the signal handlers LeadsTest installs (INT, TERM, HUP
# become a normal exit) stop every node this process started, however the
# test ends.

use strict;
use warnings;

use File::Path qw(make_path);
use POSIX ();
use Time::HiRes qw(sleep time);

use LeadsTest qw(free_port run_cmd);

our $PROVIDER = '/usr/lib/galera/libgalera_smm.so';
our $MARIADBD = '/usr/sbin/mariadbd';
our $START_TIMEOUT = $ENV{LEADS_GALERA_TIMEOUT} || 120;    # seconds, per node

# mariadbd drops to the mysql user (and so do its SST scripts): as root,
# the rsync daemon of a joiner would run as nobody and could not write the
# data dir.
my ($MYSQL_UID, $MYSQL_GID) = (getpwnam 'mysql')[2, 3];

my $OWNER = $$;
my %LIVE;                       # "$self" => $self while nodes may run
my $SEQ = 0;

# Is a Galera cluster possible here at all (packages installed, root)?
# Returns '' or why not.
sub unavailable {
    return 'not root' if $> != 0;
    return 'no mysql user' unless defined $MYSQL_UID;
    return "$PROVIDER is missing (apt-get install galera-4)" unless -e $PROVIDER;
    return "$MARIADBD is missing (apt-get install mariadb-server)" unless -x $MARIADBD;
    return 'rsync is missing (apt-get install rsync)'
        unless grep { -x "$_/rsync" } split /:/, $ENV{PATH} // '/usr/bin';
    return '';
}

sub start {
    my ($class, %o) = @_;
    my $n = $o{nodes} // 3;
    my $dir = LeadsTest::tmp() . sprintf('/galera-%d-%d', $$, ++$SEQ);
    my $self = bless { dir => $dir, n => $n, nodes => {} }, $class;
    $LIVE{"$self"} = $self;
    for my $i (1 .. $n) {
        my %p = map { $_ => free_port() } qw(port gcomm ist sst);
        my $d = "$dir/node$i";
        make_path("$d/data", "$d/tmp");
        chown $MYSQL_UID, $MYSQL_GID, $d, "$d/data", "$d/tmp";
        $self->{nodes}{$i} = { %p, dir => $d, i => $i };
    }
    $self->_write_cnf($_) for 1 .. $n;
    my $t0 = time;
    $self->_install(1);
    $self->_spawn(1, '--wsrep-new-cluster');
    $self->_wait_synced(1);
    for my $i (2 .. $n) {           # one at a time: rsync SST blocks its donor
        $self->_spawn($i);
        $self->_wait_synced($i);
    }
    $self->{startup} = time - $t0;
    return $self;
}

sub port    { $_[0]{nodes}{ $_[1] }{port} }
sub nodes   { 1 .. $_[0]{n} }
sub startup { $_[0]{startup} }
sub dir     { $_[0]{dir} }
sub pid     { $_[0]{nodes}{ $_[1] }{pid} }

sub _cluster_address {
    my ($self) = @_;
    return 'gcomm://' . join ',', map { "127.0.0.1:$self->{nodes}{$_}{gcomm}" } $self->nodes;
}

# Fast failure detection (a killed node is dropped from the primary
# component within a few seconds, not the default 15 s), a small gcache
# and small InnoDB logs so SST and IST stay cheap on a 2-core box.
sub _write_cnf {
    my ($self, $i) = @_;
    my $nd = $self->{nodes}{$i};
    my $d = $nd->{dir};
    my $opts = join ';', "gmcast.listen_addr=tcp://127.0.0.1:$nd->{gcomm}",
        "ist.recv_addr=127.0.0.1:$nd->{ist}", 'gcache.size=64M',
        'evs.keepalive_period=PT0.5S', 'evs.inactive_check_period=PT0.5S',
        'evs.suspect_timeout=PT3S', 'evs.inactive_timeout=PT6S',
        'evs.install_timeout=PT6S', 'pc.weight=1';
    my $cnf = <<"EOF";
[mysqld]
user = mysql
datadir = $d/data
socket = $d/my.sock
pid-file = $d/mariadbd.pid
tmpdir = $d/tmp
port = $nd->{port}
bind-address = 127.0.0.1
log-error = $d/server.log
character-set-server = utf8mb4
collation-server = utf8mb4_bin
innodb-flush-log-at-trx-commit = 0
innodb-buffer-pool-size = 64M
innodb-log-file-size = 16M
max-connections = 300
binlog-format = ROW
default-storage-engine = InnoDB
innodb-autoinc-lock-mode = 2
skip-name-resolve
wsrep-on = ON
wsrep-provider = $PROVIDER
wsrep-cluster-name = leads_test_$$
wsrep-cluster-address = ${\ $self->_cluster_address }
wsrep-node-name = node$i
wsrep-node-address = 127.0.0.1:$nd->{gcomm}
wsrep-node-incoming-address = 127.0.0.1:$nd->{port}
wsrep-sst-method = rsync
wsrep-sst-receive-address = 127.0.0.1:$nd->{sst}
wsrep-slave-threads = 2
wsrep-provider-options = "$opts"

[sst]
progress = 0
EOF
    open my $fh, '>', "$d/my.cnf" or die "$d/my.cnf: $!";
    print $fh $cnf;
    close $fh;
}

sub _install {
    my ($self, $i) = @_;
    my $d = $self->{nodes}{$i}{dir};
    my ($rc, $out, $err) = run_cmd(['mariadb-install-db', "--defaults-file=$d/my.cnf",
        '--user=mysql', '--wsrep-on=OFF', '--auth-root-authentication-method=normal', '--skip-test-db']);
    die "mariadb-install-db (galera node $i) failed:\n$out$err" if $rc;
}

# mariadbd in a session of its own (so its process group, SST helpers
# included, can be stopped as one, and a ^C at the terminal reaches the
# test, not the server).
sub _spawn {
    my ($self, $i, @extra) = @_;
    my $nd = $self->{nodes}{$i};
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        POSIX::setsid();
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$nd->{dir}/server.log";
        open STDERR, '>&', \*STDOUT;
        { exec $MARIADBD, "--defaults-file=$nd->{dir}/my.cnf", @extra }
        POSIX::_exit(127);
    }
    $nd->{pid} = $pid;
    $nd->{started} = time;
}

# A status variable of node $i (undef when it does not answer).
sub status {
    my ($self, $i, $var) = @_;
    my ($rc, $out) = $self->client($i, "SHOW GLOBAL STATUS LIKE '$var'");
    return $rc ? undef : ($out =~ /^\S+\t(.*)$/m ? $1 : undef);
}

# Run SQL on node $i with the CLI: (exit code, output).
sub client {
    my ($self, $i, $sql, $db) = @_;
    my ($rc, $out, $err) = run_cmd([qw(mariadb --no-defaults -N -B -h 127.0.0.1 -u root
                                       --connect-timeout=2 -P), $self->port($i),
                                    defined $db ? $db : (), '-e', $sql]);
    return ($rc, $rc ? $err : $out);
}

sub _alive {
    my ($pid) = @_;
    return 0 unless $pid;
    return 0 if waitpid($pid, POSIX::WNOHANG()) == $pid;     # reaped: gone
    return kill 0, $pid;
}

# Bounded: Synced and ready, or die with the server log's tail.
sub _wait_synced {
    my ($self, $i) = @_;
    my $nd = $self->{nodes}{$i};
    my $deadline = time + $START_TIMEOUT;
    while (time < $deadline) {
        if (!_alive($nd->{pid})) {
            delete $nd->{pid};
            die "galera node $i exited while starting\n" . $self->log_tail($i);
        }
        my $state = $self->status($i, 'wsrep_local_state_comment') // '';
        my $ready = $self->status($i, 'wsrep_ready') // '';
        return time - $nd->{started} if $state eq 'Synced' && $ready eq 'ON';
        sleep 0.25;
    }
    die sprintf("galera node %d not Synced after %d s\n", $i, $START_TIMEOUT)
        . $self->log_tail($i);
}

sub log_tail {
    my ($self, $i, $n) = @_;
    open my $fh, '<', "$self->{nodes}{$i}{dir}/server.log" or return '';
    my @l = <$fh>;
    splice @l, 0, @l - ($n // 30) if @l > ($n // 30);
    return "--- galera node $i server.log tail:\n" . join '', @l;
}

# SIGKILL node $i and everything in its process group (a crash).
sub kill {
    my ($self, $i) = @_;
    my $nd = $self->{nodes}{$i};
    my $pid = delete $nd->{pid} or return;
    CORE::kill 'KILL', -$pid;
    CORE::kill 'KILL', $pid;
    waitpid $pid, 0;
}

# Start node $i again (it rejoins by IST, or SST when IST is not
# possible); returns the seconds until it was Synced.
sub restart {
    my ($self, $i) = @_;
    $self->kill($i) if $self->{nodes}{$i}{pid};
    $self->_spawn($i);
    return $self->_wait_synced($i);
}

# Every node: TERM (a clean shutdown), bounded; then KILL.
sub stop {
    my ($self) = @_;
    delete $LIVE{"$self"};
    my @nodes = grep { $_->{pid} } values %{ $self->{nodes} };
    CORE::kill 'TERM', -$_->{pid} for @nodes;
    my $deadline = time + 30;
    for my $nd (@nodes) {
        while (_alive($nd->{pid}) && time < $deadline) { sleep 0.1 }
        if (_alive($nd->{pid})) {
            CORE::kill 'KILL', -$nd->{pid};
            waitpid $nd->{pid}, 0;
        }
        delete $nd->{pid};
    }
}

sub DESTROY { my ($self) = @_; local ($?, $@, $!); $self->stop if $$ == $OWNER }

END {
    if ($$ == $OWNER) { local ($?, $@, $!); $_->stop for values %LIVE }
}

1;
