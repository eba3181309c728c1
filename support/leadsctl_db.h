/* leadsctl's database access: apr_dbd opened directly, no httpd, no
 * mod_dbd. Nothing here is used by the module. */
#ifndef LEADSCTL_DB_H
#define LEADSCTL_DB_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_dbd.h>
#include <jansson.h>

/* One schema file of sql/<driver>/, compiled in by scripts/embed-sql.sh. */
typedef struct {
    const char *driver;         /* "pgsql", "mysql", "sqlite3" */
    int version;                /* NNN of NNN_name.sql */
    const char *name;
    const char *sql;            /* statements, each ending with ';' at a line end */
} leads_migration_t;

extern const leads_migration_t leads_migrations[];

/* ---- Database ---------------------------------------------------------- */

/* What leadsctl does differently per backend, chosen once by driver name. */
typedef struct {
    const char *driver;                 /* apr_dbd driver name */
    const char *const *session;         /* run after connecting, NULL-ended */
    int ddl_in_transaction;             /* wrap each migration in BEGIN/COMMIT */
    const char *schema_table;           /* CREATE TABLE IF NOT EXISTS leads_schema */
    const char *stage_insert;           /* id, firm_id, key, name, position, closed */
    const char *stage_key_exists;       /* firm_id, key -> id */
    const char *stage_list;             /* firm_id -> id, key, name, position, closed */
    int time_sql_utc;                   /* times as 'YYYY-MM-DD HH:MM:SS.mmm' UTC
                                         * (DATETIME(3)), not ISO with Z */
    const char *delivery_select;        /* SELECT id, event_id, endpoint_id,
                                         * status, attempts, last_http_status,
                                         * last_error, next_attempt_at,
                                         * created_at (times as ISO with Z)
                                         * FROM webhook_deliveries */
    const char *begin;                  /* starts a read-write transaction */
    const char *delivery_of_lead;       /* a condition on webhook_deliveries:
                                         * its body's data.id is the lead;
                                         * %s: LIKE pattern, lead id */
    const char *oldest_pending;         /* MIN(created_at) of pending
                                         * deliveries, ISO with Z, or NULL */
    const char *iso_failing_since;      /* webhook_endpoints.failing_since
                                         * as ISO with Z */
    const char *attempt_select;         /* delivery id, twice -> attempt,
                                         * started_at (ISO with Z),
                                         * http_status, error, duration_ms,
                                         * outcome, oldest first: its
                                         * attempt rows and the success its
                                         * delivery row records */
} leadsctl_dialect_t;

typedef struct {
    apr_pool_t *pool;
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    const leadsctl_dialect_t *sql;
    const char *error;                  /* last failure, for messages */
} leadsctl_db_t;

/* A whole result set, copied out of the driver. */
typedef struct {
    int ncols;
    apr_array_header_t *rows;           /* const char ** (ncols entries) */
} leadsctl_rows_t;

/* The dialect of a driver name, or NULL when leadsctl does not know it. */
const leadsctl_dialect_t *leadsctl_dialect_for(const char *driver);

/* Load the driver, connect and prepare the session. On failure returns
 * non-zero and sets *error to a message naming the cause. */
apr_status_t leadsctl_db_open(apr_pool_t *p, const char *driver,
                              const char *params, leadsctl_db_t **db,
                              const char **error);
void leadsctl_db_close(leadsctl_db_t *db);

/* Parameterised statement (apr_dbd placeholders, every value text). The
 * values follow `sql` and end with NULL. Returns 0 or a driver error, with
 * db->error set; *nrows (may be NULL) gets the affected rows. */
int leadsctl_db_exec(leadsctl_db_t *db, int *nrows, const char *sql, ...);

/* Parameterised select, as above; reads every row (random access). */
int leadsctl_db_select(leadsctl_db_t *db, leadsctl_rows_t **rows,
                       const char *sql, ...);

/* Fixed SQL without parameters (DDL, BEGIN/COMMIT, session settings).
 * Never pass text derived from input. */
int leadsctl_db_query(leadsctl_db_t *db, const char *sql);

/* A transaction: the dialect's BEGIN, COMMIT, and a ROLLBACK that keeps
 * db->error (the failure that led to it) and ignores its own. */
int leadsctl_db_begin(leadsctl_db_t *db);
int leadsctl_db_commit(leadsctl_db_t *db);
void leadsctl_db_rollback(leadsctl_db_t *db);

/* Value of column `col` of row `i` (never NULL: SQL NULL reads as ""). */
const char *leadsctl_rows_get(const leadsctl_rows_t *rows, int i, int col);

/* Apply every embedded migration of this driver not yet recorded in
 * leads_schema, in order. *version gets the schema version afterwards and
 * `applied` (may be NULL) the names applied now. */
int leadsctl_db_migrate(leadsctl_db_t *db, int *version,
                        apr_array_header_t *applied);

/* The highest version recorded in leads_schema (0 when none). Fails when
 * the table is missing: the schema was never created. */
int leadsctl_db_schema_version(leadsctl_db_t *db, int *version);

/* The highest migration of this driver compiled into leadsctl. */
int leadsctl_db_latest_version(const leadsctl_db_t *db);

#endif
