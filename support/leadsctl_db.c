/* leadsctl's database access: apr_dbd opened directly (no httpd, no
 * mod_dbd), parameterised statements only, and the schema migrations
 * compiled in from sql/<driver>/ (build/leads_schema.c). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_strings.h>
#include <apr_dbd.h>

#include "leadsctl_db.h"

#define DB_MAX_ARGS 32

/* ---- Dialects ------------------------------------------------------------ */

/* libpq prints NOTICEs ("relation … already exists, skipping") on stderr;
 * an idempotent `init` should be quiet. */
static const char *const pgsql_session[] = {
    "SET client_min_messages = warning",
    NULL
};

/* Without utf8mb4 on the connection, emoji turn into '?'. */
static const char *const mysql_session[] = {
    "SET NAMES utf8mb4",
    NULL
};

/* SQLite enforces foreign keys only when asked, per connection. */
static const char *const sqlite3_session[] = {
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    NULL
};

/* The differences in the statements themselves: `key` is a reserved word
 * in MySQL and needs backticks there; times are timestamptz on pgsql,
 * DATETIME(3) in UTC on MySQL and ISO text on sqlite3, and are read back as
 * ISO with Z ('%%' is a literal '%' in an apr_dbd statement); each has its
 * own JSON functions. A delivery's body is parsed only when it holds the
 * lead's id at all (LIKE first, inside CASE so the order is kept): a body
 * that is not JSON cannot fail the statement, and the rest are not
 * parsed. */
/* One delivery's attempts (its id is the parameter, twice): the failed
 * ones have rows of their own; a success is recorded on the delivery row
 * (schema 7, SPEC §7.1), or, before that, as a row too. */
#define ATTEMPT_ROWS(table) \
    "SELECT attempt, started_at, http_status, error, duration_ms, outcome" \
    " FROM " table " WHERE delivery_id = %s"
#define SUCCESS_ROW \
    " last_http_status, NULL, last_duration_ms, 'success'" \
    " FROM webhook_deliveries d WHERE id = %s AND status = 'delivered'" \
    " AND last_duration_ms IS NOT NULL AND NOT EXISTS (SELECT 1" \
    " FROM webhook_attempts a WHERE a.delivery_id = d.id" \
    " AND a.outcome = 'success')"

static const leadsctl_dialect_t dialects[] = {
    {
        "pgsql", pgsql_session, 1,
        "CREATE TABLE IF NOT EXISTS leads_schema ("
        " version integer PRIMARY KEY,"
        " name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())",
        "INSERT INTO stages (id, firm_id, key, name, position, closed)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        "SELECT id FROM stages WHERE firm_id = %s AND key = %s",
        "SELECT id, key, name, position, closed FROM stages"
        " WHERE firm_id = %s ORDER BY position, key",
        0,
        "SELECT id, event_id, endpoint_id, status, attempts, last_http_status,"
        " last_error,"
        " to_char(next_attempt_at AT TIME ZONE 'UTC',"
        " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
        " to_char(created_at AT TIME ZONE 'UTC',"
        " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        " FROM webhook_deliveries",
        "BEGIN",
        "CASE WHEN body LIKE %s THEN CAST(body AS jsonb) #>> '{data,id}'"
        " END = %s",
        "SELECT to_char(MIN(created_at) AT TIME ZONE 'UTC',"
        " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        " FROM webhook_deliveries WHERE status = 'pending'",
        "to_char(failing_since AT TIME ZONE 'UTC',"
        " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
        "SELECT attempt, to_char(started_at AT TIME ZONE 'UTC',"
        " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), http_status, error,"
        " duration_ms, outcome FROM (" ATTEMPT_ROWS("webhook_attempts")
        " UNION ALL SELECT attempts, delivered_at - last_duration_ms"
        " * interval '1 millisecond'," SUCCESS_ROW ") x"
        " ORDER BY attempt, started_at"
    },
    {
        "mysql", mysql_session, 0,
        "CREATE TABLE IF NOT EXISTS leads_schema ("
        " version INT NOT NULL PRIMARY KEY,"
        " name VARCHAR(200) NOT NULL,"
        " applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        "INSERT INTO stages (id, firm_id, `key`, name, position, closed)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        "SELECT id FROM stages WHERE firm_id = %s AND `key` = %s",
        "SELECT id, `key`, name, position, closed FROM stages"
        " WHERE firm_id = %s ORDER BY position, `key`",
        1,
        "SELECT id, event_id, endpoint_id, status, attempts, last_http_status,"
        " last_error,"
        " CONCAT(LEFT(DATE_FORMAT(next_attempt_at,"
        " '%%Y-%%m-%%dT%%H:%%i:%%s.%%f'), 23), 'Z'),"
        " CONCAT(LEFT(DATE_FORMAT(created_at,"
        " '%%Y-%%m-%%dT%%H:%%i:%%s.%%f'), 23), 'Z')"
        " FROM webhook_deliveries",
        "START TRANSACTION",
        "CASE WHEN body LIKE %s"
        " THEN JSON_UNQUOTE(JSON_EXTRACT(body, '$.data.id')) END = %s",
        "SELECT CONCAT(LEFT(DATE_FORMAT(MIN(created_at),"
        " '%%Y-%%m-%%dT%%H:%%i:%%s.%%f'), 23), 'Z')"
        " FROM webhook_deliveries WHERE status = 'pending'",
        "CONCAT(LEFT(DATE_FORMAT(failing_since,"
        " '%%Y-%%m-%%dT%%H:%%i:%%s.%%f'), 23), 'Z')",
        "SELECT attempt, CONCAT(LEFT(DATE_FORMAT(started_at,"
        " '%%Y-%%m-%%dT%%H:%%i:%%s.%%f'), 23), 'Z'), http_status, error,"
        " duration_ms, outcome FROM (" ATTEMPT_ROWS("webhook_attempts")
        " UNION ALL SELECT attempts, DATE_SUB(delivered_at, INTERVAL"
        " last_duration_ms * 1000 MICROSECOND)," SUCCESS_ROW ") x"
        " ORDER BY attempt, started_at"
    },
    {
        "sqlite3", sqlite3_session, 1,
        "CREATE TABLE IF NOT EXISTS leads_schema ("
        " version INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL"
        " DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
        "INSERT INTO stages (id, firm_id, key, name, position, closed)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        "SELECT id FROM stages WHERE firm_id = %s AND key = %s",
        "SELECT id, key, name, position, closed FROM stages"
        " WHERE firm_id = %s ORDER BY position, key",
        0,
        "SELECT id, event_id, endpoint_id, status, attempts, last_http_status,"
        " last_error, next_attempt_at, created_at FROM webhook_deliveries",
        /* takes the write lock at once, as the module does */
        "BEGIN IMMEDIATE",
        "CASE WHEN body LIKE %s THEN json_extract(body, '$.data.id') END = %s",
        "SELECT MIN(created_at) FROM webhook_deliveries"
        " WHERE status = 'pending'",
        "failing_since",
        "SELECT attempt, started_at, http_status, error, duration_ms, outcome"
        " FROM (" ATTEMPT_ROWS("webhook_attempts") " UNION ALL SELECT attempts,"
        " strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', julianday(delivered_at)"
        " - last_duration_ms / 86400000.0)," SUCCESS_ROW ") x"
        " ORDER BY attempt, started_at"
    },
    { NULL, NULL, 0, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL,
      NULL }
};

const leadsctl_dialect_t *leadsctl_dialect_for(const char *driver)
{
    const leadsctl_dialect_t *d;

    for (d = dialects; d->driver; d++) {
        if (strcmp(d->driver, driver) == 0) {
            return d;
        }
    }
    return NULL;
}

/* ---- Connection ---------------------------------------------------------- */

/* Driver messages often end with a newline (libpq): drop it. */
static const char *clean_message(apr_pool_t *p, const char *msg)
{
    char *s;
    apr_size_t n;

    if (msg == NULL || *msg == '\0') {
        return "unknown error";
    }
    s = apr_pstrdup(p, msg);
    n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) {
        s[--n] = '\0';
    }
    return s;
}

static int db_failed(leadsctl_db_t *db, int rv)
{
    db->error = clean_message(db->pool,
                              apr_dbd_error(db->driver, db->handle, rv));
    return rv ? rv : -1;
}

/* root working on a SQLite file that httpd's user owns becomes that user
 * first, so every file SQLite makes beside it (-wal, -shm, -journal) stays
 * writable by httpd. */
static apr_status_t sqlite_become_owner(const char *path, const char **error,
                                        apr_pool_t *p)
{
    struct stat st;

    if (geteuid() != 0 || stat(path, &st) != 0 || st.st_uid == 0) {
        return APR_SUCCESS;
    }
    /* root's supplementary groups go too: files made now belong to the
     * owner's groups only */
    if (setgroups(0, NULL) != 0 || setgid(st.st_gid) != 0
        || setuid(st.st_uid) != 0) {
        *error = apr_psprintf(p, "cannot switch to the owner (uid %ld) of %s",
                              (long)st.st_uid, path);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

apr_status_t leadsctl_db_open(apr_pool_t *p, const char *driver,
                              const char *params, leadsctl_db_t **out,
                              const char **error)
{
    leadsctl_db_t *db;
    const char *err = NULL;
    const char *const *stmt;
    apr_status_t rv;

    *out = NULL;
    db = apr_pcalloc(p, sizeof(*db));
    db->pool = p;
    db->sql = leadsctl_dialect_for(driver);
    if (db->sql == NULL) {
        *error = apr_psprintf(p, "unsupported driver '%s' "
                              "(pgsql, mysql or sqlite3)", driver);
        return APR_EINVAL;
    }
    rv = apr_dbd_init(p);
    if (rv == APR_SUCCESS) {
        rv = apr_dbd_get_driver(p, driver, &db->driver);
    }
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(p, "cannot load the apr_dbd %s driver "
                              "(is libaprutil1-dbd-%s installed?)",
                              driver, driver);
        return rv;
    }
    if (strcmp(driver, "sqlite3") == 0
        && (rv = sqlite_become_owner(params, error, p)) != APR_SUCCESS) {
        return rv;
    }
    rv = apr_dbd_open_ex(db->driver, p, params, &db->handle, &err);
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(p, "cannot open the %s database: %s", driver,
                              clean_message(p, err));
        return rv;
    }
    for (stmt = db->sql->session; *stmt; stmt++) {
        if (leadsctl_db_query(db, *stmt) != 0) {
            *error = apr_psprintf(p, "%s: %s", *stmt, db->error);
            leadsctl_db_close(db);
            return APR_EGENERAL;
        }
    }
    *out = db;
    return APR_SUCCESS;
}

void leadsctl_db_close(leadsctl_db_t *db)
{
    if (db && db->handle) {
        apr_dbd_close(db->driver, db->handle);
        db->handle = NULL;
    }
}

/* ---- Statements ---------------------------------------------------------- */

/* Statements that return rows (PRAGMA busy_timeout) are run as selects:
 * the sqlite3 driver's plain query reports a returned row as an error. */
int leadsctl_db_query(leadsctl_db_t *db, const char *sql)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rv;

    rv = apr_dbd_select(db->driver, db->pool, db->handle, &res, sql, 1);
    if (rv != 0) {
        return db_failed(db, rv);
    }
    /* mysql keeps no result for statements without one; read the rest so
     * every driver is done with this statement. */
    if (res != NULL) {
        int i;
        for (i = 1; apr_dbd_get_row(db->driver, db->pool, res, &row, i) == 0;
             i++) {
        }
    }
    return 0;
}

/* Collect the NULL-terminated text values after `sql`. */
static int collect_args(va_list ap, const char **args)
{
    int n = 0;
    const char *v;

    while ((v = va_arg(ap, const char *)) != NULL && n < DB_MAX_ARGS) {
        args[n++] = v;
    }
    return n;
}

/* Unlabelled statements: nothing to go stale on a reconnect, and pgsql
 * runs them with PQexecParams. */
static int db_prepare(leadsctl_db_t *db, const char *sql,
                      apr_dbd_prepared_t **stmt)
{
    int rv;

    *stmt = NULL;
    rv = apr_dbd_prepare(db->driver, db->pool, db->handle, sql, NULL, stmt);
    return rv ? db_failed(db, rv) : 0;
}

int leadsctl_db_exec(leadsctl_db_t *db, int *nrows, const char *sql, ...)
{
    apr_dbd_prepared_t *stmt;
    const char *args[DB_MAX_ARGS];
    int n, rv, affected = 0;
    va_list ap;

    va_start(ap, sql);
    n = collect_args(ap, args);
    va_end(ap);

    rv = db_prepare(db, sql, &stmt);
    if (rv == 0) {
        rv = apr_dbd_pquery(db->driver, db->pool, db->handle, &affected,
                            stmt, n, args);
        if (rv != 0) {
            db_failed(db, rv);
        }
    }
    if (nrows) {
        *nrows = affected;
    }
    return rv;
}

int leadsctl_db_select(leadsctl_db_t *db, leadsctl_rows_t **out,
                       const char *sql, ...)
{
    apr_dbd_prepared_t *stmt;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    leadsctl_rows_t *rows;
    const char *args[DB_MAX_ARGS];
    int n, rv, i, c;
    va_list ap;

    va_start(ap, sql);
    n = collect_args(ap, args);
    va_end(ap);

    *out = NULL;
    rv = db_prepare(db, sql, &stmt);
    if (rv != 0) {
        return rv;
    }
    rv = apr_dbd_pselect(db->driver, db->pool, db->handle, &res, stmt, 1,
                         n, args);
    if (rv != 0) {
        return db_failed(db, rv);
    }
    rows = apr_pcalloc(db->pool, sizeof(*rows));
    rows->ncols = apr_dbd_num_cols(db->driver, res);
    rows->rows = apr_array_make(db->pool, 8, sizeof(const char **));
    /* Random access counts rows from 1. Copy each value out: pgsql frees
     * the result once the last row has been read. */
    for (i = 1; apr_dbd_get_row(db->driver, db->pool, res, &row, i) == 0;
         i++) {
        const char **values = apr_pcalloc(db->pool,
                                          sizeof(*values) * (rows->ncols + 1));
        for (c = 0; c < rows->ncols; c++) {
            const char *v = apr_dbd_get_entry(db->driver, row, c);
            values[c] = apr_pstrdup(db->pool, v ? v : "");
        }
        APR_ARRAY_PUSH(rows->rows, const char **) = values;
    }
    *out = rows;
    return 0;
}

/* ---- Transactions -------------------------------------------------------- */

int leadsctl_db_begin(leadsctl_db_t *db)
{
    return leadsctl_db_query(db, db->sql->begin);
}

int leadsctl_db_commit(leadsctl_db_t *db)
{
    return leadsctl_db_query(db, "COMMIT");
}

void leadsctl_db_rollback(leadsctl_db_t *db)
{
    const char *saved = db->error;

    leadsctl_db_query(db, "ROLLBACK");
    db->error = saved;
}

const char *leadsctl_rows_get(const leadsctl_rows_t *rows, int i, int col)
{
    if (i < 0 || i >= rows->rows->nelts || col < 0 || col >= rows->ncols) {
        return "";
    }
    return APR_ARRAY_IDX(rows->rows, i, const char **)[col];
}

/* ---- Migrations ---------------------------------------------------------- */

static int blank(const char *s)
{
    for (; *s; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') {
            return 0;
        }
    }
    return 1;
}

/* Split a schema file into statements: each ends with ';' at the end of a
 * line; whole-line `--` comments are dropped (the sqlite3 driver cannot run
 * a comment-only statement). */
static apr_array_header_t *split_statements(apr_pool_t *p, const char *text)
{
    apr_array_header_t *out = apr_array_make(p, 16, sizeof(const char *));
    char *copy = apr_pstrdup(p, text);
    char *line, *last = NULL;
    char *stmt = apr_pstrdup(p, "");

    for (line = apr_strtok(copy, "\n", &last); line;
         line = apr_strtok(NULL, "\n", &last)) {
        const char *start = line;
        apr_size_t n = strlen(line);
        int ends;

        while (*start == ' ' || *start == '\t') {
            start++;
        }
        if (start[0] == '-' && start[1] == '-') {
            continue;
        }
        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'
                         || line[n - 1] == '\r')) {
            line[--n] = '\0';
        }
        ends = (n > 0 && line[n - 1] == ';');
        if (ends) {
            line[n - 1] = '\0';
        }
        stmt = apr_pstrcat(p, stmt, line, "\n", NULL);
        if (ends) {
            if (!blank(stmt)) {
                APR_ARRAY_PUSH(out, const char *) = stmt;
            }
            stmt = apr_pstrdup(p, "");
        }
    }
    if (!blank(stmt)) {
        APR_ARRAY_PUSH(out, const char *) = stmt;
    }
    return out;
}

static int version_recorded(const leadsctl_rows_t *rows, int version)
{
    int i;

    for (i = 0; i < rows->rows->nelts; i++) {
        if (atoi(leadsctl_rows_get(rows, i, 0)) == version) {
            return 1;
        }
    }
    return 0;
}

static int by_version(const void *a, const void *b)
{
    const leads_migration_t *x = *(const leads_migration_t *const *)a;
    const leads_migration_t *y = *(const leads_migration_t *const *)b;

    return (x->version > y->version) - (x->version < y->version);
}

/* Run one migration and record it. pgsql and sqlite3 take DDL inside a
 * transaction, so a failure leaves nothing behind; MySQL commits each DDL
 * statement, and the schema files use IF NOT EXISTS so a rerun completes. */
static int apply_migration(leadsctl_db_t *db, const leads_migration_t *m)
{
    apr_array_header_t *stmts = split_statements(db->pool, m->sql);
    const char *version = apr_itoa(db->pool, m->version);
    int tx = db->sql->ddl_in_transaction;
    int i, rv = 0;

    if (tx && (rv = leadsctl_db_query(db, "BEGIN")) != 0) {
        db->error = apr_psprintf(db->pool, "%s: BEGIN: %s", m->name,
                                 db->error);
        return rv;
    }
    for (i = 0; i < stmts->nelts && rv == 0; i++) {
        rv = leadsctl_db_query(db, APR_ARRAY_IDX(stmts, i, const char *));
        if (rv != 0) {
            db->error = apr_psprintf(db->pool, "%s: statement %d: %s",
                                     m->name, i + 1, db->error);
        }
    }
    if (rv == 0) {
        rv = leadsctl_db_exec(db, NULL,
                              "INSERT INTO leads_schema (version, name)"
                              " VALUES (%s, %s)", version, m->name, NULL);
        if (rv != 0) {
            db->error = apr_psprintf(db->pool, "%s: recording it: %s",
                                     m->name, db->error);
        }
    }
    if (tx && rv == 0 && (rv = leadsctl_db_query(db, "COMMIT")) != 0) {
        db->error = apr_psprintf(db->pool, "%s: COMMIT: %s", m->name,
                                 db->error);
    }
    if (tx && rv != 0) {
        leadsctl_db_rollback(db);
    }
    return rv;
}

int leadsctl_db_migrate(leadsctl_db_t *db, int *version,
                        apr_array_header_t *applied)
{
    apr_array_header_t *todo;
    leadsctl_rows_t *rows;
    const leads_migration_t *m;
    int i, rv;

    *version = 0;
    /* WAL lets httpd's readers and its one writer overlap; the mode is
     * kept in the file, so setting it once here is enough. */
    if (strcmp(db->sql->driver, "sqlite3") == 0) {
        leadsctl_db_query(db, "PRAGMA journal_mode = WAL");
    }
    rv = leadsctl_db_query(db, db->sql->schema_table);
    if (rv != 0) {
        db->error = apr_psprintf(db->pool, "creating leads_schema: %s",
                                 db->error);
        return rv;
    }
    rv = leadsctl_db_select(db, &rows, "SELECT version FROM leads_schema",
                            NULL);
    if (rv != 0) {
        return rv;
    }
    for (i = 0; i < rows->rows->nelts; i++) {
        int v = atoi(leadsctl_rows_get(rows, i, 0));
        if (v > *version) {
            *version = v;
        }
    }

    todo = apr_array_make(db->pool, 4, sizeof(const leads_migration_t *));
    for (m = leads_migrations; m->driver; m++) {
        if (strcmp(m->driver, db->sql->driver) == 0
            && !version_recorded(rows, m->version)) {
            APR_ARRAY_PUSH(todo, const leads_migration_t *) = m;
        }
    }
    qsort(todo->elts, todo->nelts, sizeof(const leads_migration_t *),
          by_version);

    for (i = 0; i < todo->nelts; i++) {
        m = APR_ARRAY_IDX(todo, i, const leads_migration_t *);
        rv = apply_migration(db, m);
        if (rv != 0) {
            return rv;
        }
        if (m->version > *version) {
            *version = m->version;
        }
        if (applied) {
            APR_ARRAY_PUSH(applied, const char *) = m->name;
        }
    }
    return 0;
}

int leadsctl_db_schema_version(leadsctl_db_t *db, int *version)
{
    leadsctl_rows_t *rows;
    int rv;

    *version = 0;
    rv = leadsctl_db_select(db, &rows, "SELECT MAX(version) FROM leads_schema",
                            NULL);
    if (rv == 0) {
        *version = atoi(leadsctl_rows_get(rows, 0, 0));
    }
    return rv;
}

int leadsctl_db_latest_version(const leadsctl_db_t *db)
{
    const leads_migration_t *m;
    int latest = 0;

    for (m = leads_migrations; m->driver; m++) {
        if (strcmp(m->driver, db->sql->driver) == 0 && m->version > latest) {
            latest = m->version;
        }
    }
    return latest;
}
