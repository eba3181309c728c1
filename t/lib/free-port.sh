# Sourced by t/run-tests.sh and t/bench/run.sh.
# free_port: a free TCP port on 127.0.0.1 (bound once at the kernel's
# choice, then let go).
free_port() {
    perl -MIO::Socket::INET -e '
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                      Proto => "tcp", Listen => 1, ReuseAddr => 0)
            or die "no free port: $!\n";
        print $s->sockport, "\n";'
}
