#!/usr/bin/perl
# The table of `make bench`, from what t/bench/run.sh left in its results
# directory (NAME.env key=value files, wrk and pgbench outputs, per-run
# pg_stat_statements snapshots, pgbench per-transaction logs) and the
# receiver's log. Targets are reported, never asserted.
#
#   report.pl RESULTS_DIR RECEIVER_LOG PGBENCH_SCRIPT
use strict;
use warnings;
use File::Basename qw(dirname);

my ($res, $recv_log, $script) = @ARGV;
die "usage: report.pl RESULTS_DIR RECEIVER_LOG PGBENCH_SCRIPT\n" unless $script;
my $leads_sql = dirname(__FILE__) . '/../../build/bench/leads-sql';

sub env_of {
    my ($name) = @_;
    my %e;
    open my $fh, '<', "$res/$name.env" or return undef;
    while (my $l = <$fh>) {
        chomp $l;
        $e{$1} = $2 if $l =~ /^(\w+)=(.*)$/;
    }
    return \%e;
}

sub pct {                       # nearest rank over a sorted list
    my ($sorted, $p) = @_;
    return undef unless @$sorted;
    my $i = int($p / 100 * @$sorted + 0.999999) - 1;
    $i = 0 if $i < 0;
    $i = $#$sorted if $i > $#$sorted;
    return $sorted->[$i];
}

sub fmt { defined $_[0] ? sprintf($_[1], $_[0]) : 'n/a' }

# --- statement names: from the module's own table (leads-sql), matched on
# the text before the first placeholder or literal, at the text's start.
my (@stmt, %label_name);
for (`"$leads_sql" pgsql --list`) {
    chomp;
    my ($name, $label) = split /\t/;
    my $sql = `"$leads_sql" pgsql $name`;
    chomp $sql;
    (my $prefix = $sql) =~ s/(%s|').*//s;
    push @stmt, [ $name, $prefix ];
    $label_name{$label} = $name;
}
@stmt = sort { length $b->[1] <=> length $a->[1] } @stmt;

sub classify {
    my ($text) = @_;
    return $label_name{$1} if $text =~ /^\s*PREPARE\s+(\w+)/i && $label_name{$1};
    return uc $1 if $text =~ /^\s*(BEGIN|COMMIT|ROLLBACK)\b/i;
    $text =~ s/^\s+//;
    for my $s (@stmt) {         # at the start: statements contain others
        return $s->[0] if index($text, $s->[1]) == 0;
    }
    return 'OTHER';
}

sub calls_of {                  # NAME -> calls (and NAME -> exec ms), from a pss snapshot
    my ($file) = @_;
    my (%c, %ms);
    open my $fh, '<', $file or return {};
    while (<$fh>) {
        chomp;
        my ($calls, $ms, $text) = split /\t/, $_, 3;
        next unless defined $text;
        my $name = classify($text);
        $c{$name} += $calls;
        $ms{$name} += $ms;
    }
    return wantarray ? (\%c, \%ms) : \%c;
}

my $script_commands = 0;
if (open my $fh, '<', $script) {
    $script_commands = grep { /;\s*$/ && !/^\s*(\\|--)/ } <$fh>;
}

my %DELIVERER = map { $_ => 1 }
    qw(DELIVERY_LEASE DELIVERY_LEASED DELIVERY_CANDIDATES ATTEMPTS_RECORD
       DELIVERIES_FINISH ENDPOINTS_FAILING DELIVERIES_FRESH);

# Round trips of the request path per create, and of the deliverer per
# delivery: each deliverer transaction (one per ATTEMPTS_RECORD, a batch of
# outcomes) owns one BEGIN and one COMMIT; the rest of BEGIN/COMMIT is the
# request path's. (pgsql has neither: its DELIVERIES_FINISH is one
# statement.) $deliveries: webhooks received during the run.
sub round_trips {
    my ($c, $creates, $deliveries) = @_;
    my $dtx = $c->{ATTEMPTS_RECORD} // 0;
    my ($req, $dlv) = (0, 0);
    for my $k (keys %$c) {
        next if $k eq 'OTHER';
        if ($DELIVERER{$k}) { $dlv += $c->{$k} }
        else                { $req += $c->{$k} }
    }
    $req -= 2 * $dtx;
    $dlv += 2 * $dtx;
    return ($creates ? $req / $creates : undef,
            $deliveries ? $dlv / $deliveries : undef, $dtx);
}

# --- webhooks: first receipt of each event id
my (%first, $dups, $received);
if (open my $fh, '<', $recv_log) {
    while (<$fh>) {
        my ($id, $created, $recv) = split;
        next unless defined $recv;
        $received++;
        if (exists $first{$id}) { $dups++; next }
        $first{$id} = [ $created, $recv ];
    }
}
sub webhooks_in {               # (p50, p99, deliveries/s, n) for [t0, t1]
    my ($t0, $t1) = @_;
    my (@lat, $n);
    for my $v (values %first) {
        my ($c, $r) = @$v;
        push @lat, $r - $c if $c >= $t0 && $c <= $t1;
        $n++ if $r >= $t0 && $r <= $t1;
    }
    @lat = sort { $a <=> $b } @lat;
    my $secs = ($t1 - $t0) / 1000;
    return (pct(\@lat, 50), pct(\@lat, 99), $secs > 0 ? ($n // 0) / $secs : undef,
            scalar @lat);
}

# --- one row per run
sub mod_leads_row {
    my ($name) = @_;
    my $e = env_of($name) or return undef;
    my $secs = $e->{duration_us} / 1e6;
    my $ok = $e->{requests} - $e->{non2xx} - $e->{errors};
    my $calls = calls_of("$res/$name.pss");
    my ($wp50, $wp99, $wrate, $wn) = webhooks_in($e->{t0}, $e->{t1});
    my $sent = ($wrate // 0) * ($e->{t1} - $e->{t0}) / 1000;   # deliveries received
    my ($rt, $rt_dlv, $dtx) = round_trips($calls, $e->{rows}, $sent);
    return {
        rps => $e->{requests} / $secs, p50 => $e->{p50_us} / 1000,
        p99 => $e->{p99_us} / 1000, non2xx => $e->{non2xx},
        errors => $e->{errors}, rows => $e->{rows}, ok => $ok,
        rt => $rt, rt_dlv => $rt_dlv, dtx => $dtx,
        wp50 => $wp50, wp99 => $wp99, wrate => $wrate, wn => $wn,
        pending => $e->{pending_at_end}, drain => $e->{drain_ms} / 1000,
        secs => $secs, rss => $e->{rss_after_kb},
        cpu_httpd => $e->{cpu_httpd_ms}, cpu_pg => $e->{cpu_pg_ms},
        cpu_recv => $e->{cpu_recv_ms}, wall => $e->{t1} - $e->{t0},
        sent => $sent,
        dlv_us => ($sent && defined $e->{cpu_deliverer_ms})
            ? 1000 * $e->{cpu_deliverer_ms} / $sent : undef,
    };
}

sub pgbench_row {
    my ($name) = @_;
    my $e = env_of($name) or return undef;
    open my $fh, '<', "$res/$name.pgbench" or return undef;
    my $out = do { local $/; <$fh> };
    my ($tps) = $out =~ /^tps = ([\d.]+) \(without initial connection time\)/m;
    my ($tx) = $out =~ /^number of transactions actually processed: (\d+)/m;
    my ($failed) = $out =~ /^number of failed transactions: (\d+)/m;
    my $aborted = () = $out =~ /^client \d+ aborted/mg;
    # per-transaction logs: client tx time_us script epoch epoch_us
    my @lat;
    for my $f (glob "$e->{logs}/tx.*") {
        open my $lf, '<', $f or next;
        while (<$lf>) {
            my @x = split;
            push @lat, $x[2] if @x >= 6;
        }
    }
    @lat = sort { $a <=> $b } @lat;
    # pg_stat_statements misses BEGIN/COMMIT sent as prepared statements:
    # pgbench sends every SQL command of the script, one round trip each.
    my $rt = $script_commands;
    return {
        rps => $tps, p50 => (pct(\@lat, 50) // 0) / 1000,
        p99 => (pct(\@lat, 99) // 0) / 1000,
        non2xx => ($failed // 0) + $aborted, rows => $e->{rows}, tx => $tx,
        rt => $rt, exit => $e->{exit}, cpu_pg => $e->{cpu_pg_ms},
    };
}

my $g = env_of('global') or die "report.pl: no global.env in $res\n";
my @conns = split ' ', $g->{conns};

print "\n";
print "mod_leads vs pgbench: POST /api/leads creates, $g->{duration} s per run,"
    . " $g->{cpus} CPUs shared by wrk, httpd, PostgreSQL, pgbench and the receiver\n\n";
my $hdr = sprintf "%-22s %5s %9s %8s %8s %7s %8s %8s %9s\n",
    '', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'p99/p50', 'non-2xx', 'rows +', 'RT/create';
print $hdr, '-' x (length($hdr) - 1), "\n";
my (%m, %p, %n);
for my $c (@conns) {
    $m{$c} = mod_leads_row("mod_leads-$c");
    $p{$c} = pgbench_row("pgbench-$c");
    my $scraped = -e "$res/scraped-$c.env" ? mod_leads_row("scraped-$c") : undef;
    $n{$c} = -e "$res/none-$c.env" ? mod_leads_row("none-$c") : undef;
    for ([ 'no webhook endpoint', $n{$c} ], [ 'mod_leads (wrk)', $m{$c} ],
         [ 'same, metrics 1/s', $scraped ],
         [ 'pgbench (same SQL)', $p{$c} ]) {
        my ($label, $r) = @$_;
        next unless $r;
        my $bad = $r->{non2xx} + ($r->{errors} // 0);
        printf "%-22s %5d %9s %8s %8s %7s %8s %8s %9s\n", $label, $c,
            fmt($r->{rps}, '%.1f'), fmt($r->{p50}, '%.2f'), fmt($r->{p99}, '%.2f'),
            ($r->{p50} ? sprintf('%.1f', $r->{p99} / $r->{p50}) : 'n/a'),
            $bad . (defined $r->{errors} && $r->{errors} ? '*' : ''),
            $r->{rows}, fmt($r->{rt}, '%.2f');
    }
    if ($m{$c} && $p{$c} && $p{$c}{rps}) {
        printf "%-22s %5d %9s\n", 'ratio mod_leads/pgbench', $c,
            sprintf('%.3f', $m{$c}{rps} / $p{$c}{rps});
    }
    if ($m{$c} && $n{$c} && $n{$c}{rps}) {
        printf "%-22s %5d %9s\n", 'ratio endpoint/none', $c,
            sprintf('%.3f', $m{$c}{rps} / $n{$c}{rps});
    }
    if ($m{$c} && $scraped && $m{$c}{rps}) {
        printf "%-22s %5d %9s\n", 'ratio scraped/plain', $c,
            sprintf('%.3f', $scraped->{rps} / $m{$c}{rps});
    }
    print "\n";
}
print "no webhook endpoint: mod_leads for a second firm that has none (nothing to deliver);\n"
    . "  mod_leads (wrk): the firm with one endpoint, every create delivered.\n";
print "non-2xx: mod_leads = wrk's non-2xx/3xx count (+ socket errors, marked *);"
    . " pgbench = failed transactions + aborted clients.\n";
print "same, metrics 1/s: mod_leads again with /leads-metrics scraped every second.\n";
print "rows +: rows the run added to the leads table (must equal the 2xx / transactions).\n";
print "RT/create: statements (= round trips) per create, counted by pg_stat_statements\n"
    . "  during the run; mod_leads' request path only (the deliverer's are below).\n\n";

# --- per statement, at the lowest concurrency: calls per create and the
# server's execution time per call (pg_stat_statements total_exec_time)
{
    my $c = $conns[0];
    my ($mc, $mms) = calls_of("$res/mod_leads-$c.pss");
    my ($pc, $pms) = calls_of("$res/pgbench-$c.pss");
    my ($mn, $pn) = (($m{$c} // {})->{rows}, ($p{$c} // {})->{rows});
    if ($mn && $pn) {
        printf "statements at %d, calls per create x exec us per call:\n  %-20s %-22s %s\n",
            $c, '', 'mod_leads', 'pgbench';
        my %seen;
        for my $k (sort { ($mc->{$b} // 0) <=> ($mc->{$a} // 0) } grep { !$seen{$_}++ } keys %$mc, keys %$pc) {
            my $cell = sub {
                my ($calls, $ms, $n) = @_;
                return sprintf '%-22s', '-' unless $calls;
                sprintf '%-22s', sprintf('%.3f x %.1f', $calls / $n, 1000 * $ms / $calls);
            };
            printf "  %-20s %s %s\n", $k, $cell->($mc->{$k}, $mms->{$k}, $mn),
                ($pc->{$k} ? $cell->($pc->{$k}, $pms->{$k}, $pn) : '-');
        }
        print "  (pgbench's BEGIN/COMMIT go uncounted: pg_stat_statements misses prepared utility statements)\n\n";
    }
}

# --- where the CPU went
print "CPU per create (ms of CPU time, /proc/<pid>/stat; clients not counted):\n";
for my $c (@conns) {
    my ($r, $q) = ($m{$c}, $p{$c});
    if ($r && $r->{rows}) {
        printf "  mod_leads %2d: httpd %.3f, PostgreSQL %.3f (request path + deliverer),"
            . " receiver %.3f\n", $c, $r->{cpu_httpd} / $r->{rows},
            $r->{cpu_pg} / $r->{rows}, $r->{cpu_recv} / $r->{rows};
    }
    my $z = $n{$c};
    if ($z && $z->{rows}) {
        printf "  no endpoint %2d: httpd %.3f, PostgreSQL %.3f\n", $c,
            $z->{cpu_httpd} / $z->{rows}, $z->{cpu_pg} / $z->{rows};
    }
    if ($q && $q->{rows}) {
        printf "  pgbench   %2d: PostgreSQL %.3f\n", $c, $q->{cpu_pg} / $q->{rows};
    }
}
print "\n";

# --- what the 0.85 target leaves a delivery. The machine is saturated in
# both runs, so a create without an endpoint takes cpus x wall / creates of
# it (wrk included), and 0.85 allows a delivery 1/0.85 - 1 of that. The
# deliverer's thread (with the kernel's loopback work it does) and the
# receiver are the HTTP delivery itself: what is left of the allowance is
# all the database may spend on a delivery.
my ($floor, %best);
if ($g->{floor_rows} && $g->{floor_insert_ms} && $g->{floor_finish_ms}) {
    my ($ins, $fin) = map { $_ / $g->{floor_rows} } @$g{qw(floor_insert_ms floor_finish_ms)};
    $floor = $ins + $fin;
    printf "the database's least per delivery: %.3f ms (its row written %.3f, finished %.3f:"
        . " %d rows in one INSERT and one UPDATE on this database, quiet)\n",
        $floor, $ins, $fin, $g->{floor_rows};
}
print "what a delivery may cost at 0.85 (ms of the machine per create or delivery):\n";
for my $c (@conns) {
    my ($r, $z) = ($m{$c}, $n{$c});
    next unless $r && $z && $z->{rows} && $r->{rows} && $r->{sent};
    my $create = $g->{cpus} * $z->{wall} / $z->{rows};
    my $allowed = $create * (1 / 0.85 - 1);
    my $http = ($r->{dlv_us} // 0) / 1000 + $r->{cpu_recv} / $r->{sent};
    my $pg = $r->{cpu_pg} / $r->{rows} - $z->{cpu_pg} / $z->{rows};
    $best{$c} = $create / ($create + $http + $floor) if defined $floor;
    printf "  %2d: a create %.3f, so a delivery may take %.3f; its HTTP part (deliverer"
        . " thread + receiver) took %.3f, leaving %.3f for the database, which took %.3f;"
        . " the ratio if the database cost nothing: %.2f%s\n",
        $c, $create, $allowed, $http, $allowed - $http, $pg, $create / ($create + $http),
        defined $best{$c} ? sprintf(', at its least: %.2f', $best{$c}) : '';
}
print "\n";

# --- memory
my $growth = $g->{rss_warm_kb} ? 100 * ($g->{rss_end_kb} - $g->{rss_warm_kb}) / $g->{rss_warm_kb} : undef;
printf "httpd children RSS (sum of %s): %.1f MB after warm-up (%d creates), %.1f MB after %d creates: %+.2f %%%s\n",
    'ps --ppid', $g->{rss_warm_kb} / 1024, $g->{creates_warm}, $g->{rss_end_kb} / 1024,
    $g->{creates_end}, $growth // 0,
    ($g->{rss_warm_pids} eq $g->{rss_end_pids} ? '' : ' (children changed: pids differ!)');
print "  per child (pid:kB): after warm-up $g->{rss_warm_each}; at the end $g->{rss_end_each}"
    . " (the webhook deliverer runs in $g->{deliverer_pid})\n";

my @trend = map { sprintf '%s %.1f', $_->[0], $_->[1] / 1024 }
    grep { $_->[1] } map { [ $_, (env_of($_) // {})->{rss_after_kb} ] }
    ('warmup', (map { "mod_leads-$_" } @conns), map { "topup-$_" } 1 .. 9);
print "  MB after each mod_leads run: ", join(', ', @trend), "\n";

# --- webhooks
print "\nwebhooks, latency = receive time at the receiver - the lead's data.created_at"
    . " (ms, stamped by mod_leads before its transaction):\n";
for my $c (@conns) {
    my $r = $m{$c} or next;
    printf "  %2d conns: p50 %s ms, p99 %s ms over %d events; %.1f deliveries/s received"
        . " vs %.1f creates/s; %d pending at the end (%.2f s of creates), drained %.1f s later;"
        . " deliverer %s RT/delivery, its thread %s us CPU/delivery\n",
        $c, fmt($r->{wp50}, '%d'), fmt($r->{wp99}, '%d'), $r->{wn}, $r->{wrate} // 0,
        $r->{ok} / $r->{secs}, $r->{pending}, $r->{pending} / ($r->{ok} / $r->{secs}),
        $r->{drain}, fmt($r->{rt_dlv}, '%.2f'),
        fmt($r->{dlv_us}, '%d');
}
for my $c (@conns) {
    my $r = $m{$c} or next;
    my $calls = calls_of("$res/mod_leads-$c.pss");
    my $dn = $r->{sent} or next;
    printf "  %2d conns, deliverer statements per delivery (pg_stat_statements): %s\n", $c,
        join(', ', map { sprintf '%s %.4f', $_, $calls->{$_} / $dn }
                   grep { $calls->{$_} } sort keys %DELIVERER) || 'none';
}
if (my $e = env_of('probe')) {
    my ($p50, $p99, undef, $n) = webhooks_in($e->{t0}, $e->{t1});
    printf "  unloaded (one create every ~50 ms): p50 %s ms, p99 %s ms over %d events\n",
        fmt($p50, '%d'), fmt($p99, '%d'), $n;
}
my $unique = scalar keys %first;
printf "  all runs: %d deliveries received for %d creates (%d repeats), %d failed,"
    . " %d still pending when the bench stopped (the top-up does not wait for them)\n",
    $unique, $g->{creates_end}, $dups // 0, $g->{failed_deliveries}, $g->{pending_end};
printf "  httpd error log: %d errors, %d warnings\n", $g->{log_errors} || 0, $g->{log_warnings} || 0;

# --- targets
print "\ntargets (reported, not asserted):\n";
sub verdict { $_[0] ? 'met' : 'MISSED' }
for my $c (@conns) {
    next unless $m{$c} && $p{$c} && $p{$c}{rps};
    my $ratio = $m{$c}{rps} / $p{$c}{rps};
    printf "  mod_leads >= 0.85 x pgbench at %d: %.3f  %s\n", $c, $ratio, verdict($ratio >= 0.85);
}
for my $c (@conns) {
    next unless $m{$c} && $n{$c} && $n{$c}{rps};
    my $ratio = $m{$c}{rps} / $n{$c}{rps};
    printf "  endpoint >= 0.85 x no endpoint at %d: %.3f  %s%s\n", $c, $ratio,
        verdict($ratio >= 0.85),
        defined $best{$c} ? sprintf(' (at best %.2f on this machine, above)', $best{$c}) : '';
    my $r = $m{$c};
    my $backlog = $r->{pending} / ($r->{ok} / $r->{secs});
    printf "  backlog at the end at %d < 1 s of creates: %.2f s  %s\n", $c, $backlog,
        verdict($backlog < 1);
}
my $sock = 0;
$sock += $_->{errors} for grep { $_ } values(%m), values(%n);
printf "  no socket errors (wrk connect/read/write/timeout): %d  %s\n", $sock, verdict($sock == 0);
if (my $r = $m{16}) {
    printf "  p99 <= 3 x p50 at 16: %.2f / %.2f ms = %.1f  %s\n", $r->{p99}, $r->{p50},
        $r->{p99} / $r->{p50}, verdict($r->{p99} <= 3 * $r->{p50});
}
my $bad = 0;
$bad += $_->{non2xx} + $_->{errors} for grep { $_ } values(%m), values(%n);
printf "  no non-2xx: %d  %s\n", $bad, verdict($bad == 0);
printf "  RSS growth < 5 %% over %d creates: %+.2f %%  %s\n", $g->{creates_end} - $g->{creates_warm},
    $growth // 0, verdict(defined $growth && $growth < 5);
for my $c (@conns) {
    my $r = $m{$c} or next;
    my $pace = $r->{wrate} && $r->{wrate} >= 0.95 * $r->{ok} / $r->{secs};
    printf "  webhooks at %d: p50 %s ms <= 50 %s; keep pace (>= 95 %% of creates/s) %s\n", $c,
        fmt($r->{wp50}, '%d'), verdict(defined $r->{wp50} && $r->{wp50} <= 50), verdict($pace);
}

print <<'EOF';

how pgbench's run differs from mod_leads' (the same statements otherwise):
  * statements: KEY_BY_HASH; CREATE_CLAIMED (the claim, the lead and the
    outbox rows in one statement; BEGIN; IDEM_CLAIM; LEAD_INSERT;
    OUTBOX_INSERT; COMMIT for a module without it): the module's text from
    mod_leads/core/leads_dialect.c (build/bench/leads-sql), in the module's
    order; the profile cache is warm in both.
  * preparing: apr_dbd PREPAREs each statement once per connection with every
    %s declared varchar; pgbench -M prepared prepares them once per client,
    each %s written as `:var::varchar` (the same parameter type). BEGIN and
    COMMIT are simple queries in mod_leads, prepared ones in pgbench.
  * values: constants (firm, stage, member, endpoint, names, the stored 201
    answer and the event body of a real create) are bound parameters; values
    that change per transaction are SQL expressions where the %s was: ids
    (lead, event; the delivery's too where the module binds it) =
    lpad(to_hex(:n), 31, '0') || 'K' with :n rising
    per client (time-ordered like UUIDv7), timestamps = now(), the
    Idempotency-Key hash = a random bigint (random index position like a
    SHA-256), next_attempt_at = now() + 1000 years so mod_leads' deliverer
    never picks pgbench's outbox rows; the three empty strings the module
    binds (ignored fields, source id, external id) are '' literals (pgbench
    -D cannot set an empty variable).
  * connections: pgbench holds one per client (16 or 64 backends);
    mod_leads' pool is DBDMax 4 per child, 8 in all at either
    concurrency (and the deliverer's, from the same pool).
  * mod_leads also does, and pgbench does not: HTTP, JSON parse/validate,
    SHA-256 of key and body, UUIDv7s, the answer; and its deliverer sends
    the webhooks during the run (its statements are not in RT/create).
EOF
