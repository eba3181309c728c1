/* Outbox rows for the deliverer. A delivery is leased in the database
 * before it is sent, so hosts sharing one database never send the same
 * delivery at once; an expired lease (a crashed host) frees it again. */
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"

#include "leads_outbox.h"
#include "leads_uuid.h"

typedef struct {
    apr_time_t now;
    apr_array_header_t *ids;
} due_baton_t;

static apr_status_t due_work(leads_db_t *db, void *baton)
{
    due_baton_t *b = baton;
    apr_pool_t *p = leads_db_pool(db);
    const char *args[2];
    apr_dbd_results_t *res;
    apr_dbd_row_t *row;
    int n = 0;
    apr_status_t rv;

    args[0] = args[1] = leads_db_time(db, b->now);
    rv = leads_db_select(db, LEADS_SQL_DELIVERY_DUE, 2, args, &res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    b->ids = apr_array_make(p, 16, sizeof(const char *));
    while ((row = leads_db_row(db, res, &n)) != NULL) {
        APR_ARRAY_PUSH(b->ids, const char *) = leads_db_column(db, p, row, 0);
    }
    return APR_SUCCESS;
}

apr_status_t leads_outbox_due(leads_db_t *db, apr_time_t now,
                              apr_array_header_t **ids)
{
    due_baton_t b = { now, NULL };
    apr_status_t rv = leads_db_run(db, due_work, &b);

    *ids = b.ids;
    return rv;
}

typedef struct {
    const char *args[5];
    int nrows;
} lease_baton_t;

static apr_status_t lease_work(leads_db_t *db, void *baton)
{
    lease_baton_t *b = baton;

    return leads_db_query(db, LEADS_SQL_DELIVERY_LEASE, 5, b->args, &b->nrows);
}

apr_status_t leads_outbox_lease(leads_db_t *db, const char *id,
                                const char *owner, apr_time_t now,
                                apr_time_t until)
{
    lease_baton_t b;
    apr_status_t rv;

    b.args[0] = owner;
    b.args[1] = leads_db_time(db, until);
    b.args[2] = id;
    b.args[3] = b.args[4] = leads_db_time(db, now);
    b.nrows = 0;
    rv = leads_db_run(db, lease_work, &b);
    return rv == APR_SUCCESS && b.nrows != 1 ? LEADS_DB_NOT_FOUND : rv;
}

typedef struct {
    apr_pool_t *p;
    const char *id;
    leads_outbox_item_t *out;
} load_baton_t;

static apr_status_t load_work(leads_db_t *db, void *baton)
{
    load_baton_t *b = baton;
    const char *c[5];
    apr_status_t rv = leads_db_select_row(db, LEADS_SQL_DELIVERY_LOAD, 1,
                                          &b->id, b->p, 5, c);

    if (rv == APR_SUCCESS) {
        b->out->event_id = c[0];
        b->out->body = c[1];
        b->out->attempts = c[2] ? atoi(c[2]) : 0;
        b->out->url = c[3];
        b->out->secret = c[4];
    }
    return rv;
}

apr_status_t leads_outbox_load(leads_db_t *db, apr_pool_t *p, const char *id,
                               leads_outbox_item_t *out)
{
    load_baton_t b = { p, id, out };

    return leads_db_run(db, load_work, &b);
}

typedef struct {
    const char *id;
    const char *owner;
    const leads_outbox_result_t *res;
} finish_baton_t;

/* Attempt row and delivery update together: the log never disagrees with
 * the delivery's own counters. */
static apr_status_t finish_work(leads_db_t *db, void *baton)
{
    finish_baton_t *b = baton;
    const leads_outbox_result_t *res = b->res;
    apr_pool_t *p = leads_db_pool(db);
    const char *http = res->http_status
                       ? apr_itoa(p, res->http_status) : "";
    const char *now = leads_db_time(db, apr_time_now());
    const char *attempt_id, *args[8];
    apr_status_t rv;
    int nrows;

    rv = leads_uuid_v7(p, res->started, &attempt_id);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = leads_db_begin(db);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    args[0] = attempt_id;
    args[1] = b->id;
    args[2] = apr_itoa(p, res->attempt);
    args[3] = leads_db_time(db, res->started);
    args[4] = apr_ltoa(p, (long)apr_time_as_msec(res->duration));
    args[5] = http;
    args[6] = res->error ? res->error : "";
    args[7] = res->error ? "error" : "success";
    rv = leads_db_query(db, LEADS_SQL_ATTEMPT_INSERT, 8, args, &nrows);
    if (rv == APR_SUCCESS) {
        args[0] = res->status;
        args[1] = leads_db_time(db, res->next_attempt);
        args[2] = http;
        args[3] = res->error ? res->error : "";
        args[4] = now;
        args[5] = strcmp(res->status, "delivered") == 0 ? now : "";
        args[6] = b->id;
        args[7] = b->owner;
        rv = leads_db_query(db, LEADS_SQL_DELIVERY_FINISH, 8, args, &nrows);
    }
    if (rv == APR_SUCCESS) {
        rv = leads_db_exec(db, "COMMIT");
    }
    if (rv != APR_SUCCESS) {
        leads_db_rollback(db);
    }
    return rv;
}

apr_status_t leads_outbox_finish(leads_db_t *db, const char *id,
                                 const char *owner,
                                 const leads_outbox_result_t *res)
{
    finish_baton_t b = { id, owner, res };

    return leads_db_run(db, finish_work, &b);
}
