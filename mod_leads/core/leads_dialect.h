/* The SQL the request path runs, one table per backend, chosen once by the
 * apr_dbd driver name. Statements use apr_dbd placeholders (%s). */
#ifndef LEADS_DIALECT_H
#define LEADS_DIALECT_H

typedef enum {
    LEADS_SQL_KEY_BY_HASH,      /* key hash -> id, firm_id, scopes, enabled */
    LEADS_SQL_FIRST_OPEN_STAGE, /* firm -> id, key, name of the first open stage */
    LEADS_SQL_FIELDS,           /* firm -> name, type, choices, required */
    LEADS_SQL_MEMBERS,          /* firm -> id */
    LEADS_SQL_LEAD_INSERT,      /* see lead_insert() in leads_store.c; nrows 0:
                                   (source, external id) exists */
    LEADS_SQL_IDEM_GET,         /* now, scope, key hash -> fingerprint, status,
                                   body, ignored, live (1/0) */
    LEADS_SQL_IDEM_DELETE,      /* scope, key hash, now: drop an expired one */
    LEADS_SQL_IDEM_CLAIM,       /* insert unless present (nrows 0 = taken) */
    LEADS_SQL_IDEM_PURGE,       /* now: drop up to 1000 expired records */
    LEADS_SQL_SOURCE_BY_HASH,   /* key hash -> id, firm_id, name, mapping,
                                   enabled, kind, origins, redirect_url,
                                   honeypot, captcha, captcha_secret */
    LEADS_SQL_LEAD_BY_EXTERNAL, /* source, external id -> lead id */
    LEADS_SQL_OUTBOX_INSERT,    /* one delivery per enabled endpoint of the
                                   firm subscribed to the event: event id,
                                   type, body, now x3, firm, type, and the
                                   LIKE patterns "type,%", "%,type",
                                   "%,type,%" (nrows = deliveries) */
    LEADS_SQL_DELIVERY_LEASE,   /* token, until, now, now, now, now, cap,
                                   max, now, now: lease up to max due, unleased
                                   deliveries of enabled endpoints, no
                                   endpoint beyond cap leased at once (nrows) */
    LEADS_SQL_DELIVERY_LEASED,  /* token -> id, event_id, body, attempts, url,
                                   secret, endpoint_id, previous secret
                                   while its grace lasts (NULL where
                                   DELIVERY_LEASE is a select giving these
                                   rows itself) */
    LEADS_SQL_ATTEMPTS_RECORD,  /* outcomes (JSON array, see leads_outbox.c)
                                   -> one attempt row each (NULL where
                                   DELIVERIES_FINISH records them too) */
    LEADS_SQL_DELIVERIES_FINISH,/* outcomes -> each delivery still leased
                                   under its token moved on, lease released */
    LEADS_SQL_CREATE_CLAIMED,   /* IDEM_CLAIM, LEAD_INSERT, OUTBOX_INSERT's
                                   parameters -> claimed, leads, deliveries
                                   (one statement; NULL where the dialect
                                   has none) */
    LEADS_SQL_CREATE_PLAIN,     /* LEAD_INSERT, OUTBOX_INSERT's -> 1, leads,
                                   deliveries (likewise) */
    LEADS_SQL_LEAD_EXISTS,      /* lead id -> a row if it is stored */
    LEADS_SQL_OUTBOX_STATS,     /* -> pending deliveries, seconds since the
                                   oldest pending one was made (0 when
                                   none), disabled endpoints, pending
                                   deliveries held by disabled endpoints */
    LEADS_SQL_DELIVERIES_RELEASE,/* "owner:%" -> pending deliveries leased by
                                   that deliverer made free at once */
    LEADS_SQL_DELIVERY_CANDIDATES,/* now, now, now, now, cap, max -> the ids
                                   DELIVERY_LEASE would take, read without
                                   locks; where not NULL, DELIVERY_LEASE
                                   takes them as a JSON array instead:
                                   ids, token, until, now, now (InnoDB would
                                   lock every row the fair choice reads,
                                   and deadlock with creates) */
    LEADS_SQL_ENDPOINTS_FAILING,/* outcomes -> failing_since set on each
                                   endpoint with a failed attempt, unless
                                   it is failing already */
    LEADS_SQL_ENDPOINTS_RECOVERED,/* -> failing_since cleared on enabled
                                   endpoints delivered to since */
    LEADS_SQL_ENDPOINTS_OVERDUE,/* cutoff -> id, failing_since of enabled
                                   endpoints failing since before it */
    LEADS_SQL_ENDPOINT_DISABLE, /* id, cutoff -> disabled if still so (nrows) */
    LEADS_SQL_DELIVERIES_EXPIRE,/* cutoff -> up to 500 delivered or failed
                                   deliveries last changed before it
                                   deleted, their attempts with them (nrows) */
    LEADS_SQL_DELIVERIES_FRESH, /* event ids (JSON array), lease owner ->
                                   DELIVERY_LEASED's columns of the pending
                                   deliveries of those events the creates
                                   leased to that owner (enabled endpoints) */
    LEADS_SQL_DELIVERIES_UNLEASE,/* delivery ids (JSON array), owner ->
                                   their leases given up, for the sweep */
    LEADS_SQL_EVENT_UNLEASE,    /* event id, owner -> its deliveries' leases
                                   given up (the ring filled meanwhile) */
    LEADS_SQL_COUNT
} leads_sql_e;

/* How a timestamp is passed to the database as text. */
typedef enum {
    LEADS_TIME_ISO_Z,           /* 2026-06-24T10:00:00.000Z */
    LEADS_TIME_SQL_UTC          /* 2026-06-24 10:00:00.000 (UTC by convention) */
} leads_time_style_e;

typedef struct {
    const char *driver;                 /* apr_dbd driver name */
    const char *begin;                  /* opens a write transaction */
    leads_time_style_e time_style;
    int stale_statements;               /* prepared statements may go stale:
                                           a failure is tried again on
                                           statements prepared anew */
    const char *deallocate;             /* "DEALLOCATE " where the server
                                           holds them by name, or NULL */
    const char *connection_setup[3];    /* run once per new connection */
    int setup_returns_rows;             /* run them as selects (PRAGMAs) */
    int busy_code;                      /* the driver's "locked, try again"
                                           result for BEGIN, or 0 */
    int native_sqlite3;                 /* the handle is a sqlite3 *: its
                                           error codes and read-only state
                                           are read from it */
    const char *sql[LEADS_SQL_COUNT];
    const char *label[LEADS_SQL_COUNT]; /* prepared statement names */
    int conflict_codes[3];              /* errors of a transaction that lost
                                           to another (deadlock, lock wait
                                           timeout, a Galera certification
                                           failure): the unit of work is
                                           rolled back and run again; 0 ends */
    int unavailable_codes[2];           /* errors of a server that takes no
                                           statements now (a Galera node not
                                           yet synced): 503; 0 ends */
    const char *cluster_probe;          /* one value, "1" on a node of a
                                           cluster that needs cluster_setup;
                                           an error: not such a server */
    const char *cluster_setup;          /* run then, once per connection */
    const char *plan_now;               /* in a transaction: the statements
                                           after it are planned for the
                                           table as it is now, not by a
                                           plan cached when it was small;
                                           NULL where nothing caches one */
    int finish_apart;                   /* the deliverer's finish may run on
                                           a thread of its own, beside its
                                           lease: it locks only the rows it
                                           changes (not so MySQL's UPDATE
                                           ... JOIN, which locks what it
                                           scans, nor SQLite's one writer) */
} leads_dialect_t;

/* The dialect of an apr_dbd driver, or NULL when it is not supported. */
const leads_dialect_t *leads_dialect_for(const char *driver);

#endif
