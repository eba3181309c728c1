# SPEC §12: `make deb` builds libapache2-mod-leads with no lintian errors;
# the package holds the module, leads.load (`# Depends: dbd`), leads.conf
# (a conffile, 0640 root:www-data once installed), leadsctl and its man page
# (every command `leadsctl --help` lists, the exit codes) and the docs;
# installed for real, `a2enmod leads` enables dbd too, configtest passes, a
# throwaway httpd loading the packaged module files a lead in a database the
# packaged leadsctl made, and purge leaves nothing behind but the database.
#
# The real install runs only as root on a system that has neither the
# package nor a source install of it, and never starts the system's apache2
# (policy-rc.d); what it changed is put back when the test ends, however it
# ends.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Fcntl qw(:flock);
use File::Find ();
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep time);
use LeadsTest qw(run_cmd);

my $ROOT = $LeadsTest::ROOT;
my $PKG = 'libapache2-mod-leads';
my $MODPATH = '/usr/lib/apache2/modules/mod_leads.so';
my $AVAIL = '/etc/apache2/mods-available';
my $ENABLED = '/etc/apache2/mods-enabled';
my $POLICY = '/usr/sbin/policy-rc.d';
my %DPKG_ENV = (DEBIAN_FRONTEND => 'noninteractive');

my $VERSION = do {
    open my $fh, '<', "$ROOT/mod_leads/mod_leads.h" or die "mod_leads.h: $!";
    local $/;
    my $t = <$fh>;
    $t =~ /#define\s+LEADS_VERSION\s+"([^"]+)"/ ? $1 : die "no LEADS_VERSION in mod_leads.h";
};

for my $tool (qw(dpkg-buildpackage dh dh_apache2 lintian dpkg-deb)) {
    plan skip_all => "$tool is missing (make deps-test installs it)"
        unless grep { -x "$_/$tool" } split /:/, $ENV{PATH};
}

# State for END: the real install undoes itself however the test ends.
my ($LOCK, $OWN_POLICY, $BEFORE, $INSTALLED, $SITE);

my $TMP = tempdir('package-XXXXXX', DIR => LeadsTest::tmp(), CLEANUP => 1);
chmod 0755, $TMP;

sub slurp { my ($f) = @_; open my $fh, '<', $f or return undef; local $/; my $t = <$fh>; $t }

sub spew {
    my ($f, $text) = @_;
    open my $fh, '>', $f or die "$f: $!";
    print $fh $text;
    close $fh or die "$f: $!";
}

# ------------------------------------------------------------------ build

my $dist = "$TMP/dist";
my ($rc, $out, $err) = run_cmd([ 'make', '-C', $ROOT, '--no-print-directory', 'deb', "DIST=$dist" ],
                               env => { TMPDIR => $TMP });
is($rc, 0, 'make deb succeeds') or diag join "\n", (split /\n/, "$out$err")[-40 .. -1];
my $arch = (run_cmd([ 'dpkg', '--print-architecture' ]))[1];
chomp $arch;
my $deb = "$dist/${PKG}_${VERSION}_$arch.deb";
ok(-f $deb, "it made ${PKG}_${VERSION}_$arch.deb (the version is LEADS_VERSION)")
    or do { done_testing; exit };
ok(!-e "$ROOT/debian/$PKG" && !-e "$ROOT/debian/files" && !-e "$ROOT/debian/.debhelper",
   'nothing was built in the checkout\'s debian/');

subtest 'make deb refuses a changelog not at LEADS_VERSION' => sub {
    my $mini = "$TMP/mismatch";
    make_path("$mini/mod_leads");
    for my $f (qw(Makefile apxs.mk fuzz.mk scripts debian mod_leads/mod_leads.h)) {
        my ($rc) = run_cmd([ 'cp', '-a', "$ROOT/$f", "$mini/$f" ]);
        die "cp $f failed" if $rc;
    }
    my $log = slurp("$mini/debian/changelog");
    $log =~ s/^(\S+) \(\Q$VERSION\E\)/$1 (9.9.9)/ or die "changelog is not at $VERSION";
    spew("$mini/debian/changelog", $log);
    my ($rc, $out, $err) = run_cmd([ 'make', '-C', $mini, '--no-print-directory', 'deb',
                                     "DIST=$mini/dist" ], env => { TMPDIR => $TMP });
    isnt($rc, 0, 'make deb fails');
    like($err, qr/changelog is at 9\.9\.9 but LEADS_VERSION .* is \Q$VERSION\E/,
         'and says which versions disagree') or diag "$out$err";
    ok(!glob("$mini/dist/*.deb"), 'and builds nothing');
};

# ------------------------------------------------------------------ lintian

subtest 'lintian: no errors' => sub {
    my ($rc, $out, $err) = run_cmd([ 'lintian', '--info', $deb ], env => { TMPDIR => $TMP });
    my @e = grep { /^E: / } split /\n/, $out;
    my @w = grep { /^W: / } split /\n/, $out;
    is(scalar @e, 0, 'no E: lines') or diag join "\n", @e;
    is($rc, 0, 'lintian exits 0 (it fails on errors)') or diag "$out$err";
    diag "lintian warnings:\n" . join "\n", @w if @w;
};

# ------------------------------------------------------------------ contents

my %control = map { $_ => scalar((run_cmd([ 'dpkg-deb', '-f', $deb, $_ ]))[1]) }
              qw(Package Version Depends Section);
s/\s+\z// for values %control;

subtest 'control fields' => sub {
    is($control{Package}, $PKG, 'Package');
    is($control{Version}, $VERSION, 'Version is LEADS_VERSION');
    is($control{Section}, 'httpd', 'Section httpd');
    my @deps = split /\s*,\s*/, $control{Depends};
    ok((grep { /^apache2-api-\d+$/ } @deps), 'Depends on the apache2 API (dh_apache2)')
        or diag $control{Depends};
    ok((grep { my @alt = split /\s*\|\s*/;
               @alt == 3 && !grep { !/^libaprutil1-dbd-(sqlite3|pgsql|mysql)\b/ } @alt } @deps),
       'Depends on an APR DBD driver: sqlite3 | pgsql | mysql') or diag $control{Depends};
    ok((grep { /^libc6\b/ } @deps) && (grep { /^libjansson4\b/ } @deps),
       'Depends carries the shared libraries (shlibs)') or diag $control{Depends};
    my $src = slurp("$ROOT/debian/control");
    my ($bd) = $src =~ /^Build-Depends:((?:.*\n)(?:[ \t].*\n)*)/m;
    for my $b ('debhelper-compat (= 13)', qw(apache2-dev libjansson-dev libssl-dev
               libcurl4-openssl-dev libsqlite3-dev libapr1-dev libaprutil1-dev)) {
        like($bd // '', qr/(?:^|[\s,])\Q$b\E(?:$|[\s,])/, "Build-Depends: $b");
    }
};

my %files;
{
    my ($rc, $out) = run_cmd([ 'dpkg-deb', '-c', $deb ]);
    for (split /\n/, $out) {
        my ($mode, $owner, $path) = /^(\S+)\s+(\S+)\s+\d+\s+\S+\s+\S+\s+\.(\/\S*)/ or next;
        $path =~ s{/\z}{} unless $path eq '/';
        $files{$path} = { mode => $mode, owner => $owner };
    }
}
my $doc = "/usr/share/doc/$PKG";

subtest 'files in the package' => sub {
    ok($files{$MODPATH}, "the module at $MODPATH");
    ok($files{'/usr/bin/leadsctl'}, 'leadsctl in /usr/bin');
    like($files{'/usr/bin/leadsctl'}{mode} // '', qr/^-rwxr-xr-x$/, 'leadsctl mode 0755');
    ok($files{"$AVAIL/leads.load"}, 'leads.load in mods-available');
    ok($files{"$AVAIL/leads.conf"}, 'leads.conf in mods-available');
    ok($files{'/usr/share/man/man1/leadsctl.1.gz'}, 'the man page leadsctl(1)');
    ok($files{"$doc/README.md.gz"} || $files{"$doc/README.md"}, 'the README');
    ok($files{"$doc/copyright"}, 'the copyright file');
    for my $md (map { s{^\Q$ROOT\E/docs/}{}r } glob("$ROOT/docs/*.md")) {
        ok($files{"$doc/$md"} || $files{"$doc/$md.gz"}, "docs/$md");
    }
    ok($files{"$doc/openapi.yaml"}, 'docs/openapi.yaml, uncompressed')
        if -e "$ROOT/docs/openapi.yaml";
    ok(!grep({ m{^/usr/local|^/home|^/root|^/tmp} } keys %files), 'nothing outside the FHS');

    my ($rc, $out) = run_cmd([ 'dpkg-deb', '--info', $deb, 'conffiles' ]);
    my %conf = map { $_ => 1 } split /\n/, $out;
    ok($conf{"$AVAIL/leads.conf"}, 'leads.conf is a conffile') or diag $out;
    ok($conf{"$AVAIL/leads.load"}, 'leads.load is a conffile') or diag $out;
};

# The package's files, unpacked without installing anything.
my $xroot = "$TMP/root";
($rc, $out, $err) = run_cmd([ 'dpkg-deb', '-x', $deb, $xroot ]);
is($rc, 0, 'dpkg -x into a throwaway root') or diag $err;

subtest 'leads.load: loads the module and depends on dbd' => sub {
    my $load = slurp("$xroot$AVAIL/leads.load") // '';
    like($load, qr/^# Depends: dbd$/m, '# Depends: dbd (a2enmod enables mod_dbd)');
    like($load, qr/^LoadModule leads_module \Q$MODPATH\E$/m, "LoadModule leads_module $MODPATH");
};

my $help;
subtest 'leadsctl from the package: --help and --version' => sub {
    my $ctl = "$xroot/usr/bin/leadsctl";
    my ($rc, $out, $err) = run_cmd([ $ctl, '--help' ]);
    is($rc, 0, '--help: exit 0') or diag $err;
    like($out, qr/^commands:$/m, '--help lists the commands');
    like($out, qr/0 success.*1 runtime or database error.*2 usage error/s, '--help gives the exit codes');
    $help = $out;
    ($rc, $out, $err) = run_cmd([ $ctl, '--version' ]);
    is($rc, 0, '--version: exit 0') or diag $err;
    is($out, "leadsctl $VERSION\n", "--version prints LEADS_VERSION ($VERSION)");
    ($rc, $out, $err) = run_cmd([ $ctl, 'no-such-command' ]);
    is($rc, 2, 'an unknown command: exit 2 (usage)');
    ($rc, $out, $err) = run_cmd([ $ctl, '--driver', 'sqlite3', '--params', "$TMP/no/such/dir/x.db", 'firm', 'list' ]);
    is($rc, 1, 'a database that cannot be opened: exit 1');
};

# The commands of `leadsctl --help`: [name, [--options]], continuation
# lines joined to their command.
sub help_commands {
    my ($text) = @_;
    my ($list) = $text =~ /^commands:\n(.*?)(?:\n\n|\z)/ms or return;
    my @cmds;
    for my $line (split /\n/, $list) {
        if ($line =~ /^  ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?(?=\s|\z)(.*)/) {
            push @cmds, [ defined $2 ? "$1 $2" : $1, $3 ];
        }
        elsif (@cmds) {
            $cmds[-1][1] .= " $line";
        }
    }
    return map { [ $_->[0], [ $_->[1] =~ /(--[a-z][a-z-]*)/g ] ] } @cmds;
}

subtest 'leadsctl(1) documents every command, option and exit code' => sub {
    my $page = "$xroot/usr/share/man/man1/leadsctl.1.gz";
    plan skip_all => 'man (man-db) is missing' unless grep { -x "$_/man" } split /:/, $ENV{PATH};
    my ($rc, $out, $err) = run_cmd([ 'man', '--warnings', '-l', $page ],
                                   env => { MANWIDTH => 1000, LC_ALL => 'C', MAN_KEEP_FORMATTING => '' });
    is($rc, 0, 'man renders it') or diag $err;
    is($err, '', 'without warnings') or diag $err;
    (my $text = $out) =~ s/.\x08//g;            # overstrike, should any remain
    $text =~ s/\s+/ /g;
    my @cmds = help_commands($help // '');
    cmp_ok(scalar @cmds, '>=', 20, 'the commands of --help') or diag $help;
    for my $c (@cmds) {
        my ($name, $opts) = @$c;
        my @missing = grep { index($text, $_) < 0 } $name, @$opts;
        ok(!@missing, "$name" . (@$opts ? " (@$opts)" : '')) or diag "not in leadsctl(1): @missing";
    }
    for my $o (qw(--driver --params --json --help --version LEADS_DBD_DRIVER LEADS_DBD_PARAMS)) {
        ok(index($text, $o) >= 0, "global: $o");
    }
    like($text, qr/EXIT STATUS 0 Success.* 1 A runtime or database error.* 2 A usage error/,
         'EXIT STATUS: 0, 1, 2');
};

# ------------------------------------------------------------------ install

my $can = install_precondition();
SKIP: {
    skip "real install: $can", 1 if $can;
    subtest 'installed for real: a2enmod, configtest, a create, purge' => \&install_and_purge;
}

done_testing;

# ------------------------------------------------------------------ helpers

# Why the real install cannot run here, or undef.
sub install_precondition {
    return 'needs root' if $> != 0;
    for my $t (qw(/usr/bin/dpkg /usr/bin/dpkg-query /usr/sbin/a2enmod /usr/sbin/a2dismod
                  /usr/sbin/apache2ctl /usr/sbin/apache2 /usr/bin/sqlite3)) {
        return "$t is missing" unless -x $t;
    }
    my (undef, $st) = run_cmd([ 'dpkg-query', '-W', '-f=${db:Status-Abbrev}', $PKG ]);
    return "$PKG is on this system already ($st): not touching it" if $st =~ /\S/ && $st !~ /^u?n/;
    for my $p ($MODPATH, "$AVAIL/leads.load", "$AVAIL/leads.conf", '/usr/bin/leadsctl',
               glob("$ENABLED/leads.*"), '/var/lib/mod_leads') {
        return "$p exists (a source install?): not touching it" if -e $p || -l $p;
    }
    if (-e $POLICY) {
        my ($rc) = run_cmd([ $POLICY, 'apache2', 'restart' ]);
        return "$POLICY lets packages start apache2 (exit $rc, not 101)" if $rc != 101;
    }
    open $LOCK, '>', '/run/lock/leads-package-test.lock' or return "lock file: $!";
    return 'another t/package.t is installing the package' unless flock $LOCK, LOCK_EX | LOCK_NB;
    return undef;
}

# dpkg, waiting (up to 2 minutes) while another dpkg or apt holds its lock.
sub dpkg_run {
    my (@args) = @_;
    my $deadline = time + 120;
    while (1) {
        my ($rc, $out, $err) = run_cmd([ 'dpkg', @args ], env => \%DPKG_ENV);
        return ($rc, $out, $err) unless $rc && $err =~ /lock/i && time < $deadline;
        sleep 2;
    }
}

# What a2enmod/a2dismod and the package's scripts may change: the links in
# mods-enabled and the state markers under /var/lib/apache2, as
# {path => link target or '' (file) or '/' (directory)}.
sub apache_state {
    my %s;
    for my $top ($ENABLED, '/var/lib/apache2') {
        next unless -d $top;
        File::Find::find({ no_chdir => 1, wanted => sub {
            my $p = $File::Find::name;
            $s{$p} = -l $p ? readlink($p) : -d $p ? '/' : '';
        } }, $top);
    }
    return \%s;
}

# Put the apache2 state back as it was (only names this test touches: the
# leads and dbd modules and directories created since).
sub restore_apache_state {
    return unless $BEFORE;
    my $now = apache_state();
    for my $p (sort { length $b <=> length $a } keys %$now) {
        next if exists $BEFORE->{$p};
        if ($now->{$p} eq '/') { rmdir $p }
        elsif ($p =~ m{/(leads|dbd)(\.load|\.conf)?\z}) { unlink $p }
    }
    for my $p (sort keys %$BEFORE) {
        next if exists $now->{$p} || $p !~ m{/(leads|dbd)(\.load|\.conf)?\z};
        if ($BEFORE->{$p} eq '') { spew($p, '') }
        elsif ($BEFORE->{$p} ne '/') { symlink $BEFORE->{$p}, $p }
    }
}

sub state_diff {
    my ($a, $b) = @_;
    my %all = (%$a, %$b);
    return grep { ($a->{$_} // "\0") ne ($b->{$_} // "\0") } sort keys %all;
}

sub undo_install {
    $SITE->stop if $SITE;
    undef $SITE;
    if ($INSTALLED) {
        run_cmd([ 'a2dismod', '-q', 'leads' ]) if -l "$ENABLED/leads.load";
        dpkg_run('--purge', $PKG);
        undef $INSTALLED;
    }
    restore_apache_state();
    if ($OWN_POLICY) {
        unlink $POLICY;
        undef $OWN_POLICY;
    }
}

END {
    local ($?, $@, $!);
    undo_install();
}

sub install_and_purge {
    $BEFORE = apache_state();
    unless (-e $POLICY) {
        # Debian would start or restart apache2 from the package's scripts
        spew($POLICY, "#!/bin/sh\n# t/package.t: no service starts while it installs\nexit 101\n");
        chmod 0755, $POLICY;
        $OWN_POLICY = 1;
    }

    $INSTALLED = 1;
    my ($rc, $out, $err) = dpkg_run('-i', $deb);
    is($rc, 0, 'dpkg -i') or return diag "$out$err";
    my (undef, $st) = run_cmd([ 'dpkg-query', '-W', '-f=${db:Status-Abbrev}', $PKG ]);
    like($st, qr/^ii/, 'installed') or diag $st;
    ok(!-e "$ENABLED/leads.load", 'not enabled by the install (a2enmod is the admin\'s)');

    my $conf = "$AVAIL/leads.conf";
    my @st = stat $conf;
    is(sprintf('%04o', $st[2] & 07777), '0640', 'leads.conf: mode 0640');
    is($st[4], 0, 'leads.conf: owner root');
    is($st[5], scalar getgrnam('www-data'), 'leads.conf: group www-data');
    my (undef, $cf) = run_cmd([ 'dpkg-query', '-W', '-f=${Conffiles}', $PKG ]);
    like($cf, qr/^ \Q$conf\E [0-9a-f]{32}$/m, 'leads.conf: a conffile dpkg knows') or diag $cf;
    @st = stat '/var/lib/mod_leads';
    ok(@st && $st[4] == scalar getpwnam('www-data'), '/var/lib/mod_leads belongs to www-data');
    ok(-f '/usr/share/man/man1/leadsctl.1.gz', 'the man page is installed');
    my (undef, $v) = run_cmd([ '/usr/bin/leadsctl', '--version' ]);
    is($v, "leadsctl $VERSION\n", '/usr/bin/leadsctl --version');

    # The packaged leadsctl makes the database; the packaged module serves it.
    local $LeadsTest::LEADSCTL = '/usr/bin/leadsctl';
    local $LeadsTest::MODULE = $MODPATH;
    $SITE = LeadsTest->site(backend => 'sqlite3', no_start => 1);
    my $db = $SITE->params;
    ok(-s $db, 'leadsctl init (installed) created the SQLite file');

    # The admin's step before a2enmod: name the database in leads.conf.
    my $text = slurp($conf);
    $text =~ s{^(<IfModule leads_module>\n)}{$1    DBDriver sqlite3\n    DBDParams "$db"\n}m
        or return fail('leads.conf has no <IfModule leads_module> block');
    spew($conf, $text);

    ($rc, $out, $err) = run_cmd([ 'a2enmod', 'leads' ]);
    is($rc, 0, 'a2enmod leads') or diag "$out$err";
    ok(-l "$ENABLED/leads.load", 'leads is enabled');
    ok(-l "$ENABLED/dbd.load", 'and dbd with it (# Depends: dbd)');

    ($rc, $out, $err) = run_cmd([ 'apache2ctl', '-t' ]);
    is($rc, 0, 'apache2ctl -t: the system configuration with leads passes') or diag "$out$err";
    ($rc, $out, $err) = run_cmd([ 'apache2ctl', '-M' ]);
    like($out, qr/^ leads_module \(shared\)$/m, 'apache2ctl -M: leads_module') or diag "$out$err";
    like($out, qr/^ dbd_module \(shared\)$/m, 'apache2ctl -M: dbd_module');

    # A throwaway httpd of the test's own (not the system's apache2).
    my $p = $SITE->provision(name => 'Packaged LLP');
    $SITE->start;
    like($SITE->conf_text, qr/^LoadModule leads_module \Q$MODPATH\E$/m,
         "the test httpd loads $MODPATH");
    my $r = $SITE->create($p->{key}, { first_name => 'Ada', last_name => 'Lovelace',
                                       email => 'ada@example.com', source => 'package' });
    is($r->{status}, 201, 'POST /api/leads: 201') or diag $r->{body};
    $SITE->stop;
    undef $SITE;

    ($rc, $out, $err) = run_cmd([ 'a2dismod', 'leads' ]);
    is($rc, 0, 'a2dismod leads') or diag "$out$err";
    ok(!-e "$ENABLED/leads.load", 'leads is disabled');

    my (undef, $list) = run_cmd([ 'dpkg-query', '-L', $PKG ]);
    my @owned = grep { m{^/} && (-f || -l) } split /\n/, $list;
    ($rc, $out, $err) = dpkg_run('--purge', $PKG);
    is($rc, 0, 'dpkg --purge') or diag "$out$err";
    undef $INSTALLED;

    (undef, $st) = run_cmd([ 'dpkg-query', '-W', '-f=${db:Status-Abbrev}', $PKG ]);
    ok($st !~ /\S/ || $st =~ /^[up]n/, 'dpkg has it as not installed') or diag $st;
    cmp_ok(scalar @owned, '>=', 6, 'the package had its files');
    my @left = grep { -e || -l } @owned, $MODPATH, '/usr/bin/leadsctl',
        glob("$AVAIL/leads.*"), glob("$ENABLED/leads.*"), $doc, '/var/lib/mod_leads',
        glob("/var/lib/dpkg/info/$PKG.*");
    is("@left", '', 'purge left none of its files, conffiles or directories');
    ok(-f $db, 'the database file stays');
    my (undef, $n) = run_cmd([ 'sqlite3', $db, 'SELECT COUNT(*) FROM leads' ]);
    is($n =~ /^(\d+)$/ ? $1 : $n, 1, 'with the lead in it');

    restore_apache_state();
    my @diff = state_diff($BEFORE, apache_state());
    is("@diff", '', 'the system\'s apache2 modules are as they were');
}
