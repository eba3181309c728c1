/* leadsctl's database access: apr_dbd opened directly, no httpd.
 *
 * This header is also leadsctl's internal interface: the command context,
 * the output helpers (leadsctl_out.c) and the command handlers
 * (leadsctl_firm.c, leadsctl_key.c, leadsctl_source.c, leadsctl_webhook.c),
 * which the dispatch table in leadsctl.c names. Nothing here is used by the
 * module. */
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

/* Value of column `col` of row `i` (never NULL: SQL NULL reads as ""). */
const char *leadsctl_rows_get(const leadsctl_rows_t *rows, int i, int col);

/* Apply every embedded migration of this driver not yet recorded in
 * leads_schema, in order. *version gets the schema version afterwards and
 * `applied` (may be NULL) the names applied now. */
int leadsctl_db_migrate(leadsctl_db_t *db, int *version,
                        apr_array_header_t *applied);

/* ---- Commands ---------------------------------------------------------- */

#define LEADSCTL_OK    0
#define LEADSCTL_FAIL  1
#define LEADSCTL_USAGE 2

/* What a command handler gets: its parsed options and the connection. */
typedef struct {
    apr_pool_t *pool;
    leadsctl_db_t *db;
    int json;                           /* --json given */
    const char *name;                   /* "key add", for messages */
    apr_table_t *opts;                  /* --opt value; flags map to "" */
    const apr_array_header_t *args;     /* positional arguments, const char * */
} leadsctl_cmd_t;

typedef int (*leadsctl_run_fn)(leadsctl_cmd_t *cmd);

/* Messages on stderr, prefixed "leadsctl: ". Each returns its exit code. */
int leadsctl_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
int leadsctl_usage_error(const leadsctl_cmd_t *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "<what>: <db->error>", exit 1. */
int leadsctl_db_fail(const leadsctl_cmd_t *cmd, const char *what);

/* Option value, or NULL when not given; flags read as "". */
const char *leadsctl_opt(const leadsctl_cmd_t *cmd, const char *name);
int leadsctl_flag(const leadsctl_cmd_t *cmd, const char *name);

/* A text option after trimming: must be present (when `required`), non-empty,
 * at most `max` characters, without control characters. Returns 0, or
 * prints a usage error and returns LEADSCTL_USAGE. *out is NULL when an
 * optional option is absent. */
int leadsctl_opt_text(const leadsctl_cmd_t *cmd, const char *name,
                      int required, apr_size_t max, const char **out);

/* --firm ID: must be a UUID naming an existing firm; *firm_id gets the
 * canonical id. Returns an exit code. */
int leadsctl_firm_resolve(const leadsctl_cmd_t *cmd, const char **firm_id);

/* ---- Output (leadsctl_out.c) -------------------------------------------- */

typedef enum {
    LEADSCTL_COL_TEXT,
    LEADSCTL_COL_INT,
    LEADSCTL_COL_BOOL,                  /* t/f, 1/0 from the driver */
    LEADSCTL_COL_JSON                   /* stored JSON text */
} leadsctl_col_type_e;

typedef struct {
    const char *name;
    leadsctl_col_type_e type;
} leadsctl_column_t;

/* The result of an add: the id alone, or {"id": …, "<secret_name>": …}.
 * `secret_name` may be NULL. */
int leadsctl_print_added(const leadsctl_cmd_t *cmd, const char *id,
                         const char *secret_name, const char *secret);

/* The result of a change to one object: nothing, or with --json
 * {"id": …, "<field>": <bool>}. */
int leadsctl_print_changed(const leadsctl_cmd_t *cmd, const char *id,
                           const char *field, int value);

/* A list: a tab-separated header and rows, or a JSON array of objects.
 * `cols` has rows->ncols entries. */
int leadsctl_print_rows(const leadsctl_cmd_t *cmd, const leadsctl_column_t *cols,
                        const leadsctl_rows_t *rows);

/* The positional argument as the canonical id of an existing row of
 * `table` (a constant): "no such <what>" when it is not a UUID or names no
 * row. These three are in leadsctl_source.c, shared by the key, source and
 * webhook commands. */
int leadsctl_resolve_arg(const leadsctl_cmd_t *cmd, const char *table,
                         const char *what, const char **id);

/* `<noun> disable|enable ID` for a `table` with an `enabled` column. */
int leadsctl_set_enabled(leadsctl_cmd_t *cmd, const char *table,
                         const char *what, int enabled);

/* `<noun> delete ID`: "no such <what>" when no row went. */
int leadsctl_delete_row(leadsctl_cmd_t *cmd, const char *table,
                        const char *what);

/* Run `sql` (one %s: the --firm id, checked to exist) and print its rows.
 * In leadsctl_firm.c. */
int leadsctl_list_for_firm(leadsctl_cmd_t *cmd, const char *sql,
                           const leadsctl_column_t *cols);

/* Any JSON value on one line (stolen reference: decref'd here). */
int leadsctl_print_json(json_t *value);

/* Non-zero when a boolean as a driver returns it is true. */
int leadsctl_bool_value(const char *s);

/* ---- Command handlers ---------------------------------------------------- */

int leadsctl_init_run(leadsctl_cmd_t *cmd);             /* leadsctl.c */
int leadsctl_firm_add(leadsctl_cmd_t *cmd);             /* leadsctl_firm.c */
int leadsctl_firm_list(leadsctl_cmd_t *cmd);
int leadsctl_stage_add(leadsctl_cmd_t *cmd);
int leadsctl_stage_list(leadsctl_cmd_t *cmd);
int leadsctl_member_add(leadsctl_cmd_t *cmd);
int leadsctl_member_list(leadsctl_cmd_t *cmd);
int leadsctl_field_add(leadsctl_cmd_t *cmd);
int leadsctl_field_list(leadsctl_cmd_t *cmd);
int leadsctl_key_add(leadsctl_cmd_t *cmd);              /* leadsctl_key.c */
int leadsctl_key_disable(leadsctl_cmd_t *cmd);
int leadsctl_key_enable(leadsctl_cmd_t *cmd);
int leadsctl_key_delete(leadsctl_cmd_t *cmd);
int leadsctl_key_list(leadsctl_cmd_t *cmd);
int leadsctl_source_add(leadsctl_cmd_t *cmd);           /* leadsctl_source.c */
int leadsctl_source_disable(leadsctl_cmd_t *cmd);
int leadsctl_source_enable(leadsctl_cmd_t *cmd);
int leadsctl_source_delete(leadsctl_cmd_t *cmd);
int leadsctl_source_list(leadsctl_cmd_t *cmd);
int leadsctl_webhook_add(leadsctl_cmd_t *cmd);          /* leadsctl_webhook.c */
int leadsctl_webhook_disable(leadsctl_cmd_t *cmd);
int leadsctl_webhook_enable(leadsctl_cmd_t *cmd);
int leadsctl_webhook_list(leadsctl_cmd_t *cmd);
int leadsctl_webhook_deliveries(leadsctl_cmd_t *cmd);
int leadsctl_webhook_retry(leadsctl_cmd_t *cmd);

#endif
