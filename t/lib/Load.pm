package Load;

# A load generator for fault tests: forked workers, each on one keep-alive
# HTTP/1.1 connection to a LeadsTest site (a new connection after a close
# or an error), posting unique valid creates, each with its own
# Idempotency-Key, until stopped.  Pure core Perl.
#
#   my $load = Load->start($site, key => $key, workers => 8, rate => 300);
#   $load->wait_more(201, 100, 20);       # 100 more creates answered 201
#   $load->wait_until(sub { my ($results) = @_; ... }, 20);
#   my @so_far = $load->results;           # the workers keep going
#   my @all = $load->stop;                 # stops them; every record
#   note Load::summary(\@all);
#
# rate is the total requests/s aimed at (paced per worker; 0 = as fast as
# the server answers).  Every request is a record (hash):
#   t0, t1   sent, answered (epoch seconds)
#   status   the HTTP status; 0 = no answer (not acknowledged)
#   code     the error envelope's code, or ''
#   id       the lead id of a 201, or ''
#   ikey     the Idempotency-Key (the body is body_for(ikey): a retry can
#            send the very same request)
#   retry    Retry-After, or ''
#   err      '' or why there is no answer: connect (refused: nothing was
#            sent), eof / reset (the connection closed before a complete
#            answer), timeout, write
#   got      bytes of the answer received (0: none at all)
#   reused   1 when the request went on a connection used before
#   replayed 1 when the answer carried Idempotent-Replayed
#   resent   1 when the request was sent a second time, on a new
#            connection, after the keep-alive race (below)
#
# The keep-alive race: a server may close an idle keep-alive connection
# at any time (httpd's event MPM does when all of a child's threads are
# busy, or when the child stops); a request sent just then is never read
# and the client sees the connection closed with no byte of an answer.
# Like HTTP clients do, the worker sends such a request again, once, on a
# new connection (safe: it carries its Idempotency-Key either way).
#
# The port is read from the site's httpd.conf at every (re)connect, so the
# workers follow LeadsTest's start() onto a new port after kill9().
# Workers write one line per request at once, so a record survives
# anything but the worker's own death; they stop when the test goes.

use strict;
use warnings;

use Errno qw(EINTR EAGAIN);
use IO::Select;
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep time);

my $OWNER = $$;
my %LIVE;                       # "$self" => $self while workers run
my $SEQ = 0;
my @FIELDS = qw(t0 t1 status code id ikey retry err got reused replayed resent);

# The create a key stands for: unique, valid, and the same every time.
# Its last_name is the key itself, so a stored row tells which request
# made it.
sub body_for {
    my ($ikey) = @_;
    die "Load: key '$ikey' is not [a-z0-9-]" unless $ikey =~ /^[a-z0-9-]+$/;
    return qq({"first_name":"Load","last_name":"$ikey","email":"$ikey\@example.com",)
         . qq("source":"load"});
}

sub start {
    my ($class, $site, %o) = @_;
    my $workers = $o{workers} // 8;
    my $self = bless {
        dir     => $site->dir . sprintf('/load-%d-%d', $$, ++$SEQ),
        conf    => $site->dir . '/httpd.conf',
        key     => $o{key} // die('Load: key required'),
        workers => $workers,
        rate    => $o{rate} // 300,
        timeout => $o{timeout} // 30,
        pids    => [],
    }, $class;
    mkdir $self->{dir} or die "$self->{dir}: $!";
    for my $w (1 .. $workers) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            my $ok = eval { $self->_work($w); 1 };
            print STDERR "Load worker $w: $@" unless $ok;
            POSIX::_exit($ok ? 0 : 1);          # no END blocks: the test owns the site
        }
        push @{ $self->{pids} }, $pid;
    }
    $LIVE{"$self"} = $self;
    return $self;
}

# Records so far (complete lines only), in the order answers came.
sub results {
    my ($self) = @_;
    my @r;
    for my $f (glob "$self->{dir}/w*.tsv") {
        open my $fh, '<', $f or next;
        while (my $l = <$fh>) {
            next unless $l =~ s/\n\z//;
            my %r;
            @r{@FIELDS} = split /\t/, $l, -1;
            push @r, \%r;
        }
    }
    return sort { $a->{t1} <=> $b->{t1} } @r;
}

# Poll (every 0.2 s, at most $timeout s) until $cond->(\@results) is true;
# returns whether it became true.
sub wait_until {
    my ($self, $cond, $timeout) = @_;
    my $deadline = time + $timeout;
    while (1) {
        return 1 if $cond->([ $self->results ]);
        return 0 if time > $deadline;
        sleep 0.2;
    }
}

# Wait (at most $timeout s) until $n more requests than so far are
# answered $status; returns whether they were.
sub wait_more {
    my ($self, $status, $n, $timeout) = @_;
    my $t = time;
    return $self->wait_until(sub { count(since($_[0], $t), $status) >= $n }, $timeout);
}

# Tell the workers to stop after their current request; wait for them
# (bounded: a request may hang up to the timeout); all records.
sub stop {
    my ($self) = @_;
    $self->_halt;
    return $self->results;
}

sub _halt {
    my ($self) = @_;
    my @pids = @{ $self->{pids} } or return;
    $self->{pids} = [];
    delete $LIVE{"$self"};
    kill 'USR1', @pids;
    my $deadline = time + $self->{timeout} + 5;
    for my $pid (@pids) {
        while (waitpid($pid, POSIX::WNOHANG()) == 0) {
            if (time > $deadline) { kill 'KILL', $pid; waitpid $pid, 0; last }
            sleep 0.02;
        }
    }
}

sub DESTROY { my ($self) = @_; local ($?, $@, $!); $self->_halt if $$ == $OWNER }

END {
    if ($$ == $OWNER) { local $?; $_->_halt for values %LIVE }
}

# ---------------------------------------------------------------- summaries

# How many records have this status (a list of statuses: any of them).
sub count {
    my ($recs, @status) = @_;
    my %want = map { $_ => 1 } @status;
    return scalar grep { $want{ $_->{status} } } @$recs;
}

# The records of requests sent after time $t.
sub since { my ($recs, $t) = @_; return [ grep { $_->{t0} > $t } @$recs ] }

# One line: "2412 requests in 8.1 s (298 req/s): 201 x 2000, 503 x 400,
# 0 x 12 (10 of the 0s refused connections (nothing sent); ...)"
sub summary {
    my ($recs) = @_;
    return 'no requests' unless @$recs;
    my ($first, $last) = ($recs->[0]{t0}, 0);
    my (%by, %n);
    for (@$recs) {
        $first = $_->{t0} if $_->{t0} < $first;
        $last = $_->{t1} if $_->{t1} > $last;
        $by{ $_->{status} }++;
        $n{connect}++ if $_->{err} eq 'connect';
        $n{resent}++ if $_->{resent};
        $n{replayed}++ if $_->{replayed};
    }
    my $span = $last - $first || 1;
    my $sent = @$recs - ($n{connect} // 0);
    my @more = (($n{connect} ? "$n{connect} of the 0s refused connections (nothing sent)" : ()),
                ($n{resent} ? "$n{resent} resent after the keep-alive race" : ()),
                ($n{replayed} ? "$n{replayed} answers replayed" : ()));
    return sprintf '%d requests in %.1f s (%.0f req/s): %s%s', $sent, $span, $sent / $span,
        join(', ', map { "$_ x $by{$_}" } sort { $b <=> $a } keys %by),
        @more ? ' (' . join('; ', @more) . ')' : '';
}

# The firm's leads as stored: {lead id => the Idempotency-Key that made it}.
sub stored {
    my ($site, $firm) = @_;
    return { map { $_->[0] => $_->[1] }
             $site->sql("SELECT id, last_name FROM leads WHERE firm_id = '$firm'") };
}

# Records against the stored leads: {missing => [acknowledged (201)
# records whose lead is not stored, or stored for another key], unacked =>
# [stored lead ids no 201 record acknowledged]}.
sub reconcile {
    my ($recs, $stored) = @_;
    my (%acked, @missing);
    for my $r (grep { $_->{status} == 201 } @$recs) {
        $acked{ $r->{id} } = 1;
        push @missing, $r unless ($stored->{ $r->{id} } // '') eq $r->{ikey};
    }
    return { missing => \@missing, unacked => [ grep { !$acked{$_} } sort keys %$stored ] };
}

# Send each record's request again, the same body with the same
# Idempotency-Key (a client retrying what it got no answer to); returns
# the new records.  409 idempotency_in_flight is waited out (bounded).
sub retry {
    my ($site, $key, $recs) = @_;
    my @out;
    for my $r (@$recs) {
        my %n = (%$r, t0 => time, err => '', reused => 0, resent => 0, code => '', id => '', retry => '');
        my $res;
        for (1 .. 50) {
            $res = $site->create($key, body_for($r->{ikey}), { 'Idempotency-Key' => $r->{ikey} });
            last unless $res->{status} == 409;
            sleep 0.2;
        }
        my $j = ref $res->{json} eq 'HASH' ? $res->{json} : {};
        @n{qw(t1 status got)} = (time, $res->{status} == 599 ? 0 : $res->{status}, length $res->{body});
        $n{id} = $j->{id} // '' if $n{status} == 201;
        $n{code} = $j->{error}{code} // '' if ref $j->{error} eq 'HASH';
        $n{replayed} = ($res->{headers}{'idempotent-replayed'} // '') eq 'true' ? 1 : 0;
        push @out, \%n;
    }
    return @out;
}

# ---------------------------------------------------------------- worker

sub _port {
    my ($self) = @_;
    open my $fh, '<', $self->{conf} or return;
    while (<$fh>) { return $1 if /^Listen\s+127\.0\.0\.1:(\d+)/ }
    return;
}

sub _connect {
    my ($self) = @_;
    my $port = $self->_port or return;
    return IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                 Proto => 'tcp', Timeout => 5);
}

sub _work {
    my ($self, $w) = @_;
    my $stop = 0;
    $SIG{USR1} = sub { $stop = 1 };
    $SIG{$_} = sub { POSIX::_exit(1) } for qw(TERM INT HUP);
    $SIG{PIPE} = 'IGNORE';
    open STDIN, '<', '/dev/null';
    open my $out, '>>', "$self->{dir}/w$w.tsv" or die "w$w.tsv: $!";
    my $interval = $self->{rate} ? $self->{workers} / $self->{rate} : 0;
    my $next = time + rand($interval);
    my ($sock, $uses, $n) = (undef, 0, 0);
    my $parent = getppid();
    while (!$stop && getppid() == $parent) {         # the test gone: stop too
        if ($interval) {
            my $d = $next - time;
            sleep $d if $d > 0;
            $next = $d < -1 ? time : $next + $interval;     # behind: do not burst
            last if $stop;
        }
        my $ikey = sprintf 'load-%d-%d-%d-%d', $$, $w, ++$n, int(rand 1e9);
        my %r = (t0 => time, status => 0, code => '', id => '', ikey => $ikey,
                 retry => '', err => '', got => 0, reused => 0, replayed => 0, resent => 0);
        ($sock, $uses) = ($self->_connect, 0) unless $sock;
        if (!$sock) {
            @r{qw(err t1)} = ('connect', time);
            syswrite $out, join("\t", @r{@FIELDS}) . "\n";
            sleep 0.05;                     # httpd is down: do not spin
            next;
        }
        $r{reused} = $uses++ ? 1 : 0;
        my $keep = $self->_exchange($sock, \%r);
        if ($r{reused} && !$r{got} && $r{err} =~ /^(?:eof|reset)$/) {     # the keep-alive race
            close $sock;
            if ($sock = $self->_connect) {
                @r{qw(err reused resent)} = ('', 0, 1);
                $uses = 1;
                $keep = $self->_exchange($sock, \%r);
            }
        }
        $r{t1} = time;
        syswrite $out, join("\t", @r{@FIELDS}) . "\n";
        if (!$keep && $sock) { close $sock; undef $sock }
    }
    close $sock if $sock;
}

# One request on $sock; fills the record; returns whether the connection
# can be used again.
sub _exchange {
    my ($self, $sock, $r) = @_;
    my $body = body_for($r->{ikey});
    my $req = "POST /api/leads HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            . "Authorization: Bearer $self->{key}\r\nContent-Type: application/json\r\n"
            . "Idempotency-Key: $r->{ikey}\r\nContent-Length: " . length($body) . "\r\n\r\n$body";
    my $off = 0;
    while ($off < length $req) {
        my $k = syswrite $sock, $req, length($req) - $off, $off;
        if (!defined $k) {
            next if $! == EINTR || $! == EAGAIN;
            $r->{err} = 'write';
            return 0;
        }
        $off += $k;
    }
    my ($in, $need) = ('', undef);
    my $sel = IO::Select->new($sock);
    my $deadline = time + $self->{timeout};
    while (!defined $need || length($in) < $need) {
        if (!$sel->can_read(0.5)) {         # also an interrupting signal
            next if time < $deadline;
            $r->{err} = 'timeout';
            return 0;
        }
        my $k = sysread $sock, my $buf, 65536;
        if (!defined $k) {
            next if $! == EINTR || $! == EAGAIN;
            $r->{err} = 'reset';
            return 0;
        }
        if ($k == 0) {
            $r->{err} = 'eof';
            return 0;
        }
        $in .= $buf;
        $r->{got} = length $in;
        if (!defined $need && (my $h = index $in, "\r\n\r\n") >= 0) {
            my ($len) = substr($in, 0, $h) =~ /\r\nContent-Length:\s*(\d+)/i;
            if (!defined $len) { $r->{err} = 'no Content-Length'; return 0 }
            $need = $h + 4 + $len;
        }
    }
    my ($head, $rbody) = split /\r\n\r\n/, $in, 2;
    my ($status) = $head =~ m{^HTTP/1\.\d (\d{3})};
    $r->{status} = $status // 0;
    $r->{retry} = $1 if $head =~ /\r\nRetry-After:\s*(\S+)/i;
    $r->{replayed} = 1 if $head =~ /\r\nIdempotent-Replayed:/i;
    $r->{code} = $1 if $rbody =~ /"code"\s*:\s*"([^"]*)"/;
    $r->{id} = $1 if $r->{status} == 201 && $rbody =~ /^\{"id"\s*:\s*"([0-9a-f-]{36})"/;
    return $head !~ /\r\nConnection:\s*close/i;
}

1;
