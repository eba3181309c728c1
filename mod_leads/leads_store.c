/* The request path's database work, over mod_dbd's pooled connections.
 *
 * Statements are prepared lazily on each pooled connection and remembered in
 * mod_dbd's own per-connection table. On pgsql a reconnect (PQreset in the
 * driver's connection check) silently drops server-side prepared statements
 * while that table still holds them, so a failed unit of work on such a
 * backend forgets our statements and runs once more (NOTES-apr-dbd.md).
 * Transactions are plain BEGIN/COMMIT queries: apr_dbd_transaction_start()
 * crashes when BEGIN fails on a dead pgsql connection. */
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"
#include "http_log.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "leads_store.h"
#include "leads_time.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

struct leads_db {
    request_rec *r;
    ap_dbd_t *dbd;
    const leads_dialect_t *dialect;
};

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire;

static apr_status_t connection_setup(leads_db_t *db);

int leads_store_init(void)
{
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    return dbd_acquire != NULL;
}

apr_status_t leads_db_acquire(request_rec *r, leads_db_t **out)
{
    ap_dbd_t *dbd;
    leads_db_t *db;
    const leads_dialect_t *dialect;

    if (!dbd_acquire) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LEADSLOGNO(00010)
                      "mod_dbd is not loaded: add LoadModule dbd_module");
        return LEADS_DB_DOWN;
    }
    dbd = dbd_acquire(r);
    if (!dbd) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LEADSLOGNO(00011)
                      "no database connection from mod_dbd (check DBDriver, "
                      "DBDParams and that the database is up)");
        return LEADS_DB_DOWN;
    }
    dialect = leads_dialect_for(apr_dbd_name(dbd->driver));
    if (!dialect) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LEADSLOGNO(00012)
                      "DBDriver %s is not supported (use pgsql, mysql or "
                      "sqlite3)", apr_dbd_name(dbd->driver));
        return LEADS_DB_DOWN;
    }
    db = apr_pcalloc(r->pool, sizeof(*db));
    db->r = r;
    db->dbd = dbd;
    db->dialect = dialect;
    *out = db;
    return connection_setup(db);
}

/* After a failure: is the connection still usable (the statement was at
 * fault) or gone (the database is down)? */
static apr_status_t failure(leads_db_t *db, const char *what, int rc)
{
    const apr_dbd_driver_t *drv = db->dbd->driver;
    int alive;

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, db->r, LEADSLOGNO(00013)
                  "%s failed: %s", what,
                  apr_dbd_error(drv, db->dbd->handle, rc));
    alive = apr_dbd_check_conn(drv, db->r->pool, db->dbd->handle) == APR_SUCCESS;
    return alive ? LEADS_DB_FAILED : LEADS_DB_DOWN;
}

static apr_status_t prepared(leads_db_t *db, leads_sql_e which,
                             apr_dbd_prepared_t **stmt)
{
    const char *label = db->dialect->label[which];
    int rc;

    *stmt = apr_hash_get(db->dbd->prepared, label, APR_HASH_KEY_STRING);
    if (*stmt) {
        return APR_SUCCESS;
    }
    rc = apr_dbd_prepare(db->dbd->driver, db->dbd->pool, db->dbd->handle,
                         db->dialect->sql[which], label, stmt);
    if (rc) {
        return failure(db, label, rc);
    }
    apr_hash_set(db->dbd->prepared, label, APR_HASH_KEY_STRING, *stmt);
    return APR_SUCCESS;
}

/* The dialect's settings for a connection (utf8mb4 on mysql, lock waits
 * on sqlite3), once per pooled connection: the mark lives in the
 * connection's own pool, so a new connection is set up anew. */
static apr_status_t connection_setup(leads_db_t *db)
{
    static const char mark[] = "leads-connection-ready";
    void *ready = NULL;
    int i;

    apr_pool_userdata_get(&ready, mark, db->dbd->pool);
    if (ready) {
        return APR_SUCCESS;
    }
    for (i = 0; db->dialect->connection_setup[i]; i++) {
        const char *sql = db->dialect->connection_setup[i];
        apr_dbd_results_t *res = NULL;
        int nrows, rc;

        /* random access reads every row at once: nothing left pending */
        rc = db->dialect->setup_returns_rows
             ? apr_dbd_select(db->dbd->driver, db->r->pool, db->dbd->handle,
                              &res, sql, 1)
             : apr_dbd_query(db->dbd->driver, db->dbd->handle, &nrows, sql);

        if (rc) {
            return failure(db, sql, rc);
        }
    }
    apr_pool_userdata_setn(mark, mark, NULL, db->dbd->pool);
    return APR_SUCCESS;
}

/* Forget our statements on this connection so they are prepared again. */
static void forget_statements(leads_db_t *db)
{
    int i, nrows;

    for (i = 0; i < LEADS_SQL_COUNT; i++) {
        const char *label = db->dialect->label[i];

        if (apr_hash_get(db->dbd->prepared, label, APR_HASH_KEY_STRING)) {
            apr_dbd_query(db->dbd->driver, db->dbd->handle, &nrows,
                          apr_pstrcat(db->r->pool, "DEALLOCATE ", label, NULL));
            apr_hash_set(db->dbd->prepared, label, APR_HASH_KEY_STRING, NULL);
        }
    }
}

typedef apr_status_t (*db_work_fn)(leads_db_t *db, void *baton);

/* Run a unit of work; on a backend that may have lost its prepared
 * statements, a statement failure earns one more try on fresh ones. */
static apr_status_t with_recovery(leads_db_t *db, db_work_fn work, void *baton)
{
    apr_status_t rv = work(db, baton);

    if (rv == LEADS_DB_FAILED && db->dialect->stale_statements) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, db->r, LEADSLOGNO(00014)
                      "re-preparing statements on this connection and "
                      "trying once more");
        forget_statements(db);
        rv = work(db, baton);
    }
    return rv;
}

static apr_status_t select_rows(leads_db_t *db, apr_pool_t *p,
                                leads_sql_e which, int nargs,
                                const char **args, apr_dbd_results_t **res)
{
    apr_dbd_prepared_t *stmt;
    apr_status_t rv = prepared(db, which, &stmt);
    int rc;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    *res = NULL;
    rc = apr_dbd_pselect(db->dbd->driver, p, db->dbd->handle, res, stmt, 1,
                         nargs, args);
    return rc ? failure(db, db->dialect->label[which], rc) : APR_SUCCESS;
}

static apr_status_t exec_sql(leads_db_t *db, const char *sql)
{
    int nrows, rc = apr_dbd_query(db->dbd->driver, db->dbd->handle, &nrows, sql);

    return rc ? failure(db, sql, rc) : APR_SUCCESS;
}

/* Row `*n` (counting from 1, as random-access results do) of `res`, or
 * NULL past the last; callers read every row, as mysql needs. */
static apr_dbd_row_t *next_row(leads_db_t *db, apr_pool_t *p,
                               apr_dbd_results_t *res, int *n)
{
    apr_dbd_row_t *row = NULL;

    if (apr_dbd_get_row(db->dbd->driver, p, res, &row, ++*n) != 0) {
        return NULL;
    }
    return row;
}

static const char *column(leads_db_t *db, apr_pool_t *p, apr_dbd_row_t *row,
                          int col)
{
    const char *v = apr_dbd_get_entry(db->dbd->driver, row, col);

    return v ? apr_pstrdup(p, v) : NULL;
}

static int truthy(const char *v)
{
    return v && (!strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "true"));
}

typedef struct {
    const char *hash;
    leads_key_row_t *out;
    int found;
} key_baton_t;

static apr_status_t key_work(leads_db_t *db, void *baton)
{
    key_baton_t *b = baton;
    apr_pool_t *p = db->r->pool;
    apr_dbd_results_t *res;
    apr_dbd_row_t *row;
    int n = 0;
    apr_status_t rv = select_rows(db, p, LEADS_SQL_KEY_BY_HASH, 1, &b->hash,
                                  &res);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    b->found = 0;
    while ((row = next_row(db, p, res, &n)) != NULL) {
        b->out->id = column(db, p, row, 0);
        b->out->firm_id = column(db, p, row, 1);
        b->out->scopes = column(db, p, row, 2);
        b->out->enabled = truthy(apr_dbd_get_entry(db->dbd->driver, row, 3));
        b->found = 1;
    }
    return APR_SUCCESS;
}

apr_status_t leads_store_key_by_hash(leads_db_t *db, const char *hash,
                                     leads_key_row_t *out)
{
    key_baton_t b = { hash, out, 0 };
    apr_status_t rv = with_recovery(db, key_work, &b);

    if (rv == APR_SUCCESS && !b.found) {
        rv = LEADS_DB_NOT_FOUND;
    }
    return rv;
}

typedef struct {
    apr_pool_t *p;
    const char *firm_id;
    const char *id, *key, *name;
    apr_array_header_t *fields;
    apr_hash_t *members;
} firm_baton_t;

static apr_status_t stage_work(leads_db_t *db, void *baton)
{
    firm_baton_t *b = baton;
    apr_dbd_results_t *res;
    apr_dbd_row_t *row;
    int n = 0;
    apr_status_t rv = select_rows(db, db->r->pool, LEADS_SQL_FIRST_OPEN_STAGE,
                                  1, &b->firm_id, &res);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    b->id = NULL;
    while ((row = next_row(db, db->r->pool, res, &n)) != NULL) {
        b->id = column(db, b->p, row, 0);
        b->key = column(db, b->p, row, 1);
        b->name = column(db, b->p, row, 2);
    }
    return APR_SUCCESS;
}

apr_status_t leads_store_first_open_stage(leads_db_t *db, apr_pool_t *p,
                                          const char *firm_id,
                                          const char **id, const char **key,
                                          const char **name)
{
    firm_baton_t b;
    apr_status_t rv;

    memset(&b, 0, sizeof(b));
    b.p = p;
    b.firm_id = firm_id;
    rv = with_recovery(db, stage_work, &b);
    if (rv == APR_SUCCESS && !b.id) {
        rv = LEADS_DB_NOT_FOUND;
    }
    *id = b.id;
    *key = b.key;
    *name = b.name;
    return rv;
}

/* choices is a JSON array of strings, written by leadsctl. */
static apr_array_header_t *parse_choices(apr_pool_t *p, const char *text)
{
    apr_array_header_t *choices = apr_array_make(p, 4, sizeof(const char *));
    json_t *arr = text ? json_loads(text, 0, NULL) : NULL;
    size_t i;
    json_t *v;

    json_array_foreach(arr, i, v) {
        if (json_is_string(v)) {
            APR_ARRAY_PUSH(choices, const char *) =
                apr_pstrdup(p, json_string_value(v));
        }
    }
    json_decref(arr);
    return choices;
}

static apr_status_t fields_work(leads_db_t *db, void *baton)
{
    firm_baton_t *b = baton;
    apr_dbd_results_t *res;
    apr_dbd_row_t *row;
    int n = 0;
    apr_status_t rv = select_rows(db, db->r->pool, LEADS_SQL_FIELDS, 1,
                                  &b->firm_id, &res);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    b->fields = apr_array_make(b->p, 8, sizeof(leads_field_def_t));
    while ((row = next_row(db, db->r->pool, res, &n)) != NULL) {
        const char *type = apr_dbd_get_entry(db->dbd->driver, row, 1);
        int t = leads_field_type_parse(type ? type : "");
        leads_field_def_t *f;

        if (t < 0) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, db->r,
                          LEADSLOGNO(00015) "firm %s: field of unknown type "
                          "'%s' ignored", b->firm_id, type ? type : "");
            continue;
        }
        f = apr_array_push(b->fields);
        f->name = column(db, b->p, row, 0);
        f->type = (leads_field_type_e)t;
        f->choices = parse_choices(b->p,
                                   apr_dbd_get_entry(db->dbd->driver, row, 2));
        f->required = truthy(apr_dbd_get_entry(db->dbd->driver, row, 3));
    }
    return APR_SUCCESS;
}

apr_status_t leads_store_fields(leads_db_t *db, apr_pool_t *p,
                                const char *firm_id,
                                apr_array_header_t **fields)
{
    firm_baton_t b;
    apr_status_t rv;

    memset(&b, 0, sizeof(b));
    b.p = p;
    b.firm_id = firm_id;
    rv = with_recovery(db, fields_work, &b);
    *fields = b.fields;
    return rv;
}

static apr_status_t members_work(leads_db_t *db, void *baton)
{
    firm_baton_t *b = baton;
    apr_dbd_results_t *res;
    apr_dbd_row_t *row;
    int n = 0;
    apr_status_t rv = select_rows(db, db->r->pool, LEADS_SQL_MEMBERS, 1,
                                  &b->firm_id, &res);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    b->members = apr_hash_make(b->p);
    while ((row = next_row(db, db->r->pool, res, &n)) != NULL) {
        const char *id = column(db, b->p, row, 0);

        if (id) {
            apr_hash_set(b->members, id, APR_HASH_KEY_STRING, "");
        }
    }
    return APR_SUCCESS;
}

apr_status_t leads_store_members(leads_db_t *db, apr_pool_t *p,
                                 const char *firm_id, apr_hash_t **members)
{
    firm_baton_t b;
    apr_status_t rv;

    memset(&b, 0, sizeof(b));
    b.p = p;
    b.firm_id = firm_id;
    rv = with_recovery(db, members_work, &b);
    *members = b.members;
    return rv;
}

static const char *time_param(apr_pool_t *p, leads_time_style_e style,
                              apr_time_t t)
{
    const char *iso = leads_time_iso(p, t);
    char *plain;

    if (style == LEADS_TIME_ISO_Z) {
        return iso;
    }
    /* 2026-06-24T10:00:00.000Z -> 2026-06-24 10:00:00.000 */
    plain = apr_pstrndup(p, iso, strlen(iso) - 1);
    plain[10] = ' ';
    return plain;
}

static apr_status_t insert_work(leads_db_t *db, void *baton)
{
    const leads_new_lead_t *n = baton;
    const leads_lead_t *l = n->lead;
    apr_pool_t *p = db->r->pool;
    const char *when = time_param(p, db->dialect->time_style, n->created_at);
    const char *args[12];
    apr_dbd_prepared_t *stmt;
    apr_status_t rv;
    int nrows = 0, rc;

    args[0] = n->id;
    args[1] = n->firm_id;
    args[2] = l->first_name;
    args[3] = l->last_name;
    args[4] = l->email;
    args[5] = l->phone;
    args[6] = l->source;
    args[7] = n->stage_id;
    args[8] = l->assignee_id ? l->assignee_id : "";
    args[9] = n->data_json;
    args[10] = when;
    args[11] = when;

    rv = prepared(db, LEADS_SQL_LEAD_INSERT, &stmt);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = exec_sql(db, db->dialect->begin);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rc = apr_dbd_pquery(db->dbd->driver, p, db->dbd->handle, &nrows, stmt,
                        12, args);
    if (rc || nrows != 1) {
        rv = rc ? failure(db, db->dialect->label[LEADS_SQL_LEAD_INSERT], rc)
                : LEADS_DB_FAILED;
        exec_sql(db, "ROLLBACK");
        return rv;
    }
    rv = exec_sql(db, "COMMIT");
    if (rv != APR_SUCCESS) {
        exec_sql(db, "ROLLBACK");
    }
    return rv;
}

apr_status_t leads_store_insert_lead(leads_db_t *db, const leads_new_lead_t *n)
{
    /* A retry cannot insert twice: the lead id is the primary key. */
    return with_recovery(db, insert_work, (void *)n);
}
