/* mod_dbd connections, lazily prepared statements and the pgsql recovery.
 * Transactions are plain BEGIN/COMMIT queries: apr_dbd_transaction_start()
 * crashes when BEGIN fails on a dead pgsql connection. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "httpd.h"
#include "apr_strings.h"
#include "apr_dbd.h"
#include "apr_general.h"
#include "http_log.h"
#include "mod_dbd.h"

#include "leads_config.h"
#include "leads_db.h"
#include "leads_db_gate.h"
#include "leads_time.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

struct leads_db {
    request_rec *r;                     /* NULL outside a request */
    server_rec *s;
    apr_pool_t *pool;
    ap_dbd_t *dbd;
    const leads_dialect_t *dialect;
    leads_db_gate_t *gate;              /* holds a place in it */
    int schema_outdated;                /* what taking it found */
    int statements;                     /* run through it, retries too */
};

static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;

int leads_db_init(void)
{
    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    return dbd_open && dbd_close;
}

apr_pool_t *leads_db_pool(const leads_db_t *db)
{
    return db->pool;
}

const leads_dialect_t *leads_db_dialect(const leads_db_t *db)
{
    return db->dialect;
}

server_rec *leads_db_server(const leads_db_t *db)
{
    return db->s;
}

/* Pool userdata key on a pooled connection: connection_setup() ran on it. */
#define CONNECTION_READY "leads-connection-ready"

/* apr_dbd's sqlite3 driver prepares with the legacy sqlite3_prepare(), so
 * every failed statement comes back as SQLITE_ERROR; the connection's own
 * result code tells a file that cannot be written (read-only, disk full,
 * I/O error, locked) from a statement at fault. Read it before anything
 * else runs on the connection. */
static int sqlite_unavailable(const leads_db_t *db)
{
    sqlite3 *conn;

    if (!db->dialect->native_sqlite3) {
        return 0;
    }
    conn = apr_dbd_native_handle(db->dbd->driver, db->dbd->handle);
    switch (conn ? sqlite3_errcode(conn) : SQLITE_OK) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
        return 1;
    default:
        return 0;
    }
}

static int code_in(const int *codes, int n, int rc)
{
    int i;

    for (i = 0; i < n && codes[i]; i++) {
        if (codes[i] == rc) {
            return 1;
        }
    }
    return 0;
}

#define CODES(a) (a), (int)(sizeof(a) / sizeof((a)[0]))

/* A lost conflict is no fault: the unit of work runs again, so it is
 * logged at debug only (a deliverer's lease racing another host's would
 * otherwise fill the log). */
static apr_status_t conflicted(leads_db_t *db, const char *what,
                               const char *err)
{
    if (db->r) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, db->r, LEADSLOGNO(00110)
                      "%s: lost a conflict with another transaction (%s); "
                      "rolled back, to run again", what, err);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, db->s, LEADSLOGNO(00110)
                     "%s: lost a conflict with another transaction (%s); "
                     "rolled back, to run again", what, err);
    }
    return LEADS_DB_CONFLICTED;
}

/* After a failure: a lost conflict (run the unit again), the statement at
 * fault (the connection still answers), or the database unavailable (the
 * connection is gone, or the server says it takes no statements now)? */
static apr_status_t failure(leads_db_t *db, const char *what, int rc)
{
    const apr_dbd_driver_t *drv = db->dbd->driver;
    int unavailable = sqlite_unavailable(db);
    const char *err = apr_dbd_error(drv, db->dbd->handle, rc);
    int alive;

    if (code_in(CODES(db->dialect->conflict_codes), rc)) {
        return conflicted(db, what, err);
    }
    if (code_in(CODES(db->dialect->unavailable_codes), rc)) {
        unavailable = 1;
    }
    if (db->r) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, db->r, LEADSLOGNO(00013)
                      "%s failed: %s", what, err);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, db->s, LEADSLOGNO(00013)
                     "%s failed: %s", what, err);
    }
    alive = apr_dbd_check_conn(drv, db->pool, db->dbd->handle) == APR_SUCCESS;
    return alive && !unavailable ? LEADS_DB_FAILED : LEADS_DB_DOWN;
}

/* A pooled sqlite3 connection made fit before it is handed out. SQLite
 * silently opens a file it may not write read-only, and mod_dbd
 * keeps that connection for good (the driver's connection check only
 * tests a pointer): once the file is writable again every write on it
 * would still fail. Open the file again in its place; while it is still
 * read-only, the database is unavailable. */
static apr_status_t sqlite_repair(leads_db_t *db)
{
    ap_dbd_t *dbd = db->dbd;
    sqlite3 *conn = apr_dbd_native_handle(dbd->driver, dbd->handle);
    apr_dbd_t *fresh = NULL;
    const char *file, *err = NULL;

    if (conn && !sqlite3_get_autocommit(conn)) {
        /* COMMIT and ROLLBACK both failed (disk full): the transaction,
         * and with it the file's write lock, would stay for every later
         * user of this connection */
        int nrows;

        apr_dbd_query(dbd->driver, dbd->handle, &nrows, "ROLLBACK");
        if (!sqlite3_get_autocommit(conn)) {
            /* still inside it: its uncommitted rows would read as stored */
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, db->s, LEADSLOGNO(00018)
                         "a pooled connection is still inside a transaction "
                         "that ROLLBACK could not end: answering 503");
            return LEADS_DB_DOWN;
        }
    }
    if (!conn || sqlite3_db_readonly(conn, "main") != 1) {
        return APR_SUCCESS;
    }
    file = apr_pstrdup(db->pool, sqlite3_db_filename(conn, "main"));
    if (apr_dbd_open_ex(dbd->driver, dbd->pool, file, &fresh, &err)
        != APR_SUCCESS) {
        return LEADS_DB_DOWN;
    }
    if (sqlite3_db_readonly(apr_dbd_native_handle(dbd->driver, fresh),
                            "main") == 1) {
        apr_dbd_close(dbd->driver, fresh);
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, db->s, LEADSLOGNO(00015)
                     "%s is read-only for this process: answering 503", file);
        return LEADS_DB_DOWN;
    }
    apr_dbd_close(dbd->driver, dbd->handle);    /* finalizes its statements */
    dbd->handle = fresh;
    apr_hash_clear(dbd->prepared);              /* they were the old handle's */
    apr_pool_userdata_setn(NULL, CONNECTION_READY, NULL, dbd->pool);
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, db->s, LEADSLOGNO(00016)
                 "%s was opened read-only; opened it again read-write", file);
    return APR_SUCCESS;
}

/* A node of a cluster (Galera: @@wsrep_on is 1) gets the dialect's
 * cluster settings (causal reads). Asked once per connection, since a
 * DBDParams may name a plain server or a node; where the probe fails the
 * server is no such node (the variable exists only with wsrep), unless it
 * says it takes no statements now. */
static apr_status_t cluster_setup(leads_db_t *db)
{
    const apr_dbd_driver_t *drv = db->dbd->driver;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *on = NULL;
    int rc, nrows;

    if (!db->dialect->cluster_probe) {
        return APR_SUCCESS;
    }
    rc = apr_dbd_select(drv, db->pool, db->dbd->handle, &res,
                        db->dialect->cluster_probe, 1);
    if (rc) {
        return code_in(CODES(db->dialect->unavailable_codes), rc)
               ? failure(db, db->dialect->cluster_probe, rc) : APR_SUCCESS;
    }
    if (apr_dbd_get_row(drv, db->pool, res, &row, 1) == 0) {
        on = apr_dbd_get_entry(drv, row, 0);
    }
    if (!on || strcmp(on, "1") != 0) {
        return APR_SUCCESS;
    }
    rc = apr_dbd_query(drv, db->dbd->handle, &nrows,
                       db->dialect->cluster_setup);
    if (rc) {
        return failure(db, db->dialect->cluster_setup, rc);
    }
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, db->s, LEADSLOGNO(00112)
                 "a cluster node: %s on this connection",
                 db->dialect->cluster_setup);
    return APR_SUCCESS;
}

/* The dialect's settings for a connection (utf8mb4 on mysql, lock waits
 * on sqlite3), once per pooled connection: the mark lives in the
 * connection's own pool, so a new connection is set up anew. */
static apr_status_t connection_setup(leads_db_t *db)
{
    void *ready = NULL;
    apr_status_t rv;
    int i;

    apr_pool_userdata_get(&ready, CONNECTION_READY, db->dbd->pool);
    if (ready) {
        return APR_SUCCESS;
    }
    for (i = 0; db->dialect->connection_setup[i]; i++) {
        const char *sql = db->dialect->connection_setup[i];
        apr_dbd_results_t *res = NULL;
        int nrows, rc;

        /* random access reads every row at once: nothing left pending */
        rc = db->dialect->setup_returns_rows
             ? apr_dbd_select(db->dbd->driver, db->pool, db->dbd->handle,
                              &res, sql, 1)
             : apr_dbd_query(db->dbd->driver, db->dbd->handle, &nrows, sql);
        if (rc) {
            return failure(db, sql, rc);
        }
    }
    rv = cluster_setup(db);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_pool_userdata_setn(CONNECTION_READY, CONNECTION_READY, NULL,
                           db->dbd->pool);
    return APR_SUCCESS;
}

/* A connection made fit for use: sqlite3 repaired, the dialect's
 * settings applied. */
static apr_status_t connection_ready(leads_db_t *db)
{
    if (db->dialect->native_sqlite3) {
        apr_status_t rv = sqlite_repair(db);

        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    return connection_setup(db);
}

/* mod_dbd checks a pooled connection before handing it out; one found
 * dead (the database restarted since) is dropped and NULL returned. After
 * a restart a pool may hold several, so try again while tries fail fast:
 * a stale connection costs no request a 503, and a database that is down
 * (a refused or timed-out connect) is not waited on more than once. */
#define OPEN_TRIES  4
#define OPEN_FAST   apr_time_from_msec(100)

static ap_dbd_t *open_checked(apr_pool_t *p, server_rec *s)
{
    ap_dbd_t *dbd = NULL;
    apr_time_t start = apr_time_now();
    int i;

    for (i = 0; i < OPEN_TRIES && !dbd; i++) {
        if (i > 0 && apr_time_now() - start > OPEN_FAST) {
            break;
        }
        start = apr_time_now();
        dbd = dbd_open(p, s);
    }
    return dbd;
}

static leads_db_t *db_new(apr_pool_t *p, request_rec *r, server_rec *s)
{
    leads_db_t *db = apr_pcalloc(p, sizeof(*db));

    db->r = r;
    db->s = s;
    db->pool = p;
    return db;
}

/* How long a "locked, try again" result (the dialect's busy_code) is
 * retried, outside the driver's lock, before the database counts as
 * unavailable. */
#define BUSY_WAIT   apr_time_from_sec(10)
#define BUSY_NAP    apr_time_from_msec(20)

static int busy(const leads_db_t *db, int rc)
{
    return db->dialect->busy_code && rc == db->dialect->busy_code;
}

/* The schema is checked on a child's first connections until it is
 * current; it only ever grows, so once is enough. An outdated one (or
 * none: `leadsctl init` never ran) is said once per child, and requests
 * answer 503 until it is fixed. */
static volatile int schema_current;
static volatile int schema_reported;
static volatile int schema_seen = -1;

static apr_status_t schema_check(leads_db_t *db)
{
    const apr_dbd_driver_t *drv = db->dbd->driver;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    apr_time_t give_up;
    int version = 0, rc;

    if (schema_current) {
        return APR_SUCCESS;
    }
    /* sqlite3: a new child meets the WAL of a killed one being recovered
     * ("database is locked"): wait for it as for BEGIN. */
    give_up = apr_time_now() + BUSY_WAIT;
    while ((rc = apr_dbd_select(drv, db->pool, db->dbd->handle, &res,
                                "SELECT MAX(version) FROM leads_schema", 1))
           != 0 && busy(db, rc) && apr_time_now() < give_up) {
        apr_sleep(BUSY_NAP);
    }
    if (rc != 0) {
        if (failure(db, "reading the schema version", rc) == LEADS_DB_DOWN) {
            return LEADS_DB_DOWN;       /* the database, not the schema */
        }
    }
    else if (apr_dbd_get_row(drv, db->pool, res, &row, 1) == 0) {
        const char *v = apr_dbd_get_entry(drv, row, 0);

        version = v ? atoi(v) : 0;
    }
    schema_seen = version;
    if (version >= LEADS_SCHEMA_VERSION) {
        schema_current = 1;
        return APR_SUCCESS;
    }
    db->schema_outdated = 1;
    if (!schema_reported) {
        schema_reported = 1;
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, db->s, LEADSLOGNO(00021)
                     "the database schema is version %d, this mod_leads "
                     "needs %d: run 'leadsctl init' with the same database "
                     "(requests answer 503 until then)", version,
                     LEADS_SCHEMA_VERSION);
    }
    return LEADS_DB_DOWN;
}

int leads_db_schema_version(void)
{
    return schema_seen;
}

int leads_db_found_outdated(const leads_db_t *db)
{
    return db->schema_outdated;
}

/* A place at this server's gate: a bounded wait, then 503. */
static apr_status_t gate_enter(leads_db_t *db)
{
    const leads_srv_cfg_t *cfg = ap_get_module_config(db->s->module_config,
                                                      &leads_module);
    leads_db_gate_t *g = leads_db_gate_for(db->s);

    if (!g) {
        return APR_SUCCESS;
    }
    if (leads_db_gate_enter(g, cfg->db_wait, db->r == NULL)
        != APR_SUCCESS) {
        if (db->r) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, db->r,
                          LEADSLOGNO(00019) "all %d pooled database "
                          "connections of this child stayed busy for %"
                          APR_TIME_T_FMT " ms (LeadsDBAcquireTimeout): "
                          "answering 503", leads_db_gate_size(g),
                          apr_time_as_msec(cfg->db_wait));
        }
        return LEADS_DB_DOWN;
    }
    db->gate = g;
    return APR_SUCCESS;
}

static void gate_leave(leads_db_t *db)
{
    if (db->gate) {
        leads_db_gate_leave(db->gate);
        db->gate = NULL;
    }
}

/* A connection from mod_dbd's pool into db, made fit for use. The one
 * place connections are taken: a request, the watchdog and a reconnect
 * alike. */
static apr_status_t take(leads_db_t *db)
{
    ap_dbd_t *dbd;
    const char *driver;
    apr_status_t rv = gate_enter(db);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!(dbd = open_checked(db->pool, db->s))) {
        gate_leave(db);
        if (db->r) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, db->r, LEADSLOGNO(00011)
                          "no database connection from mod_dbd (check "
                          "DBDriver, DBDParams and that the database is up)");
        }
        return LEADS_DB_DOWN;
    }
    driver = apr_dbd_name(dbd->driver);
    if (!(db->dialect = leads_dialect_for(driver))) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, db->s, LEADSLOGNO(00012)
                     "DBDriver %s is not supported (use pgsql, mysql or "
                     "sqlite3)", driver);
        dbd_close(db->s, dbd);
        gate_leave(db);
        return LEADS_DB_DOWN;
    }
    db->dbd = dbd;
    rv = connection_ready(db);
    return rv == APR_SUCCESS ? schema_check(db) : rv;
}

/* The request's connection goes back to the pool with the request:
 * whichever it holds then (leads_db_reconnect() may have swapped it). */
static apr_status_t release_request_db(void *data)
{
    leads_db_close(data);
    return APR_SUCCESS;
}

/* Taken with ap_dbd_open(), not ap_dbd_acquire(): the request must be able
 * to give its connection back before it takes another. */
apr_status_t leads_db_acquire(request_rec *r, leads_db_t **out)
{
    if (!dbd_open) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LEADSLOGNO(00010)
                      "mod_dbd is not loaded: add LoadModule dbd_module");
        return LEADS_DB_DOWN;
    }
    *out = db_new(r->pool, r, r->server);
    apr_pool_cleanup_register(r->pool, *out, release_request_db,
                              apr_pool_cleanup_null);
    return take(*out);
}

apr_status_t leads_db_open(apr_pool_t *p, server_rec *s, leads_db_t **out)
{
    apr_status_t rv;

    if (!dbd_open) {
        return LEADS_DB_DOWN;
    }
    *out = db_new(p, NULL, s);
    rv = take(*out);
    if (rv != APR_SUCCESS) {
        leads_db_close(*out);
    }
    return rv;
}

void leads_db_close(leads_db_t *db)
{
    if (db && db->dbd && dbd_close) {
        dbd_close(db->s, db->dbd);
        db->dbd = NULL;
    }
    if (db) {
        gate_leave(db);
    }
}

/* Back to the pool first, then another: a thread that held one connection
 * while it waited for a second could wait for ever, with every connection
 * held by threads waiting likewise (mod_dbd's pool has no wait timeout). */
apr_status_t leads_db_reconnect(leads_db_t *db)
{
    leads_db_close(db);
    return take(db);
}

const char *leads_db_time(const leads_db_t *db, apr_time_t t)
{
    const char *iso = leads_time_iso(db->pool, t);
    char *plain;

    if (db->dialect->time_style == LEADS_TIME_ISO_Z) {
        return iso;
    }
    /* 2026-06-24T10:00:00.000Z -> 2026-06-24 10:00:00.000 */
    plain = apr_pstrndup(db->pool, iso, strlen(iso) - 1);
    plain[10] = ' ';
    return plain;
}

/* Prepared once per connection. sqlite3 prepares by reading the schema,
 * which a writer elsewhere (a WAL being recovered after a crash) may hold
 * locked: wait for it as for BEGIN. */
static apr_status_t prepared(leads_db_t *db, leads_sql_e which,
                             apr_dbd_prepared_t **stmt)
{
    const char *label = db->dialect->label[which];
    apr_time_t give_up;
    int rc;

    *stmt = apr_hash_get(db->dbd->prepared, label, APR_HASH_KEY_STRING);
    if (*stmt) {
        return APR_SUCCESS;
    }
    give_up = apr_time_now() + BUSY_WAIT;
    while ((rc = apr_dbd_prepare(db->dbd->driver, db->dbd->pool,
                                 db->dbd->handle, db->dialect->sql[which],
                                 label, stmt)) != 0
           && busy(db, rc) && apr_time_now() < give_up) {
        apr_sleep(BUSY_NAP);
    }
    if (rc) {
        return failure(db, label, rc);
    }
    apr_hash_set(db->dbd->prepared, label, APR_HASH_KEY_STRING, *stmt);
    return APR_SUCCESS;
}

/* Forget our statements on this connection so they are prepared again. */
static void forget_statements(leads_db_t *db)
{
    int i, nrows;

    for (i = 0; i < LEADS_SQL_COUNT; i++) {
        const char *label = db->dialect->label[i];

        if (apr_hash_get(db->dbd->prepared, label, APR_HASH_KEY_STRING)) {
            if (db->dialect->deallocate) {
                apr_dbd_query(db->dbd->driver, db->dbd->handle, &nrows,
                              apr_pstrcat(db->pool, db->dialect->deallocate,
                                          label, NULL));
            }
            apr_hash_set(db->dbd->prepared, label, APR_HASH_KEY_STRING, NULL);
        }
    }
}

static void log_retry(leads_db_t *db, const char *how)
{
    if (db->r) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, db->r, LEADSLOGNO(00014)
                      "trying once more %s", how);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, db->s, LEADSLOGNO(00014)
                     "trying once more %s", how);
    }
}

/* A failed unit of work is tried once more before it counts: on freshly
 * prepared statements where they may have gone stale (the connection
 * itself answered), or on a fresh connection from the pool where this one
 * may be dead (mod_dbd checks it on the way out and back). sqlite3's
 * failures are the file's, not a connection's. Work is written so that a
 * second run is safe: a unit is one transaction, and a create's lead id
 * is its primary key. */
static apr_status_t run_recovering(leads_db_t *db, leads_db_work_fn work,
                                   void *baton)
{
    apr_status_t rv = work(db, baton);

    if ((rv != LEADS_DB_FAILED && rv != LEADS_DB_DOWN)
        || db->dialect->native_sqlite3) {
        return rv;
    }
    if (rv == LEADS_DB_FAILED && db->dialect->stale_statements) {
        log_retry(db, "on statements prepared anew");
        forget_statements(db);
        rv = work(db, baton);
        if (rv != LEADS_DB_DOWN) {
            return rv;
        }
    }
    log_retry(db, "on a fresh connection");
    if (leads_db_reconnect(db) != APR_SUCCESS) {
        return LEADS_DB_DOWN;
    }
    return work(db, baton);
}

/* Before a unit that lost a conflict runs again: a random wait that
 * doubles with each try (about 5-10 ms, then 10-20 ms, ...), so that the
 * transactions that collided do not collide again in step. */
#define CONFLICT_TRIES  5
#define CONFLICT_NAP    apr_time_from_msec(5)
/* No new try once this long has gone by: a lock wait timeout
 * (innodb_lock_wait_timeout, 50 s by default) is itself a long wait, and a
 * client is better served by a 503 than by minutes of them. */
#define CONFLICT_WINDOW apr_time_from_sec(10)

static void conflict_backoff(int tries)
{
    apr_interval_time_t nap = CONFLICT_NAP << (tries - 1);
    unsigned char r = 0;

    if (apr_generate_random_bytes(&r, 1) != APR_SUCCESS) {
        r = 128;
    }
    apr_sleep(nap + nap * r / 255);
}

static void log_conflicts(leads_db_t *db, int tries)
{
    if (db->r) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, db->r, LEADSLOGNO(00111)
                      "%d tries in a row lost conflicts with other "
                      "transactions: answering 503", tries);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, db->s, LEADSLOGNO(00111)
                     "%d tries in a row lost conflicts with other "
                     "transactions: tried again later", tries);
    }
}

/* A unit that lost a conflict with another transaction (on Galera, two
 * hosts writing the same key at once: one fails certification, at any
 * statement or at COMMIT) is rolled back and run again, bounded, before
 * anything is answered. On its next run it meets the winner's row (causal
 * reads, see cluster_setup()) and answers as for any taken key. */
apr_status_t leads_db_run(leads_db_t *db, leads_db_work_fn work, void *baton)
{
    apr_time_t give_up = apr_time_now() + CONFLICT_WINDOW;
    apr_status_t rv;
    int tries = 0;

    if (!db->dbd) {
        return LEADS_DB_DOWN;           /* a reconnect found none */
    }
    while ((rv = run_recovering(db, work, baton)) == LEADS_DB_CONFLICTED
           && ++tries < CONFLICT_TRIES && apr_time_now() < give_up) {
        leads_db_rollback(db);          /* a lock wait timeout keeps it */
        conflict_backoff(tries);
    }
    if (rv == LEADS_DB_CONFLICTED) {
        leads_db_rollback(db);
        log_conflicts(db, tries);
        rv = LEADS_DB_DOWN;
    }
    return rv;
}

apr_status_t leads_db_select(leads_db_t *db, leads_sql_e which, int nargs,
                             const char **args, apr_dbd_results_t **res)
{
    apr_dbd_prepared_t *stmt;
    apr_status_t rv = prepared(db, which, &stmt);
    int rc;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    *res = NULL;
    db->statements++;
    rc = apr_dbd_pselect(db->dbd->driver, db->pool, db->dbd->handle, res, stmt,
                         1, nargs, args);
    return rc ? failure(db, db->dialect->label[which], rc) : APR_SUCCESS;
}

apr_status_t leads_db_query(leads_db_t *db, leads_sql_e which, int nargs,
                            const char **args, int *nrows)
{
    apr_dbd_prepared_t *stmt;
    apr_status_t rv = prepared(db, which, &stmt);
    int rc;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    *nrows = 0;
    db->statements++;
    rc = apr_dbd_pquery(db->dbd->driver, db->pool, db->dbd->handle, nrows,
                        stmt, nargs, args);
    return rc ? failure(db, db->dialect->label[which], rc) : APR_SUCCESS;
}

apr_status_t leads_db_exec(leads_db_t *db, const char *sql)
{
    int nrows, rc;

    db->statements++;
    rc = apr_dbd_query(db->dbd->driver, db->dbd->handle, &nrows, sql);
    return rc ? failure(db, sql, rc) : APR_SUCCESS;
}

/* One round trip: a pooled connection whose server went away still looks
 * open to mod_dbd (PQstatus asks no one), so the health check asks. */
apr_status_t leads_db_ping(leads_db_t *db)
{
    const apr_dbd_driver_t *drv = db->dbd->driver;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rc;

    db->statements++;
    rc = apr_dbd_select(drv, db->pool, db->dbd->handle, &res, "SELECT 1", 1);
    if (rc != 0) {
        failure(db, "SELECT 1", rc);
        return LEADS_DB_DOWN;
    }
    while (apr_dbd_get_row(drv, db->pool, res, &row, -1) == 0) {
        /* read to the end, so the connection is ready for the next */
    }
    return APR_SUCCESS;
}

int leads_db_statements(const leads_db_t *db)
{
    return db ? db->statements : 0;
}

/* BEGIN, waiting up to BUSY_WAIT for a writer elsewhere (sqlite3 has one
 * writer per file) before calling the database unavailable. Nothing is
 * written before BEGIN succeeds, so trying again is safe. */
apr_status_t leads_db_begin(leads_db_t *db)
{
    apr_time_t give_up = apr_time_now() + BUSY_WAIT;
    int nrows, rc;

    db->statements++;
    for (;;) {
        rc = apr_dbd_query(db->dbd->driver, db->dbd->handle, &nrows,
                           db->dialect->begin);
        if (rc == 0) {
            return APR_SUCCESS;
        }
        if (!busy(db, rc) || apr_time_now() > give_up) {
            break;
        }
        apr_sleep(BUSY_NAP);
    }
    if (busy(db, rc)) {
        failure(db, db->dialect->begin, rc);
        return LEADS_DB_DOWN;           /* busy for too long: 503 */
    }
    return failure(db, db->dialect->begin, rc);
}

void leads_db_rollback(leads_db_t *db)
{
    int nrows;

    db->statements++;
    apr_dbd_query(db->dbd->driver, db->dbd->handle, &nrows, "ROLLBACK");
}

apr_dbd_row_t *leads_db_row(leads_db_t *db, apr_dbd_results_t *res, int *n)
{
    apr_dbd_row_t *row = NULL;

    if (apr_dbd_get_row(db->dbd->driver, db->pool, res, &row, ++*n) != 0) {
        return NULL;
    }
    return row;
}

const char *leads_db_column(leads_db_t *db, apr_pool_t *p, apr_dbd_row_t *row,
                            int col)
{
    const char *v = apr_dbd_get_entry(db->dbd->driver, row, col);

    return v ? apr_pstrdup(p, v) : NULL;
}

apr_status_t leads_db_select_row(leads_db_t *db, leads_sql_e which, int nargs,
                                 const char **args, apr_pool_t *p, int ncols,
                                 const char **cols)
{
    apr_dbd_results_t *res;
    apr_dbd_row_t *row;
    apr_status_t rv = leads_db_select(db, which, nargs, args, &res);
    int n = 0, found = 0, i;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    while ((row = leads_db_row(db, res, &n)) != NULL) {
        for (i = 0; !found && i < ncols; i++) {
            cols[i] = leads_db_column(db, p, row, i);
        }
        found = 1;
    }
    return found ? APR_SUCCESS : LEADS_DB_NOT_FOUND;
}

int leads_db_truthy(const char *v)
{
    return v && (!strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "true"));
}
