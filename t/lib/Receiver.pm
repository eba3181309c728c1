package Receiver;

# A real HTTP/1.1 receiver for webhook tests, run in a forked child on
# 127.0.0.1.  Pure core Perl.
#
#   my $r = Receiver->new(dir => $tmp);                # 200 to everything
#   my $r = Receiver->new(statuses => [500, 500]);     # 500, 500, then 200
#   my $r = Receiver->new(status => 503, delay => 0.2);
#   my $r = Receiver->new(down => 1);                  # port reserved, not listening
#   $r->url('/hook'); $r->port;
#   $r->set_plan(status => 200);                       # replaces the plan
#   $r->stop; $r->start;                               # down / up, same port
#   my @req = $r->requests(path => '/hook');           # parsed log
#   $r->count(path => '/hook'); $r->wait_count(5, timeout => 20);
#
# The plan (new's options, or set_plan's):
#   status   => N          the answer once `statuses` is used up (default 200)
#   statuses => [...]      answers for the first requests, in arrival order;
#                          an entry is a status or {status, headers => {..},
#                          delay}
#   delay    => seconds    wait this long before answering (others are served
#                          meanwhile)
#   headers  => {..}       extra response headers
#   body     => text       the answer's body, sent as application/json
#                          (default "status N\n" as text/plain)
#   paths    => {'/p' => {status, statuses, delay, headers}}: a plan of its
#                          own (and its own counter) for one path
# The counters restart when the plan is replaced (set_plan) and when the
# child is restarted (stop/start).
#
# Every request is appended, once its body is complete (before the answer
# is sent), to a JSON-lines file as
#   {n, time_ms, method, path, version, headers => {lowercase => value},
#    body (the raw bytes, one character per byte), conn (connection serial of
#    this child run), run (child run serial), inflight (requests received and
#    not yet answered by this child, this one included), status (the answer)}
# requests() reads it back.
#
# Keep-alive: HTTP/1.1 connections stay open until the client closes them
# or sends `Connection: close`.  Content-Length and chunked request bodies;
# `Expect: 100-continue` is honoured.  Every answer has a Content-Length.
#
# No process is left behind: the child exits when its parent goes away, and
# stop() runs from DESTROY and from an END block in the process that made
# the receiver.

use strict;
use warnings;

use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use Fcntl qw(O_WRONLY O_APPEND O_CREAT);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);

my $OWNER = $$;
my $SEQ = 0;
my %LIVE;                       # "$self" => $self, receivers with a running child
my $JSON = JSON::PP->new->utf8->canonical;

my %REASON = (100 => 'Continue', 200 => 'OK', 201 => 'Created', 202 => 'Accepted',
              204 => 'No Content', 301 => 'Moved Permanently', 302 => 'Found',
              307 => 'Temporary Redirect', 400 => 'Bad Request', 404 => 'Not Found',
              408 => 'Request Timeout', 410 => 'Gone', 429 => 'Too Many Requests',
              500 => 'Internal Server Error', 502 => 'Bad Gateway',
              503 => 'Service Unavailable', 504 => 'Gateway Timeout');

sub new {
    my ($class, %o) = @_;
    my $dir = delete $o{dir};
    my $down = delete $o{down};
    $dir //= tempdir('receiver-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    make_path($dir) unless -d $dir;
    my $name = sprintf 'receiver-%d-%d', $$, ++$SEQ;
    my $self = bless {
        dir   => $dir,
        log   => "$dir/$name.jsonl",
        ctl   => "$dir/$name.plan.json",
        err   => "$dir/$name.err",
        gen   => 0,
        runs  => 0,
        owner => $$,
    }, $class;
    open my $fh, '>', $self->{log} or die "$self->{log}: $!";
    close $fh;
    $self->set_plan(%o);

    # The port: bound here once, handed to the first child (no race with
    # other tests picking ports); later runs bind it again by number.
    my $listener = _listen(0) or die "Receiver: cannot listen on 127.0.0.1: $!";
    $self->{port} = $listener->sockport;
    if ($down) { close $listener }
    else       { $self->_spawn($listener) }
    return $self;
}

sub port { $_[0]{port} }
sub url  { "http://127.0.0.1:$_[0]{port}" . ($_[1] // '/') }
sub log_file { $_[0]{log} }
sub is_up { !!$_[0]{pid} }

sub set_plan {
    my ($self, %plan) = @_;
    $plan{gen} = ++$self->{gen};
    $plan{status} //= 200;
    my $tmp = "$self->{ctl}.tmp";
    open my $fh, '>', $tmp or die "$tmp: $!";
    print $fh $JSON->encode(\%plan);
    close $fh;
    rename $tmp, $self->{ctl} or die "rename $tmp: $!";
    return $self;
}

sub start {
    my ($self) = @_;
    return $self if $self->{pid};
    my $deadline = time + 10;
    my $l;
    until ($l = _listen($self->{port})) {
        die "Receiver: cannot listen on 127.0.0.1:$self->{port} again: $!" if time > $deadline;
        sleep 0.05;
    }
    $self->_spawn($l);
    return $self;
}

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return $self;
    delete $LIVE{"$self"};
    return $self unless $$ == $self->{owner};
    kill 'TERM', $pid;
    my $deadline = time + 5;
    while (time < $deadline) {
        my $w = waitpid $pid, POSIX::WNOHANG();
        return $self if $w == $pid || $w < 0;
        sleep 0.02;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
    return $self;
}

sub DESTROY {
    my ($self) = @_;
    return unless $$ == ($self->{owner} // 0);
    local ($?, $@, $!);
    $self->stop if $self->{pid};
}

END {
    if ($$ == $OWNER) {
        local $?;
        $_->stop for values %LIVE;
    }
}

# The recorded requests, oldest first.  Filters: path => '/p' (exact) or a
# qr//, method => 'POST'.
sub requests {
    my ($self, %f) = @_;
    open my $fh, '<:raw', $self->{log} or return;
    my @r;
    while (my $line = <$fh>) {
        next unless $line =~ /\n\z/;            # being written
        my $r = eval { $JSON->decode($line) } or next;
        if (defined $f{path}) {
            next unless ref $f{path} ? $r->{path} =~ $f{path} : $r->{path} eq $f{path};
        }
        next if defined $f{method} && $r->{method} ne $f{method};
        push @r, $r;
    }
    return @r;
}

sub count { scalar(my @r = $_[0]->requests(@_[1 .. $#_])) }

# Wait (polling, bounded) until at least $n requests (matching the
# filters) were recorded; returns the count seen last.
sub wait_count {
    my ($self, $n, %o) = @_;
    my $timeout = delete $o{timeout} // 20;
    my $deadline = time + $timeout;
    my $c;
    while (1) {
        $c = $self->count(%o);
        return $c if $c >= $n || time > $deadline;
        sleep 0.1;
    }
}

# ---------------------------------------------------------------- child

sub _listen {
    my ($port) = @_;
    return IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
                                 Proto => 'tcp', Listen => 128, ReuseAddr => 1);
}

sub _spawn {
    my ($self, $listener) = @_;
    my $run = ++$self->{runs};
    pipe my $rd, my $wr or die "pipe: $!";
    my $parent = $$;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $rd;
        $SIG{$_} = sub { POSIX::_exit(0) } for qw(TERM INT HUP);
        $SIG{PIPE} = 'IGNORE';
        $SIG{ALRM} = 'DEFAULT';
        # Never hold the test's stdout (prove waits for it to close).
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $self->{err};
        open STDERR, '>>', $self->{err};
        my $ok = eval { syswrite $wr, "ok\n"; close $wr; _serve($self, $listener, $parent, $run); 1 };
        print STDERR "receiver: $@" unless $ok;
        POSIX::_exit($ok ? 0 : 1);
    }
    close $wr;
    close $listener;
    my $line = <$rd>;
    close $rd;
    unless (defined $line && $line eq "ok\n") {
        waitpid $pid, 0;
        die "Receiver: child did not start";
    }
    $self->{pid} = $pid;
    $LIVE{"$self"} = $self if $$ == $self->{owner};
    return $pid;
}

sub _read_plan {
    my ($self) = @_;
    open my $fh, '<:raw', $self->{ctl} or return;
    local $/;
    my $t = <$fh>;
    return eval { $JSON->decode($t) };
}

sub _serve {
    my ($self, $listener, $parent, $run) = @_;
    $listener->blocking(0);
    sysopen my $log, $self->{log}, O_WRONLY | O_APPEND | O_CREAT or die "$self->{log}: $!";
    my $sel = IO::Select->new($listener);
    my (%conn, $nconn, $nreq, $inflight, %used, $gen);
    $nconn = $nreq = $inflight = 0;
    my $plan = $self->_read_plan || { status => 200, gen => 0 };

    # The answer for a request to $path under the current plan.
    my $answer = sub {
        my ($path) = @_;
        my $p = $self->_read_plan;
        $plan = $p if $p;
        if (($plan->{gen} // 0) != ($gen // -1)) { %used = (); $gen = $plan->{gen} // 0 }
        my ($scope, $pp) = ('', $plan);
        if (ref $plan->{paths} eq 'HASH' && $plan->{paths}{$path}) {
            ($scope, $pp) = ("path:$path", $plan->{paths}{$path});
        }
        my $i = $used{$scope}++;
        my $list = ref $pp->{statuses} eq 'ARRAY' ? $pp->{statuses} : [];
        my $e = $i < @$list ? $list->[$i] : { status => $pp->{status} // $plan->{status} // 200 };
        $e = { status => $e } unless ref $e;
        return {
            status  => $e->{status} // 200,
            delay   => $e->{delay} // $pp->{delay} // $plan->{delay} // 0,
            body    => $e->{body} // $pp->{body} // $plan->{body},
            headers => { %{ $plan->{headers} || {} }, %{ $pp->{headers} || {} },
                         %{ $e->{headers} || {} } },
        };
    };

    my $close = sub {
        my ($c) = @_;
        $inflight-- if $c->{pending};
        delete $conn{ $c->{fd} };
        $sel->remove($c->{sock});
        close $c->{sock};
    };

    my $send = sub {
        my ($c, $bytes) = @_;
        my $off = 0;
        my $deadline = time + 10;
        while ($off < length $bytes) {
            my $n = syswrite $c->{sock}, $bytes, length($bytes) - $off, $off;
            if (defined $n) { $off += $n; next }
            if ($! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR) {
                return 0 if time > $deadline;
                IO::Select->new($c->{sock})->can_write(0.5);
                next;
            }
            return 0;
        }
        return 1;
    };

    # Parse as many complete requests as the buffer holds (one at a time
    # per connection: a pending answer holds the next request back).
    my $parse = sub {
        my ($c) = @_;
        while (!$c->{pending}) {
            my $buf = \$c->{buf};
            my $hend = index $$buf, "\r\n\r\n";
            return if $hend < 0;
            my $head = substr $$buf, 0, $hend;
            my ($line, @hl) = split /\r\n/, $head;
            my ($method, $path, $version) = ($line // '') =~ m{^(\S+)\s+(\S+)\s+HTTP/(\d\.\d)$}
                or do { $send->($c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        $close->($c); return };
            my %h;
            for (@hl) {
                my ($k, $v) = /^([^:]+):[ \t]*(.*?)[ \t]*$/ or next;
                $k = lc $k;
                $h{$k} = exists $h{$k} ? "$h{$k}, $v" : $v;
            }
            my $rest = substr $$buf, $hend + 4;
            my ($body, $used);
            if (($h{'transfer-encoding'} // '') =~ /chunked/i) {
                my ($pos, $plain) = (0, '');
                while (1) {
                    my $le = index $rest, "\r\n", $pos;
                    last if $le < 0;
                    my ($hex) = substr($rest, $pos, $le - $pos) =~ /^([0-9a-fA-F]+)/;
                    my $len = hex($hex // 0);
                    if ($len == 0) {             # trailers end with an empty line
                        my $te = index $rest, "\r\n\r\n", $le - 2;
                        last if $te < 0;
                        ($body, $used) = ($plain, $te + 4);
                        last;
                    }
                    last if length($rest) < $le + 2 + $len + 2;
                    $plain .= substr $rest, $le + 2, $len;
                    $pos = $le + 2 + $len + 2;
                }
            }
            else {
                my $len = $h{'content-length'} // 0;
                $len = 0 unless $len =~ /^\d+$/;
                ($body, $used) = (substr($rest, 0, $len), $len) if length($rest) >= $len;
            }
            if (!defined $body) {
                if (($h{expect} // '') =~ /100-continue/i && !$c->{continued}) {
                    $c->{continued} = 1;
                    $send->($c, "HTTP/1.1 100 Continue\r\n\r\n");
                }
                return;
            }
            $$buf = substr $rest, $used;
            $c->{continued} = 0;
            my $a = $answer->($path);
            $inflight++;
            my %rec = (n => ++$nreq, time_ms => int(time * 1000), method => $method,
                       path => $path, version => $version, headers => \%h, body => $body,
                       conn => $c->{serial}, run => $run, inflight => $inflight,
                       status => 0 + $a->{status});
            syswrite $log, $JSON->encode(\%rec) . "\n";
            my $keep = $version eq '1.1' ? ($h{connection} // '') !~ /\bclose\b/i
                                         : ($h{connection} // '') =~ /keep-alive/i;
            my $rbody = $a->{body} // "status $a->{status}\n";
            my $rtype = defined $a->{body} ? 'application/json' : 'text/plain';
            my $resp = sprintf "HTTP/1.1 %d %s\r\n", $a->{status}, $REASON{ $a->{status} } // 'Status';
            $resp .= "$_: $a->{headers}{$_}\r\n" for sort keys %{ $a->{headers} };
            if ($a->{status} == 204 || $a->{status} == 304) { $rbody = '' }
            else { $resp .= "Content-Type: $rtype\r\nContent-Length: " . length($rbody) . "\r\n" }
            $resp .= "Connection: close\r\n" unless $keep;
            $resp .= "\r\n$rbody";
            $c->{pending} = { due => time + $a->{delay}, bytes => $resp, keep => $keep };
        }
    };

    while (1) {
        POSIX::_exit(0) if getppid() != $parent;      # the test is gone
        # Answers that are due.
        my $now = time;
        my $timeout = 0.25;
        for my $fd (keys %conn) {
            my $c = $conn{$fd} or next;
            my $p = $c->{pending} or next;
            if ($p->{due} <= $now) {
                delete $c->{pending};
                $inflight--;
                if (!$send->($c, $p->{bytes}) || !$p->{keep}) { $close->($c); next }
                $parse->($c);
                next unless $conn{$fd};
                if ($c->{pending}) { my $d = $c->{pending}{due} - $now; $timeout = $d if $d < $timeout }
            }
            else {
                my $d = $p->{due} - $now;
                $timeout = $d if $d < $timeout;
            }
        }
        $timeout = 0 if $timeout < 0;
        my @ready = $sel->can_read($timeout);
        for my $s (@ready) {
            if ($s == $listener) {
                while (my $ns = $listener->accept) {
                    $ns->blocking(0);
                    binmode $ns;
                    my $fd = fileno $ns;
                    $conn{$fd} = { sock => $ns, fd => $fd, buf => '', serial => ++$nconn };
                    $sel->add($ns);
                }
                next;
            }
            my $c = $conn{ fileno $s } or do { $sel->remove($s); next };
            my $n = sysread $s, my $chunk, 65536;
            if (!defined $n) {
                next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
                $close->($c);
                next;
            }
            if ($n == 0) { $close->($c); next }
            $c->{buf} .= $chunk;
            $parse->($c);
        }
    }
}

1;
