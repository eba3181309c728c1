/* A database connection from mod_dbd's pool, for a request or for the
 * maintenance thread, with the dialect's statements prepared on it lazily.
 *
 * On pgsql a reconnect (PQreset in the driver's connection check) silently
 * drops server-side prepared statements while mod_dbd's table still holds
 * them; leads_db_run() therefore gives a failed unit of work on such a
 * backend one more try on freshly prepared statements (docs/database.md
 * §4.1). */
#ifndef LEADS_DB_H
#define LEADS_DB_H

#include "httpd.h"
#include "apr_dbd.h"

#include "leads_dialect.h"

/* Outcomes beyond APR_SUCCESS. */
#define LEADS_DB_DOWN       (APR_OS_START_USERERR + 1)  /* -> 503 */
#define LEADS_DB_FAILED     (APR_OS_START_USERERR + 2)  /* -> 500 */
#define LEADS_DB_NOT_FOUND  (APR_OS_START_USERERR + 3)
#define LEADS_DB_CONFLICT   (APR_OS_START_USERERR + 4)  /* Idempotency-Key taken */
#define LEADS_DB_DUPLICATE  (APR_OS_START_USERERR + 5)  /* (source, externalId) */
/* The transaction lost a conflict with another (a deadlock, a lock wait
 * timeout, a Galera certification failure) and was rolled back: a statement
 * gives it to its unit of work, which returns it; leads_db_run() runs the
 * unit again and never returns it (after too many, LEADS_DB_DOWN). */
#define LEADS_DB_CONFLICTED (APR_OS_START_USERERR + 6)

typedef struct leads_db leads_db_t;

/* Reach mod_dbd; call from post_config. Returns non-zero if it is loaded. */
int leads_db_init(void);

/* The request's pooled connection (released with the request). */
apr_status_t leads_db_acquire(request_rec *r, leads_db_t **db);

/* A connection for work outside a request; give it back with
 * leads_db_close() on every path. */
apr_status_t leads_db_open(apr_pool_t *p, server_rec *s, leads_db_t **db);
void leads_db_close(leads_db_t *db);

/* Give the connection back to the pool, then take another (the one held
 * may be the one that died). On failure the db has none: leads_db_run()
 * on it answers LEADS_DB_DOWN. */
apr_status_t leads_db_reconnect(leads_db_t *db);

/* The schema version this child last read (-1: not yet), and whether
 * taking this connection found it older than LEADS_SCHEMA_VERSION (the
 * take then answered LEADS_DB_DOWN). */
int leads_db_schema_version(void);
int leads_db_found_outdated(const leads_db_t *db);

apr_pool_t *leads_db_pool(const leads_db_t *db);
const leads_dialect_t *leads_db_dialect(const leads_db_t *db);
server_rec *leads_db_server(const leads_db_t *db);

/* A time as this backend takes it as a parameter. */
const char *leads_db_time(const leads_db_t *db, apr_time_t t);

typedef apr_status_t (*leads_db_work_fn)(leads_db_t *db, void *baton);

/* Run a unit of work (see above for the retry). */
apr_status_t leads_db_run(leads_db_t *db, leads_db_work_fn work, void *baton);

apr_status_t leads_db_select(leads_db_t *db, leads_sql_e which, int nargs,
                             const char **args, apr_dbd_results_t **res);
apr_status_t leads_db_query(leads_db_t *db, leads_sql_e which, int nargs,
                            const char **args, int *nrows);
/* Fixed SQL without parameters: BEGIN, COMMIT, ROLLBACK. */
apr_status_t leads_db_exec(leads_db_t *db, const char *sql);

/* Statements run through db so far (a request's database work, for the
 * access log's %{leads-db-statements}n); 0 for NULL. */
int leads_db_statements(const leads_db_t *db);

/* Whether the database answers on db's connection (LEADS_DB_DOWN if not). */
apr_status_t leads_db_ping(leads_db_t *db);

/* BEGIN in this dialect; ROLLBACK that ignores a dead connection. */
apr_status_t leads_db_begin(leads_db_t *db);
void leads_db_rollback(leads_db_t *db);

/* The first row of a select, its columns 0..ncols-1 copied into `p`
 * (NULL for SQL NULL); LEADS_DB_NOT_FOUND when there is none. For lookups
 * by a unique key. */
apr_status_t leads_db_select_row(leads_db_t *db, leads_sql_e which, int nargs,
                                 const char **args, apr_pool_t *p, int ncols,
                                 const char **cols);

/* Row *n of `res` counting from 1 (random-access results), NULL past the
 * end; read every row (mysql needs it). */
apr_dbd_row_t *leads_db_row(leads_db_t *db, apr_dbd_results_t *res, int *n);

/* Column `col` copied into `p` (NULL for SQL NULL). */
const char *leads_db_column(leads_db_t *db, apr_pool_t *p, apr_dbd_row_t *row,
                            int col);

/* "1", "t", "true": a boolean column as the three backends return it. */
int leads_db_truthy(const char *v);

#endif
