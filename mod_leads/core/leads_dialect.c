/* All request-path and maintenance SQL, per backend, in one place. Schemas
 * are in sql/<driver>/. Statement order is leads_sql_e's. */
#include <string.h>

#include <apr_general.h>

#include "leads_dialect.h"
#include "leads_uuid.h"

#define LEADS_LABELS { \
    "leads_key_by_hash", "leads_first_open_stage", "leads_fields", \
    "leads_members", "leads_lead_insert", "leads_idem_get", \
    "leads_idem_delete", "leads_idem_claim", "leads_idem_purge", \
    "leads_source_by_hash", "leads_lead_by_external", \
    "leads_outbox_insert", "leads_delivery_lease", "leads_delivery_leased", \
    "leads_attempts_record", "leads_deliveries_finish", \
    "leads_create_claimed", "leads_create_plain", "leads_lead_exists", \
    "leads_outbox_stats", "leads_deliveries_release", \
    "leads_delivery_candidates", "leads_endpoints_failing", "leads_endpoints_recovered", \
    "leads_endpoints_overdue", "leads_endpoint_disable", \
    "leads_deliveries_expire", "leads_deliveries_fresh", \
    "leads_deliveries_unlease", "leads_event_unlease" }

#define LEAD_COLUMNS \
    "(id, firm_id, first_name, last_name, email, phone, source, stage_id," \
    " assignee_id, data, created_at, last_activity_at, source_id, external_id)"

/* A fresh delivery is written already leased to the creating httpd's
 * deliverer (lease_owner, lease_until; both empty when it is not). */
#define DELIVERY_COLUMNS \
    "(id, event_id, event_type, endpoint_id, firm_id, body, status, attempts," \
    " next_attempt_at, created_at, updated_at, lease_owner, lease_until)"

/* Endpoints subscribed to an event: "*" or a comma list naming it. The
 * outbox rows are written from them in the create's own transaction, in
 * one statement, so subscription changes apply to the very next lead. */
#define SUBSCRIBED \
    " AND (events = '*' OR events = %s OR events LIKE %s OR events LIKE %s" \
    " OR events LIKE %s)"

/* An attempt is recorded only while its delivery exists: `leadsctl lead
 * erase` may have removed it (and its lead) while it was being sent. */
#define ATTEMPT_DELIVERY_EXISTS(id) \
    " WHERE EXISTS (SELECT 1 FROM webhook_deliveries x WHERE x.id = " id ")"

/* Fresh deliveries the deliverer will not queue (their endpoint has its
 * share queued already) go back to the sweep at once, not when their
 * lease runs out. */
#define UNLEASE_WHERE(join, d) " " join " " d "lease_owner = %s"

/* An event's deliveries are one range of the primary key (leads_uuid.h):
 * the ids that begin with the event id's prefix, PREFIX_OF(event) ||
 * RANGE_LO to PREFIX_OF(event) || RANGE_HI. Another event of the same
 * millisecond may share it, so the event id is compared too. */
#define PREFIX_OF(v) \
    "substr(" v ", 1, " APR_STRINGIFY(LEADS_UUID_PREFIX_LEN) ")"
#define RANGE_LO "'" LEADS_UUID_TAIL_LO "'"
#define RANGE_HI "'" LEADS_UUID_TAIL_HI "'"

/* A create's deliveries, leased to a deliverer the ring could not tell
 * after all (it filled between the check and the push): for the sweep.
 * Parameters: the range's ends, the event, the owner. */
#define EVENT_UNLEASE \
    "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL" \
    " WHERE id BETWEEN %s AND %s AND event_id = %s" UNLEASE_WHERE("AND", "")

/* Only a failed attempt gets a row of its own: a success is recorded on
 * its delivery (delivered_at, last_http_status, last_duration_ms). */
#define ATTEMPT_FAILED(outcome) " AND " outcome " = 'error'"

#define ATTEMPT_COLUMNS \
    "(id, delivery_id, attempt, started_at, duration_ms, http_status, error," \
    " outcome)"

/* Due and free to lease: pending, its time come, no live lease. The
 * parameters are now, now. */
#define DELIVERY_DUE(time) \
    " status = 'pending' AND next_attempt_at <= " time \
    " AND (lease_until IS NULL OR lease_until < " time ")"

/* Fairness (SPEC §7.1): the due deliveries of enabled endpoints, at most
 * `cap` leased per endpoint at once counting those leased already (in
 * flight or queued on any host), so one endpoint's backlog never fills
 * the batch. A lease is only ever taken on a due row, so one pass over
 * the due rows (the due index's range), leased or not, finds both: `busy`
 * is a window sum, not a joined aggregate (MariaDB pushed the join into
 * such an aggregate and ran it again for every due row: seconds a lease
 * under a backlog of a few thousand rows, the deliverer idle meanwhile).
 * Parameters: now x4, cap, max; `cap` must read as a number (sqlite3
 * holds any text greater than a number). */
#define LEASED_NOW(time) "CASE WHEN d.lease_until >= " time " THEN 1 ELSE 0 END"
#define FAIR_DUE(time, cap, count, enabled) \
    "SELECT id FROM (SELECT d.id, d.next_attempt_at, ROW_NUMBER() OVER" \
    " (PARTITION BY d.endpoint_id, " LEASED_NOW(time) \
    " ORDER BY d.next_attempt_at, d.id) AS rn, SUM(" LEASED_NOW(time) ")" \
    " OVER (PARTITION BY d.endpoint_id) AS busy, " LEASED_NOW(time) \
    " AS leased FROM webhook_deliveries d" \
    " JOIN webhook_endpoints e ON e.id = d.endpoint_id" \
    " WHERE " enabled " AND d.status = 'pending' AND d.next_attempt_at <= " \
    time ") w WHERE leased = 0 AND rn + busy <= " cap \
    " ORDER BY next_attempt_at LIMIT " count

/* A leased delivery and what signs it: the previous secret only while the
 * grace of its rotation lasts (the database's clock). */
#define LEASED_COLUMNS(p, now) \
    p "id, " p "event_id, " p "body, " p "attempts, e.url, e.secret, " \
    p "endpoint_id, CASE WHEN e.previous_secret_until > " now \
    " THEN e.previous_secret END"

#define DELIVERY_LEASED(now) \
    "SELECT " LEASED_COLUMNS("d.", now) \
    " FROM webhook_deliveries d JOIN webhook_endpoints e" \
    " ON e.id = d.endpoint_id WHERE d.lease_owner = %s"

/* The fresh deliveries of the events the ring named, each a range of the
 * primary key: the deliverer's only statement before it sends them.
 * Parameters: the event ids (a JSON array: `events` its rows, `event_v`
 * an id, `lo` and `hi` the ends of its range), then the owner. The ids
 * drive the join, one index lookup each, whatever the planner believes of
 * a queue table whose statistics are always behind (left to choose,
 * PostgreSQL scanned the backlog). Only a pending delivery holds a lease:
 * the finish clears it. */
#define DELIVERIES_FRESH(now, events, join, event_v, lo, hi, enabled) \
    "SELECT " LEASED_COLUMNS("d.", now) " FROM " events " " join \
    " webhook_deliveries d ON d.id BETWEEN " lo " AND " hi \
    " AND d.event_id = " event_v \
    " JOIN webhook_endpoints e ON e.id = d.endpoint_id" \
    " WHERE d.lease_owner = %s AND " enabled

/* Finished deliveries older than the retention, 500 a statement. */
#define EXPIRE_LIMIT " LIMIT 500"

/* An endpoint delivered to since it began failing is not failing. */
#define ENDPOINTS_RECOVERED(enabled) \
    "UPDATE webhook_endpoints SET failing_since = NULL" \
    " WHERE failing_since IS NOT NULL AND " enabled " AND EXISTS (SELECT 1" \
    " FROM webhook_deliveries d WHERE d.endpoint_id = webhook_endpoints.id" \
    " AND d.status = 'delivered'" \
    " AND d.delivered_at >= webhook_endpoints.failing_since)"

/* A batch of outcomes is one JSON array parameter; these are its fields. */
#define FINISH_SET(d, r) \
    " " d "status = " r "status, " d "attempts = " d "attempts + 1, " \
    d "next_attempt_at = " r "next_at, " d "last_http_status = " r "http, " \
    d "last_error = " r "error, " d "updated_at = " r "now_at, " \
    d "delivered_at = " r "delivered_at, " d "last_duration_ms = " r "ms, " \
    d "lease_owner = NULL, " \
    d "lease_until = NULL"

#define IDEM_COLUMNS \
    "(scope, key_hash, fingerprint, status, body, ignored, lead_id," \
    " created_at, expires_at)"

/* A stopping deliverer's leases, given up so another host or child takes
 * them over at once instead of when they run out. */
#define DELIVERIES_RELEASE \
    "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL" \
    " WHERE status = 'pending' AND lease_owner LIKE %s"

/* The outbox figures: the pending deliveries, the oldest one's age in
 * seconds (`age`, of MIN(d.created_at)), the disabled endpoints, and the
 * pending deliveries they hold. One pass over the pending rows, driven
 * by the due index (`join` keeps the deliveries first): under load that
 * index holds an entry for every row finished since the last vacuum,
 * and three passes over it took hundreds of milliseconds every 5 s. */
#define OUTBOX_STATS(age, join, disabled) \
    "SELECT COUNT(*), COALESCE(" age ", 0), (SELECT COUNT(*) FROM" \
    " webhook_endpoints e WHERE " disabled "), COALESCE(SUM(CASE WHEN " \
    disabled " THEN 1 ELSE 0 END), 0) FROM webhook_deliveries d " join \
    " webhook_endpoints e ON e.id = d.endpoint_id WHERE d.status = 'pending'"

/* Statements mysql and sqlite3 both take as written. */
#define LEAD_EXISTS_PLAIN "SELECT 1 FROM leads WHERE id = %s"

#define IDEM_GET_PLAIN \
    "SELECT fingerprint, status, body, ignored," \
    " CASE WHEN expires_at > %s THEN 1 ELSE 0 END" \
    " FROM idempotency_keys WHERE scope = %s AND key_hash = %s"

#define IDEM_DELETE_PLAIN \
    "DELETE FROM idempotency_keys WHERE scope = %s AND key_hash = %s" \
    " AND expires_at <= %s"

/* From LEADS_SQL_SOURCE_BY_HASH to LEADS_SQL_OUTBOX_INSERT; DELIVERY_ID
 * is the dialect's expression for a delivery's id from its event's
 * prefix (a parameter) and random bits, defined before each use. */
#define INGEST_PLAIN \
    "SELECT id, firm_id, name, mapping, enabled, kind, origins," \
    " redirect_url, honeypot, captcha, captcha_secret FROM sources" \
    " WHERE key_hash = %s", \
    "SELECT id FROM leads WHERE source_id = %s AND external_id = %s", \
    "INSERT INTO webhook_deliveries " DELIVERY_COLUMNS \
    " SELECT " DELIVERY_ID ", %s, %s, id, firm_id, %s, 'pending', 0," \
    " %s, %s, %s," \
    " NULLIF(%s, ''), NULLIF(%s, '')" \
    " FROM webhook_endpoints WHERE firm_id = %s AND enabled = 1" SUBSCRIBED

/* pgsql's writes of a create, each usable alone or as a step of the
 * one-statement creates below. */
#define PG_LEAD_VALUES \
    "CAST(%s AS uuid), CAST(%s AS uuid), %s, %s, %s, %s, %s," \
    " CAST(%s AS uuid), CAST(NULLIF(%s, '') AS uuid), CAST(%s AS jsonb)," \
    " CAST(%s AS timestamptz), CAST(%s AS timestamptz)," \
    " CAST(NULLIF(%s, '') AS uuid), NULLIF(%s, '')"
#define PG_IDEM_CLAIM \
    "INSERT INTO idempotency_keys " IDEM_COLUMNS \
    " VALUES (%s, %s, %s, CAST(%s AS integer), %s, %s, CAST(%s AS uuid)," \
    " CAST(%s AS timestamptz), CAST(%s AS timestamptz))" \
    " ON CONFLICT DO NOTHING"
#define PG_OUTBOX_INSERT \
    "INSERT INTO webhook_deliveries " DELIVERY_COLUMNS \
    " SELECT CAST(%s || substr(CAST(gen_random_uuid() AS text), 20) AS uuid)," \
    " CAST(%s AS uuid), %s, id, firm_id, %s," \
    " 'pending', 0, CAST(%s AS timestamptz), CAST(%s AS timestamptz)," \
    " CAST(%s AS timestamptz), NULLIF(%s, '')," \
    " CAST(NULLIF(%s, '') AS timestamptz) FROM webhook_endpoints" \
    " WHERE firm_id = CAST(%s AS uuid) AND enabled" SUBSCRIBED

/* A whole API-mode create as one statement, its own transaction: one
 * round trip instead of BEGIN, three INSERTs and COMMIT. Each step runs
 * only if the one before wrote its row (a taken Idempotency-Key writes
 * nothing); the row counts come back. Parameters: the claim's, the
 * lead's, the outbox's. */
#define PG_CREATE_LEAD(after) \
    "lead AS (INSERT INTO leads " LEAD_COLUMNS " SELECT " PG_LEAD_VALUES \
    after " ON CONFLICT DO NOTHING RETURNING 1)," \
    " outbox AS (" PG_OUTBOX_INSERT " AND EXISTS (SELECT 1 FROM lead)" \
    " RETURNING 1)"
#define PG_COUNT(cte) "(SELECT count(*) FROM " cte ")"

/* The pgsql driver declares every %s parameter varchar: cast to column types. */
static const leads_dialect_t dialect_pgsql = {
    "pgsql", "BEGIN", LEADS_TIME_ISO_Z, 1, "DEALLOCATE ",
    { NULL }, 0, 0, 0,
    {
        "SELECT id, firm_id, scopes, enabled FROM api_keys WHERE key_hash = %s",
        "SELECT id, key, name FROM stages"
        " WHERE firm_id = CAST(%s AS uuid) AND NOT closed"
        " ORDER BY position, key LIMIT 1",
        "SELECT name, type, choices, required FROM fields"
        " WHERE firm_id = CAST(%s AS uuid) ORDER BY name",
        "SELECT id FROM members WHERE firm_id = CAST(%s AS uuid)",
        "INSERT INTO leads " LEAD_COLUMNS " VALUES (" PG_LEAD_VALUES ")"
        " ON CONFLICT DO NOTHING",
        "SELECT fingerprint, status, body, ignored,"
        " CASE WHEN expires_at > CAST(%s AS timestamptz) THEN 1 ELSE 0 END"
        " FROM idempotency_keys WHERE scope = %s AND key_hash = %s",
        "DELETE FROM idempotency_keys WHERE scope = %s AND key_hash = %s"
        " AND expires_at <= CAST(%s AS timestamptz)",
        PG_IDEM_CLAIM,
        "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM"
        " idempotency_keys WHERE expires_at <= CAST(%s AS timestamptz)"
        " LIMIT 1000)",
        "SELECT id, firm_id, name, mapping, enabled, kind, origins,"
        " redirect_url, honeypot, captcha, captcha_secret FROM sources"
        " WHERE key_hash = %s",
        "SELECT id FROM leads WHERE source_id = CAST(%s AS uuid)"
        " AND external_id = %s",
        PG_OUTBOX_INSERT,
        /* one round trip, and no index on lease_owner to maintain */
        "WITH l AS (UPDATE webhook_deliveries SET lease_owner = %s,"
        " lease_until = CAST(%s AS timestamptz) WHERE id IN (SELECT id"
        " FROM webhook_deliveries WHERE id IN ("
        FAIR_DUE("CAST(%s AS timestamptz)", "CAST(%s AS integer)",
                 "CAST(%s AS integer)", "e.enabled")
        ") AND" DELIVERY_DUE("CAST(%s AS timestamptz)")
        " FOR UPDATE SKIP LOCKED)"
        " RETURNING id, event_id, body, attempts, endpoint_id)"
        " SELECT " LEASED_COLUMNS("l.", "now()")
        " FROM l JOIN webhook_endpoints e ON e.id = l.endpoint_id",
        NULL,                           /* in DELIVERY_LEASE */
        NULL,                           /* in DELIVERIES_FINISH */
        /* attempts and deliveries in one statement, its own transaction;
         * json, not jsonb: read once, its text needs no binary copy */
        "WITH r AS (SELECT * FROM json_to_recordset(CAST(%s AS json))"
        " AS r(attempt_id uuid, id uuid, token text, attempt integer,"
        " started timestamptz, ms integer, http integer, error text,"
        " outcome text, status text, next_at timestamptz,"
        " now_at timestamptz, delivered_at timestamptz)),"
        " a AS (INSERT INTO webhook_attempts " ATTEMPT_COLUMNS
        " SELECT attempt_id, id, attempt, started, ms, http, error, outcome"
        " FROM r" ATTEMPT_DELIVERY_EXISTS("r.id")
        ATTEMPT_FAILED("r.outcome") ")"
        " UPDATE webhook_deliveries d SET" FINISH_SET("", "r.")
        " FROM r WHERE d.id = r.id AND d.lease_owner = r.token",
        "WITH claim AS (" PG_IDEM_CLAIM " RETURNING 1), "
        PG_CREATE_LEAD(" WHERE EXISTS (SELECT 1 FROM claim)")
        " SELECT " PG_COUNT("claim") ", " PG_COUNT("lead") ", "
        PG_COUNT("outbox"),
        "WITH " PG_CREATE_LEAD("")
        " SELECT 1, " PG_COUNT("lead") ", " PG_COUNT("outbox"),
        "SELECT 1 FROM leads WHERE id = CAST(%s AS uuid)",
        OUTBOX_STATS("EXTRACT(EPOCH FROM now() - MIN(d.created_at))", "JOIN",
                     "NOT e.enabled"),
        DELIVERIES_RELEASE,
        NULL,                           /* the lease chooses itself */
        "UPDATE webhook_endpoints e SET failing_since = r.started FROM"
        " (SELECT endpoint, MIN(started) AS started FROM jsonb_to_recordset("
        "CAST(%s AS jsonb)) AS x(endpoint uuid, started timestamptz,"
        " outcome text) WHERE outcome = 'error' GROUP BY endpoint) r"
        " WHERE e.id = r.endpoint AND e.failing_since IS NULL",
        ENDPOINTS_RECOVERED("enabled"),
        "SELECT id, to_char(failing_since AT TIME ZONE 'UTC',"
        " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM webhook_endpoints"
        " WHERE enabled AND failing_since <= CAST(%s AS timestamptz)",
        "UPDATE webhook_endpoints SET enabled = false"
        " WHERE id = CAST(%s AS uuid) AND enabled"
        " AND failing_since <= CAST(%s AS timestamptz)",
        "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM"
        " webhook_deliveries WHERE status <> 'pending'"
        " AND updated_at < CAST(%s AS timestamptz)" EXPIRE_LIMIT ")",
        /* DELIVERIES_FRESH, each id looked up by itself (LATERAL) */
        "SELECT " LEASED_COLUMNS("d.", "now()") " FROM"
        " jsonb_array_elements_text(CAST(%s AS jsonb)) AS j(v)"
        " CROSS JOIN LATERAL (SELECT * FROM webhook_deliveries x"
        " WHERE x.id BETWEEN CAST(" PREFIX_OF("j.v") " || " RANGE_LO " AS uuid)"
        " AND CAST(" PREFIX_OF("j.v") " || " RANGE_HI " AS uuid)"
        " AND x.event_id = CAST(j.v AS uuid) AND x.lease_owner = %s"
        " OFFSET 0) d"                  /* a lookup per id, never a join */
        " JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.enabled",
        "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL"
        " WHERE id IN (SELECT CAST(value AS uuid) FROM"
        " jsonb_array_elements_text(CAST(%s AS jsonb)))"
        UNLEASE_WHERE("AND", ""),
        "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL"
        " WHERE id BETWEEN CAST(%s AS uuid) AND CAST(%s AS uuid)"
        " AND event_id = CAST(%s AS uuid)" UNLEASE_WHERE("AND", "")
    },
    LEADS_LABELS,
    { 0 }, { 0 }, NULL, NULL,          /* no conflict retries, no cluster */
    /* A pooled connection keeps a statement's generic plan for as long
     * as it lives; one made while webhook_deliveries was small (the first
     * minute of a new install, before autovacuum analyzes it) seq-scanned
     * the whole table at every finish once it had grown: seconds a batch
     * in make bench, and deliveries stalled behind it. */
    "SET LOCAL plan_cache_mode = force_custom_plan",
    1
};

/* RAND() per row: an event's deliveries to several endpoints differ. */
#define DELIVERY_ID \
    "CONCAT(%s, SUBSTR('89ab', 1 + FLOOR(RAND() * 4), 1)," \
    " SUBSTR(MD5(RAND()), 1, 3), '-', SUBSTR(MD5(RAND()), 1, 12))"
static const leads_dialect_t dialect_mysql = {
    /* MariaDB may refuse a statement prepared before it restarted or
     * before a table's definition changed (ER_NEED_REPREPARE), with the
     * error on the statement, not the connection */
    "mysql", "START TRANSACTION", LEADS_TIME_SQL_UTC, 1, NULL,
    { "SET NAMES utf8mb4", NULL }, 0, 0, 0,
    {
        "SELECT id, firm_id, scopes, enabled FROM api_keys WHERE key_hash = %s",
        "SELECT id, `key`, name FROM stages WHERE firm_id = %s AND closed = 0"
        " ORDER BY position, `key` LIMIT 1",
        "SELECT name, type, choices, required FROM fields WHERE firm_id = %s"
        " ORDER BY name",
        "SELECT id FROM members WHERE firm_id = %s",
        "INSERT IGNORE INTO leads " LEAD_COLUMNS
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULLIF(%s, ''), %s, %s, %s,"
        " NULLIF(%s, ''), NULLIF(%s, ''))",
        IDEM_GET_PLAIN,
        IDEM_DELETE_PLAIN,
        "INSERT IGNORE INTO idempotency_keys " IDEM_COLUMNS
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        "DELETE FROM idempotency_keys WHERE expires_at <= %s LIMIT 1000",
        INGEST_PLAIN,
        /* by primary key only, the ids from DELIVERY_CANDIDATES */
        "UPDATE webhook_deliveries d JOIN JSON_TABLE(%s, '$[*]' COLUMNS("
        "id CHAR(36) PATH '$')) AS j ON d.id = j.id"
        " SET d.lease_owner = %s, d.lease_until = %s WHERE"
        " d.status = 'pending' AND d.next_attempt_at <= %s"
        " AND (d.lease_until IS NULL OR d.lease_until < %s)",
        DELIVERY_LEASED("UTC_TIMESTAMP(3)"),
        "INSERT INTO webhook_attempts " ATTEMPT_COLUMNS
        " SELECT r.attempt_id, r.id, r.attempt, r.started, r.ms, r.http,"
        " r.error, r.outcome FROM JSON_TABLE(%s, '$[*]' COLUMNS("
        "attempt_id CHAR(36) PATH '$.attempt_id', id CHAR(36) PATH '$.id',"
        " attempt INT PATH '$.attempt', started VARCHAR(32) PATH '$.started',"
        " ms INT PATH '$.ms', http INT PATH '$.http',"
        " error TEXT PATH '$.error', outcome VARCHAR(16) PATH '$.outcome'))"
        " AS r" ATTEMPT_DELIVERY_EXISTS("r.id") ATTEMPT_FAILED("r.outcome"),
        "UPDATE webhook_deliveries d JOIN JSON_TABLE(%s, '$[*]' COLUMNS("
        "id CHAR(36) PATH '$.id', token VARCHAR(100) PATH '$.token',"
        " status VARCHAR(16) PATH '$.status',"
        " next_at VARCHAR(32) PATH '$.next_at', http INT PATH '$.http',"
        " error TEXT PATH '$.error', now_at VARCHAR(32) PATH '$.now_at',"
        " delivered_at VARCHAR(32) PATH '$.delivered_at', ms INT PATH '$.ms'))"
        " AS r"
        " ON d.id = r.id AND d.lease_owner = r.token SET" FINISH_SET("d.", "r."),
        NULL, NULL,                     /* no one-statement create */
        LEAD_EXISTS_PLAIN,
        OUTBOX_STATS("TIMESTAMPDIFF(MICROSECOND, MIN(d.created_at),"
                     " UTC_TIMESTAMP(3)) / 1000000", "STRAIGHT_JOIN",
                     "e.enabled = 0"),
        DELIVERIES_RELEASE,
        FAIR_DUE("%s", "CAST(%s AS SIGNED)", "%s", "e.enabled = 1"),
        "UPDATE webhook_endpoints e JOIN (SELECT endpoint, MIN(started) AS"
        " started FROM JSON_TABLE(%s, '$[*]' COLUMNS("
        "endpoint CHAR(36) PATH '$.endpoint',"
        " started VARCHAR(32) PATH '$.started',"
        " outcome VARCHAR(16) PATH '$.outcome')) AS x"
        " WHERE outcome = 'error' GROUP BY endpoint) r ON e.id = r.endpoint"
        " SET e.failing_since = r.started WHERE e.failing_since IS NULL",
        ENDPOINTS_RECOVERED("enabled = 1"),
        "SELECT id, CONCAT(LEFT(DATE_FORMAT(failing_since,"
        " '%%Y-%%m-%%dT%%H:%%i:%%s.%%f'), 23), 'Z') FROM webhook_endpoints"
        " WHERE enabled = 1 AND failing_since <= %s",
        "UPDATE webhook_endpoints SET enabled = 0 WHERE id = %s"
        " AND enabled = 1 AND failing_since <= %s",
        "DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'failed')"
        " AND updated_at < %s" EXPIRE_LIMIT,
        DELIVERIES_FRESH("UTC_TIMESTAMP(3)", "JSON_TABLE(%s, '$[*]' COLUMNS("
                         "v CHAR(36) PATH '$')) AS j", "STRAIGHT_JOIN",
                         "j.v", "CONCAT(" PREFIX_OF("j.v") ", " RANGE_LO ")",
                         "CONCAT(" PREFIX_OF("j.v") ", " RANGE_HI ")",
                         "e.enabled = 1"),
        "UPDATE webhook_deliveries d JOIN JSON_TABLE(%s, '$[*]' COLUMNS("
        "id CHAR(36) PATH '$')) AS j ON d.id = j.id SET d.lease_owner = NULL,"
        " d.lease_until = NULL" UNLEASE_WHERE("WHERE", "d."),
        EVENT_UNLEASE
    },
    LEADS_LABELS,
    /* ER_LOCK_DEADLOCK (also a Galera certification failure, at any
     * statement or at COMMIT) and ER_LOCK_WAIT_TIMEOUT */
    { 1213, 1205, 0 },
    /* ER_UNKNOWN_COM_ERROR: "WSREP has not yet prepared node for
     * application use", a Galera node joining or outside the primary
     * component */
    { 1047, 0 },
    /* @@wsrep_on exists only in builds with wsrep (an error elsewhere);
     * on a Galera node, reads (and START TRANSACTION) wait until the node
     * has applied what the cluster committed before them: the lookup
     * after a lost conflict sees the winner's row */
    "SELECT @@wsrep_on",
    "SET SESSION wsrep_sync_wait = 1",
    NULL,                               /* no plan cache to bypass */
    0
};

#undef DELIVERY_ID
/* randomblob() per row, lowercase as the prefix is. */
#define DELIVERY_ID \
    "%s || substr('89ab', 1 + (abs(random()) %% 4), 1) ||" \
    " lower(substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))"
/* json_each() rows' fields, each named after itself. */
#define JSON_FIELD(f) "json_extract(value, '$." f "') AS " f
#define JSON_FIELDS(a, b, c, d) \
    JSON_FIELD(a) ", " JSON_FIELD(b) ", " JSON_FIELD(c) ", " JSON_FIELD(d)
static const leads_dialect_t dialect_sqlite3 = {
    "sqlite3", "BEGIN IMMEDIATE", LEADS_TIME_ISO_Z, 0, NULL,
    /* No busy_timeout: the driver holds one mutex per process around
     * sqlite3_step, so a connection sleeping in SQLite would block the lock
     * holder of the same process; the driver's own retry on SQLITE_BUSY
     * releases that mutex between tries. `leadsctl init` sets WAL mode. */
    { "PRAGMA foreign_keys = ON", NULL }, 1,
    5,                                  /* SQLITE_BUSY, after the driver's
                                           own 1.6 s of retries */
    1,
    {
        "SELECT id, firm_id, scopes, enabled FROM api_keys WHERE key_hash = %s",
        "SELECT id, key, name FROM stages WHERE firm_id = %s AND closed = 0"
        " ORDER BY position, key LIMIT 1",
        "SELECT name, type, choices, required FROM fields WHERE firm_id = %s"
        " ORDER BY name",
        "SELECT id FROM members WHERE firm_id = %s",
        "INSERT INTO leads " LEAD_COLUMNS
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULLIF(%s, ''), %s, %s, %s,"
        " NULLIF(%s, ''), NULLIF(%s, '')) ON CONFLICT DO NOTHING",
        IDEM_GET_PLAIN,
        IDEM_DELETE_PLAIN,
        "INSERT INTO idempotency_keys " IDEM_COLUMNS
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        "DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM"
        " idempotency_keys WHERE expires_at <= %s LIMIT 1000)",
        INGEST_PLAIN,
        "UPDATE webhook_deliveries SET lease_owner = %s, lease_until = %s"
        " WHERE id IN (" FAIR_DUE("%s", "CAST(%s AS INTEGER)", "%s",
                                 "e.enabled = 1") ") AND"
        DELIVERY_DUE("%s"),
        DELIVERY_LEASED("strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now')"),
        "INSERT INTO webhook_attempts " ATTEMPT_COLUMNS
        " SELECT " JSON_FIELDS("attempt_id", "id", "attempt", "started")
        ", " JSON_FIELDS("ms", "http", "error", "outcome")
        " FROM json_each(%s)"
        ATTEMPT_DELIVERY_EXISTS("json_extract(value, '$.id')")
        ATTEMPT_FAILED("json_extract(value, '$.outcome')"),
        "UPDATE webhook_deliveries SET" FINISH_SET("", "r.") " FROM (SELECT "
        JSON_FIELDS("id", "token", "status", "next_at") ", "
        JSON_FIELDS("http", "error", "now_at", "delivered_at") ", "
        JSON_FIELD("ms") " FROM json_each(%s)) AS r"
        " WHERE webhook_deliveries.id = r.id"
        " AND webhook_deliveries.lease_owner = r.token",
        NULL, NULL,                     /* no one-statement create */
        LEAD_EXISTS_PLAIN,
        OUTBOX_STATS("(julianday('now') - julianday(MIN(d.created_at)))"
                     " * 86400.0", "CROSS JOIN", "e.enabled = 0"),
        DELIVERIES_RELEASE,
        NULL,                           /* the lease chooses itself */
        "UPDATE webhook_endpoints SET failing_since = r.started FROM (SELECT "
        JSON_FIELD("endpoint") ", MIN(json_extract(value, '$.started'))"
        " AS started FROM json_each(%s)"
        " WHERE json_extract(value, '$.outcome') = 'error' GROUP BY 1) AS r"
        " WHERE webhook_endpoints.id = r.endpoint"
        " AND webhook_endpoints.failing_since IS NULL",
        ENDPOINTS_RECOVERED("enabled = 1"),
        "SELECT id, failing_since FROM webhook_endpoints"
        " WHERE enabled = 1 AND failing_since <= %s",
        "UPDATE webhook_endpoints SET enabled = 0 WHERE id = %s"
        " AND enabled = 1 AND failing_since <= %s",
        "DELETE FROM webhook_deliveries WHERE rowid IN (SELECT rowid FROM"
        " webhook_deliveries WHERE status <> 'pending' AND updated_at < %s"
        EXPIRE_LIMIT ")",
        DELIVERIES_FRESH("strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now')",
                         "json_each(%s) AS j", "CROSS JOIN", "j.value",
                         PREFIX_OF("j.value") " || " RANGE_LO,
                         PREFIX_OF("j.value") " || " RANGE_HI,
                         "e.enabled = 1"),
        "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL"
        " WHERE id IN (SELECT value FROM json_each(%s))"
        UNLEASE_WHERE("AND", ""),
        EVENT_UNLEASE
    },
    LEADS_LABELS,
    { 0 }, { 0 }, NULL, NULL,          /* no conflict retries, no cluster */
    NULL,                               /* no plan cache to bypass */
    0
};

static const leads_dialect_t *const dialects[] = {
    &dialect_pgsql, &dialect_mysql, &dialect_sqlite3, NULL
};

const leads_dialect_t *leads_dialect_for(const char *driver)
{
    int i;

    for (i = 0; driver && dialects[i]; i++) {
        if (strcmp(dialects[i]->driver, driver) == 0) {
            return dialects[i];
        }
    }
    return NULL;
}
