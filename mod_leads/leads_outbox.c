/* Outbox rows for the deliverer. Deliveries are leased in the database
 * before they are sent, so hosts sharing one database never send the same
 * delivery at once; an expired lease (a crashed host) frees it again.
 *
 * A batch costs the same statements whatever its size: one UPDATE leases
 * it under a token of its own, one SELECT loads it by that token (pgsql:
 * one statement does both, UPDATE ... RETURNING), and its
 * outcomes travel as one JSON parameter that the database unpacks
 * (jsonb_to_recordset, JSON_TABLE, json_each) into one INSERT of the
 * attempts and one UPDATE of the deliveries (pgsql: one statement). */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "httpd.h"
#include "apr_strings.h"

#include "leads_outbox.h"
#include "leads_uuid.h"

typedef struct {
    apr_pool_t *p;
    const char *args[5];
    apr_array_header_t *items;
} lease_baton_t;

static apr_status_t lease_work(leads_db_t *db, void *baton)
{
    lease_baton_t *b = baton;
    apr_dbd_results_t *res;
    apr_dbd_row_t *row;
    apr_status_t rv;
    int nrows = 0, n = 0;

    b->items = apr_array_make(b->p, 16, sizeof(leads_outbox_item_t));
    if (!leads_db_dialect(db)->sql[LEADS_SQL_DELIVERY_LEASED]) {
        rv = leads_db_select(db, LEADS_SQL_DELIVERY_LEASE, 5, b->args, &res);
    }
    else {
        rv = leads_db_query(db, LEADS_SQL_DELIVERY_LEASE, 5, b->args, &nrows);
        if (rv != APR_SUCCESS || nrows == 0) {
            return rv;
        }
        rv = leads_db_select(db, LEADS_SQL_DELIVERY_LEASED, 1, b->args, &res);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    while ((row = leads_db_row(db, res, &n)) != NULL) {
        leads_outbox_item_t *it = apr_array_push(b->items);
        const char *attempts = leads_db_column(db, b->p, row, 3);

        it->id = leads_db_column(db, b->p, row, 0);
        it->event_id = leads_db_column(db, b->p, row, 1);
        it->body = leads_db_column(db, b->p, row, 2);
        it->attempts = attempts ? atoi(attempts) : 0;
        it->url = leads_db_column(db, b->p, row, 4);
        it->secret = leads_db_column(db, b->p, row, 5);
    }
    return APR_SUCCESS;
}

apr_status_t leads_outbox_lease(leads_db_t *db, apr_pool_t *p,
                                const char *token, apr_time_t now,
                                apr_time_t until, int max,
                                apr_array_header_t **items)
{
    lease_baton_t b;
    apr_status_t rv;

    b.p = p;
    b.args[0] = token;
    b.args[1] = leads_db_time(db, until);
    b.args[2] = b.args[3] = leads_db_time(db, now);
    b.args[4] = apr_itoa(p, max);
    b.items = NULL;
    rv = leads_db_run(db, lease_work, &b);
    *items = b.items;
    return rv;
}

static void set_text(json_t *o, const char *key, const char *v)
{
    json_t *s;

    if (!v) {
        return;                         /* absent reads as NULL */
    }
    s = json_string(v);
    json_object_set_new(o, key, s ? s : json_string("(not UTF-8)"));
}

/* One outcome as the finishing statements read it (their column names). */
static json_t *result_json(leads_db_t *db, apr_pool_t *p,
                           const leads_outbox_result_t *res, const char *now)
{
    json_t *o = json_object();
    const char *attempt_id;

    if (!o || leads_uuid_v7(p, res->started, &attempt_id) != APR_SUCCESS) {
        json_decref(o);
        return NULL;
    }
    set_text(o, "attempt_id", attempt_id);
    set_text(o, "id", res->id);
    set_text(o, "token", res->token);
    json_object_set_new(o, "attempt", json_integer(res->attempt));
    set_text(o, "started", leads_db_time(db, res->started));
    json_object_set_new(o, "ms", json_integer(apr_time_as_msec(res->duration)));
    if (res->http_status) {
        json_object_set_new(o, "http", json_integer(res->http_status));
    }
    set_text(o, "error", res->error);
    set_text(o, "outcome", res->error ? "error" : "success");
    set_text(o, "status", res->status);
    set_text(o, "next_at", leads_db_time(db, res->next_attempt));
    set_text(o, "now_at", now);
    if (strcmp(res->status, "delivered") == 0) {
        set_text(o, "delivered_at", now);
    }
    return o;
}

static const char *results_json(leads_db_t *db,
                                const apr_array_header_t *results)
{
    apr_pool_t *p = leads_db_pool(db);
    const char *now = leads_db_time(db, apr_time_now());
    json_t *arr = json_array(), *o;
    const char *text = NULL;
    char *dumped;
    int i;

    for (i = 0; arr && i < results->nelts; i++) {
        o = result_json(db, p, &APR_ARRAY_IDX(results, i,
                                              leads_outbox_result_t), now);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    if (arr && (dumped = json_dumps(arr, JSON_COMPACT)) != NULL) {
        text = apr_pstrdup(p, dumped);
        free(dumped);
    }
    json_decref(arr);
    return text;
}

/* Attempt rows and delivery updates together: the log never disagrees
 * with the deliveries' own counters. */
static apr_status_t finish_work(leads_db_t *db, void *baton)
{
    const apr_array_header_t *results = baton;
    const char *json = results_json(db, results);
    apr_status_t rv;
    int nrows;

    if (!json) {
        return APR_ENOMEM;
    }
    if (!leads_db_dialect(db)->sql[LEADS_SQL_ATTEMPTS_RECORD]) {
        return leads_db_query(db, LEADS_SQL_DELIVERIES_FINISH, 1, &json,
                              &nrows);
    }
    rv = leads_db_begin(db);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = leads_db_query(db, LEADS_SQL_ATTEMPTS_RECORD, 1, &json, &nrows);
    if (rv == APR_SUCCESS) {
        rv = leads_db_query(db, LEADS_SQL_DELIVERIES_FINISH, 1, &json, &nrows);
    }
    if (rv == APR_SUCCESS) {
        rv = leads_db_exec(db, "COMMIT");
    }
    if (rv != APR_SUCCESS) {
        leads_db_rollback(db);
    }
    return rv;
}

apr_status_t leads_outbox_finish(leads_db_t *db,
                                 const apr_array_header_t *results)
{
    if (results->nelts == 0) {
        return APR_SUCCESS;
    }
    return leads_db_run(db, finish_work, (void *)results);
}

static apr_status_t release_work(leads_db_t *db, void *baton)
{
    const char *pattern = baton;
    int nrows;

    return leads_db_query(db, LEADS_SQL_DELIVERIES_RELEASE, 1, &pattern,
                          &nrows);
}

apr_status_t leads_outbox_release(leads_db_t *db, const char *owner)
{
    const char *pattern = apr_pstrcat(leads_db_pool(db), owner, ":%", NULL);

    return leads_db_run(db, release_work, (void *)pattern);
}

typedef struct {
    apr_uint64_t *pending, *disabled;
    double *oldest;
} stats_baton_t;

static apr_status_t stats_work(leads_db_t *db, void *baton)
{
    stats_baton_t *b = baton;
    const char *c[3];
    apr_status_t rv = leads_db_select_row(db, LEADS_SQL_OUTBOX_STATS, 0, NULL,
                                          leads_db_pool(db), 3, c);

    if (rv == APR_SUCCESS) {
        *b->pending = c[0] ? apr_atoi64(c[0]) : 0;
        *b->oldest = c[1] ? atof(c[1]) : 0;
        *b->disabled = c[2] ? apr_atoi64(c[2]) : 0;
    }
    return rv;
}

apr_status_t leads_outbox_stats(leads_db_t *db, apr_uint64_t *pending,
                                double *oldest_seconds,
                                apr_uint64_t *endpoints_disabled)
{
    stats_baton_t b = { pending, endpoints_disabled, oldest_seconds };

    return leads_db_run(db, stats_work, &b);
}
