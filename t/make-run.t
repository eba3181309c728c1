# The README's first command as a new user meets it: `make run` from a
# fresh clone in a directory only root can enter, then the curl line it
# prints answers 201. And the build reads nothing (apr-1-config, …) before
# `make deps` has installed it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Path ();
use File::Temp qw(tempdir);
use POSIX ();
use Time::HiRes qw(sleep time);
use LeadsTest qw(free_port run_cmd);

plan skip_all => 'needs root (www-data must be kept out)' if $> != 0;

my $ROOT = $LeadsTest::ROOT;
my $private = tempdir('make-run-XXXXXX', DIR => LeadsTest::tmp(), CLEANUP => 1);
chmod 0700, $private;
my $clone = "$private/mod_leads";
my ($rc, $out, $err) = run_cmd([ 'git', 'clone', '-q', $ROOT, $clone ]);
is($rc, 0, 'a fresh clone in a 0700 directory') or diag $err;

subtest 'the build reads the APR tools only after make deps' => sub {
    my $bin = "$private/bin";
    my $flag = "$private/deps-ran";
    mkdir $bin;
    for my $tool (qw(apr-1-config apu-1-config)) {
        open my $fh, '>', "$bin/$tool" or die $!;
        print $fh "#!/bin/sh\n[ -e '$flag' ] || exit 1\nexec /usr/bin/$tool \"\$@\"\n";
        close $fh;
        chmod 0755, "$bin/$tool";
    }
    my ($rc, $out, $err) = run_cmd([ 'make', '-C', $clone, 'SANITIZE=0', "APT_DEPS=touch $flag;:",
        "APR_CONF=$bin/apr-1-config", "APU_CONF=$bin/apu-1-config", 'deps', 'build/leadsctl' ]);
    is($rc, 0, 'make deps build/leadsctl, with the tools missing until deps runs')
        or diag substr("$out$err", -2000);
    ok(-x "$clone/build/leadsctl", 'leadsctl built');
};

subtest 'make run, then the printed curl line' => sub {
    my $port = free_port();
    my $log = "$private/make-run.log";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        POSIX::setsid();
        open STDOUT, '>', $log;
        open STDERR, '>&', \*STDOUT;
        exec 'make', '-C', $clone, 'run', 'SANITIZE=0', "PORT=$port" or POSIX::_exit(127);
    }
    my $text = '';
    my $deadline = time + 240;
    while (time < $deadline) {
        $text = LeadsTest::_slurp($log);
        last if $text =~ /Stop with Ctrl-C/ || !kill(0, $pid);
        sleep 0.5;
    }
    like($text, qr/Stop with Ctrl-C/, 'make run printed its instructions') or diag substr($text, -3000);
    my ($curl) = $text =~ /^(curl -i .*?\}')$/ms;
    ok($curl, 'a curl line to paste');
    my $answer = '';
    for (1 .. 50) {                 # httpd comes up after the text
        $answer = `$curl 2>&1`;
        last if $answer =~ m{^HTTP/\S+ \d{3}}m;
        sleep 0.2;
    }
    like($answer, qr{^HTTP/\S+ 201}m, 'the printed curl line answers 201') or diag $answer . substr($text, -2000);
    kill 'TERM', -$pid;
    waitpid $pid, 0;
    like($text, qr/www-data cannot enter/, 'the demo database was put where www-data reaches it');
};

# The demo's files outside the clone (scripts/run.sh names the directory
# after the checkout's path).
my $hash = substr(`printf %s '$clone' | sha256sum`, 0, 12);
File::Path::remove_tree("/var/lib/mod_leads-run/$hash") if $hash =~ /^[0-9a-f]{12}$/;
rmdir '/var/lib/mod_leads-run';

done_testing;
