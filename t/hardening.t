# Hardening against strangers on the network and an operator's settings
# (docs/api.md, README "Production settings"): no request holds a pooled
# database connection while it waits on its client; the wait for one is
# bounded; deliveries never go through a proxy from the environment;
# Lawfficient-Ignored-Fields is bounded; body read errors keep their own
# status; the handler's own <Location> decides what is 404; unknown keys
# are limited per address before the database is asked.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use HTTP::Tiny;
use IO::Socket::INET;
use POSIX ();
use JSON::PP ();
use Time::HiRes qw(sleep time);
use LeadsTest qw(backends in_children unavailable_ok wait_for);
use Receiver;

my $MODULES = $LeadsTest::MODULES;

sub lead { { first_name => 'Ada', last_name => 'Lovelace', email => 'ada@example.com', source => 'web', @_ } }

sub random_key {
    my ($prefix) = @_;
    my @c = ('a' .. 'z', 0 .. 9);
    return $prefix . join '', map { $c[rand @c] } 1 .. 40;
}

# $n connections that send a create's headers (Content-Length 65536) and
# one byte of its body, then wait: clients stalled mid-body.
sub stalled {
    my ($site, $n, $auth) = @_;
    my @socks;
    for (1 .. $n) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $site->port,
                                      Proto => 'tcp', Timeout => 5) or next;
        binmode $s;
        my $a = defined $auth ? "Authorization: Bearer $auth\r\n" : '';
        print {$s} "POST /api/leads HTTP/1.1\r\nHost: x\r\n${a}Content-Type: application/json\r\n"
                 . "Content-Length: 65536\r\n\r\n{";
        push @socks, $s;
    }
    return @socks;
}

# A create with a deadline of its own: (status, seconds it took).
sub timed_create {
    my ($site, $key, $timeout) = @_;
    my $ua = HTTP::Tiny->new(timeout => $timeout, keep_alive => 0);
    my $t0 = time;
    my $res = $ua->request('POST', $site->url('/api/leads'), {
        headers => { Authorization => "Bearer $key", 'Content-Type' => 'application/json' },
        content => JSON::PP->new->encode(lead()) });
    return ($res->{status} == 599 ? 0 : $res->{status}, time - $t0);
}

# With the stalled clients settled in: a valid create answers 201, and at
# once.
sub create_beside_stalled {
    my ($site, $key) = @_;
    sleep 2;
    my ($status, $took) = timed_create($site, $key, 15);
    is($status, 201, 'a valid create still answers 201') or diag $site->log_tail(10);
    ok($took < 5, sprintf 'and does not wait for the stalled clients (%.2f s)', $took);
}

my $SMALL_POOL = [ 'StartServers 2', 'ServerLimit 2', 'ThreadsPerChild 16', 'MinSpareThreads 16',
                   'MaxSpareThreads 32', 'MaxRequestWorkers 32', 'DBDMax 4', 'LeadsRateLimit 0' ];

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        subtest 'clients stalled mid-body with unknown keys hold no pooled connection' => sub {
            my $site = LeadsTest->site(backend => $backend, conf => $SMALL_POOL);
            my $p = $site->provision;
            my @held = stalled($site, 24, random_key('lak_'));
            is(scalar @held, 24, '24 stalled connections (DBDMax 4, 2 x 16 threads)');
            create_beside_stalled($site, $p->{key});
            close $_ for @held;
            is_deeply([ $site->crashes ], [], 'no child crashed');
        };

        subtest 'clients stalled mid-body with a valid key hold no pooled connection' => sub {
            my $site = LeadsTest->site(backend => $backend, conf => [ @$SMALL_POOL,
                'ThreadsPerChild 32', 'MaxSpareThreads 64', 'MaxRequestWorkers 64' ]);
            my $p = $site->provision;
            my @held = stalled($site, 40, $p->{key});
            is(scalar @held, 40, '40 stalled connections with a valid key (DBDMax 4, 2 x 32 threads)');
            create_beside_stalled($site, $p->{key});
            close $_ for @held;
        };

        subtest 'Lawfficient-Ignored-Fields is bounded' => sub {
            my $site = LeadsTest->site(backend => $backend, conf => [ 'LeadsRateLimit 0' ]);
            my $p = $site->provision;
            my %data = map { ("\x{e9}t\x{e9}$_" => 1) } 1 .. 2000;
            my $r = $site->create($p->{key}, lead(data => \%data));
            is($r->{status}, 201, '2000 unknown non-ASCII data keys: created');
            my $h = $r->{headers}{'lawfficient-ignored-fields'} // '';
            ok(length $h < 8192, 'the header stays under 8 KB (' . length($h) . ' bytes)');
            like($h, qr/,\.\.\.\(1950 more\)$/, 'the first 50 names, then how many more');
            my @names = split /,/, $h;
            is(scalar @names, 51, '50 names and the marker');
            like($names[0], qr/^data\.%C3%A9t%C3%A9\d+$/, 'names are escaped as before');
            my %long = ('x' x 5000 => 1);
            $r = $site->create($p->{key}, lead(data => \%long));
            $h = $r->{headers}{'lawfficient-ignored-fields'} // '';
            ok(length $h < 100, 'one 5000-character name is cut (' . length($h) . ' bytes)');
            like($h, qr/^data\.x+\.\.\.$/, 'and marked as cut');
        };

        subtest 'a body mod_reqtimeout gives up on is 408 request_timeout' => sub {
            my $site = LeadsTest->site(backend => $backend, conf => [
                "LoadModule reqtimeout_module $MODULES/mod_reqtimeout.so",
                'RequestReadTimeout header=5 body=1', 'LeadsRateLimit 0' ]);
            my $p = $site->provision;
            my ($s) = stalled($site, 1, $p->{key});
            my $in = '';
            local $SIG{ALRM} = sub { die "timeout\n" };
            eval { alarm 15; while (sysread $s, my $buf, 65536) { $in .= $buf } alarm 0; };
            my ($status, $h, $body) = LeadsTest::parse_response($in);
            is($status, 408, 'status 408');
            my $j = eval { JSON::PP->new->decode($body) } || {};
            is($j->{error}{code}, 'request_timeout', 'code request_timeout in the envelope');
            is($site->count_leads, 0, 'nothing stored');
        };

        subtest 'a body over LimitRequestBody is httpd\'s own 413, not invalid_json' => sub {
            my $site = LeadsTest->site(backend => $backend, conf => [ 'LimitRequestBody 64', 'LeadsRateLimit 0' ]);
            my $p = $site->provision;
            my $body = JSON::PP->new->encode(lead(data => { notes => 'x' x 200 }));
            my $chunked = sprintf "%x\r\n%s\r\n0\r\n\r\n", length $body, $body;
            my $r = $site->raw("POST /api/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $p->{key}\r\n"
                               . "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                               . "Connection: close\r\n\r\n$chunked");
            is($r->{status}, 413, 'chunked body over LimitRequestBody: 413');
            is($site->count_leads, 0, 'nothing stored');
        };

        subtest 'the handler\'s own <Location> decides 404, not the last section merged' => sub {
            my $site = LeadsTest->site(backend => $backend, conf => [
                'LeadsRateLimit 0', '<Location />', '    Require all granted', '</Location>' ]);
            my $p = $site->provision;
            is($site->create($p->{key}, lead())->{status}, 201, '<Location /> after /api/leads: a create is 201');
            my $r = $site->post('/api/leads/extra', { Authorization => "Bearer $p->{key}" }, lead());
            is($r->{status}, 404, 'a longer path below the handler is still 404');
        };

        subtest 'unknown keys are limited per address before the database is asked' => sub {
            my $site = LeadsTest->site(backend => $backend, conf => [
                'LeadsRateLimit 0', 'LeadsAuthFailureLimit 5 60' ]);
            my $p = $site->provision;
            my @st = map { $site->create(random_key('lak_'), lead())->{status} } 1 .. 5;
            is_deeply(\@st, [ (401) x 5 ], '5 unknown keys: 401 each');
            my $r = $site->create(random_key('lik_'), lead());
            is($r->{status}, 429, 'the 6th: 429');
            is($r->{json}{error}{code}, 'rate_limited', 'code rate_limited');
            like($r->{headers}{'retry-after'} // '', qr/^\d+$/, 'with Retry-After');
            is($site->create($p->{key}, lead())->{status}, 429,
               'a valid key from that address waits too (the database is not asked)');
        };
    };
}

# The database busy (a table locked elsewhere) keeps every pooled
# connection of the child in use; a request beyond DBDMax waits at most
# LeadsDBAcquireTimeout, then answers 503. sqlite3 readers are not blocked
# by a writer (WAL), so the servers only.
for my $backend (grep { $_ ne 'sqlite3' } backends()) {
    subtest "backend $backend: the wait for a pooled connection is bounded" => sub {
        my $site = LeadsTest->site(backend => $backend, conf => [
            'StartServers 1', 'ServerLimit 1', 'ThreadsPerChild 8', 'MinSpareThreads 8',
            'MaxSpareThreads 8', 'MaxRequestWorkers 8', 'DBDMax 2', 'LeadsDBAcquireTimeout 1',
            'LeadsRateLimit 0' ]);
        my $p = $site->provision;
        is($site->create($p->{key}, lead())->{status}, 201, 'a create before');
        my $db = $site->dbname;
        my @locker = $backend eq 'pgsql'
            ? ('psql', '-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-p', $ENV{LEADS_TEST_PG_PORT}, '-d', $db,
               '-c', 'BEGIN; LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(6); COMMIT;')
            : ('mariadb', '--no-defaults', '-h', '127.0.0.1', '-u', 'root', '-P', $ENV{LEADS_TEST_MY_PORT}, $db,
               '-e', 'LOCK TABLES api_keys WRITE; SELECT SLEEP(6); UNLOCK TABLES;');
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            open STDOUT, '>', '/dev/null';
            exec @locker or POSIX::_exit(127);
        }
        sleep 1;
        my @out = in_children(5, sub {
            my ($status, $took) = timed_create($site, $p->{key}, 20);
            sprintf '%d %.2f', $status, $took;
        });
        waitpid $pid, 0;
        my @fast503 = grep { /^503 (\d+\.\d+)/ && $1 < 4 } @out;
        ok(@fast503 >= 1, 'requests beyond DBDMax answer 503 within the timeout, not after the lock')
            or diag "@out";
        ok(!grep({ !/^(201|503) / } @out), 'every answer is 201 or 503') or diag "@out";
        like($site->error_log, qr/LEADS00019/, 'the wait is logged (LEADS00019)');
        is($site->create($p->{key}, lead())->{status}, 201, 'a create after the lock is gone');
    };
}

# libcurl honours http_proxy & co.: the address guard would see only the
# proxy. A proxy here is a receiver that must see nothing.
subtest 'deliveries ignore proxy variables in the environment' => sub {
    my ($backend) = backends();
    my $dir = LeadsTest::tmp() . "/proxy-$$";
    mkdir $dir;
    my $proxy = Receiver->new(dir => $dir, status => 200);
    my $target = Receiver->new(dir => $dir, status => 200);
    my $purl = 'http://127.0.0.1:' . $proxy->port . '/';
    my $site = LeadsTest->site(backend => $backend,
        env => { http_proxy => $purl, https_proxy => $purl, ALL_PROXY => $purl, HTTP_PROXY => $purl },
        conf => [ 'LeadsWebhookAllowPrivate On', 'LeadsWebhookPollInterval 1', 'LeadsRateLimit 0' ]);
    my $p = $site->provision;
    my $r = $site->ctl_run('webhook', 'add', '--firm', $p->{firm}, '--url', $target->url('/hook'));
    is($r->{rc}, 0, 'endpoint added') or diag $r->{err};
    is($site->create($p->{key}, lead())->{status}, 201, 'created');
    ok($target->wait_count(1, timeout => 20), 'the receiver got the delivery directly');
    is($proxy->count, 0, 'the proxy from the environment saw nothing');
};

done_testing;
