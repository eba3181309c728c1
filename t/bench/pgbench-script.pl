#!/usr/bin/perl
# Writes the pgbench script of `make bench`: the statements one API-mode
# create runs with a warm profile cache, in the order it runs them
# (leads_handler.c authenticate -> leads_store.c create_work), taken from
# the module's own statement table through build/bench/leads-sql:
#
#   KEY_BY_HASH; CREATE_CLAIMED (claim, lead and outbox rows in one
#   statement), or, in modules without it, KEY_BY_HASH; BEGIN; IDEM_CLAIM;
#   LEAD_INSERT; OUTBOX_INSERT (DELIVERY_INSERT in older ones); COMMIT
#
# The SQL text is the module's, except each apr_dbd %s placeholder, which
# becomes what apr_dbd makes of it: a bind parameter typed varchar (the
# pgsql driver PREPAREs every %s as varchar). Constant values are pgbench
# variables (-D, see run.sh); values that must change per transaction are
# SQL expressions over pgbench's integer variables in the placeholder's
# place, each yielding a varchar exactly where the module binds one:
#
#   ids (lead, delivery, event): (lpad(to_hex(:n::bigint), 31, '0') || 'K')::varchar
#       with :n increasing per client (time-ordered, like the module's UUIDv7)
#   timestamps:                  now()::varchar
#   Idempotency-Key hash:        :kh::varchar, a random bigint (random
#                                position in the primary key, like a SHA-256)
#   the empty strings (ignored, no source, no external id): ''::varchar
#
#   usage: pgbench-script.pl LEADS_SQL_BINARY
use strict;
use warnings;

my $leads_sql = shift or die "usage: pgbench-script.pl LEADS_SQL_BINARY\n";

sub sql_of {
    my ($name) = @_;
    my $sql = `"$leads_sql" pgsql $name`;
    die "pgbench-script.pl: leads-sql pgsql $name failed\n" if $? != 0;
    chomp $sql;
    return $sql;
}

sub var { ":$_[0]::varchar" }
# pgbench -D cannot define an empty variable: the module's "" is a literal
my $empty   = "''::varchar";
sub id  { "(lpad(to_hex(:n::bigint), 31, '0') || '$_[0]')::varchar" }
my $hex3    = "(lpad(to_hex(:n::bigint), 31, '0') || '3')";
my $now     = 'now()::varchar';
my $expires = "(now() + interval '1 day')::varchar";
# pgbench's outbox rows must never be due: mod_leads' deliverer would send them
my $parked  = "(now() + interval '1000 years')::varchar";

my %have = map { (split /\t/)[0] => 1 } `"$leads_sql" pgsql --list`;
die "pgbench-script.pl: leads-sql pgsql --list failed\n" if $? != 0;

# One entry per %s, in the order of the args[] that leads_store.c binds.
# claim_args(): scope, key hash, fingerprint, status, body, ignored, lead
# id, created_at, expires_at
my @claim = (var('scope'), ':kh::varchar', var('fingerprint'), var('status'),
             var('idem_body'), $empty, id(1), $now, $expires);
# lead_args(): id, firm, first, last, email, phone, source, stage,
# assignee, data, created_at, last_activity_at, source id, external id
my @lead = (id(1), var('firm'), var('first'), var('last'), var('email'),
            var('phone'), var('source'), var('stage'), var('member'),
            var('data'), $now, $now, $empty, $empty);
my @plan = $have{CREATE_CLAIMED}
    ? ([ KEY_BY_HASH => [ var('key_hash') ] ],
       # create_at_once(): the claim's, the lead's, the outbox's
       [ CREATE_CLAIMED => [ @claim, @lead, @{ outbox_step()->[1] } ] ])
    : ([ KEY_BY_HASH => [ var('key_hash') ] ],
       [ BEGIN => [] ],
       [ IDEM_CLAIM => \@claim ],
       [ LEAD_INSERT => \@lead ],
       outbox_step(),
       [ COMMIT => [] ]);

# The outbox statement: one INSERT ... SELECT over the firm's subscribed
# endpoints (OUTBOX_INSERT), or, in older modules, one INSERT per endpoint
# (DELIVERY_INSERT; the bench has one endpoint).
sub outbox_step {
    # outbox_insert(): [the event's prefix,] event id, type, body, next_attempt_at, created_at,
    # updated_at, [lease owner, lease until,] firm, then the event and three
    # LIKE patterns naming it. The lease (schema 7 on): the module's rows
    # are leased to its deliverer; pgbench's are parked by next_attempt_at
    # and unleased ('', as the module binds when the ring is full): a
    # parked lease would count against the endpoint's share in the sweep
    my @lease = ($have{DELIVERIES_FRESH} ? ($empty, $empty) : ());
    # Schema 9 on: first the event id's prefix (leads_uuid_prefix(), its
    # first 19 characters, dashed), which the delivery's id begins with.
    my @prefix = (sql_of('OUTBOX_INSERT') =~ /^\S+ \S+ \S+ \(.*?\) SELECT CAST\(%s \|\|/s
                  ? ("(substr($hex3, 1, 8) || '-' || substr($hex3, 9, 4) || '-' || "
                     . "substr($hex3, 13, 4) || '-')::varchar") : ());
    return [ OUTBOX_INSERT => [ @prefix, id(3), var('event_type'), var('event_body'),
                                $parked, $now, $now, @lease, var('firm'),
                                var('event_type'), var('ev_first'),
                                var('ev_last'), var('ev_middle') ] ]
        if $have{OUTBOX_INSERT};
    # outbox_insert(): id, event id, type, endpoint, firm, body,
    # next_attempt_at, created_at, updated_at
    return [ DELIVERY_INSERT => [ id(2), id(3), var('event_type'),
                                  var('endpoint'), var('firm'),
                                  var('event_body'), $parked, $now, $now ] ]
        if $have{DELIVERY_INSERT};
    die "pgbench-script.pl: the module has neither OUTBOX_INSERT nor "
        . "DELIVERY_INSERT: leads_store.c changed? update the plan\n";
}

print "-- generated by t/bench/pgbench-script.pl from mod_leads/core/leads_dialect.c\n";
print "\\set kh random(1, 9223372036854775806)\n";
print "\\set seq :seq + 1\n";
print "\\set n :base + :seq * 1024 + :client_id\n";
for my $step (@plan) {
    my ($name, $args) = @$step;
    # COMMIT is a literal in leads_store.c (leads_db_exec(db, "COMMIT"))
    my $sql = $name eq 'COMMIT' ? 'COMMIT' : sql_of($name);
    my $want = () = $sql =~ /%s/g;
    die "pgbench-script.pl: $name has $want placeholders, the plan has "
        . scalar(@$args) . ": leads_store.c changed? update the plan\n"
        if $want != @$args;
    my $i = 0;
    $sql =~ s/%s/$args->[$i++]/g;
    print "$sql;\n";
}
