/* Outbox rows for the deliverer. Deliveries are leased in the database
 * before they are sent, so hosts sharing one database never send the same
 * delivery at once; an expired lease (a crashed host) frees it again.
 *
 * A fresh delivery comes leased already: the create wrote it so, and the
 * deliverer loads it by its event id (DELIVERIES_FRESH, one read a batch).
 * A swept batch costs the same statements whatever its size: one UPDATE
 * leases it under a token of its own, one SELECT loads it by that token (pgsql:
 * one statement does both, UPDATE ... RETURNING), and its
 * outcomes travel as one JSON parameter that the database unpacks
 * (jsonb_to_recordset, JSON_TABLE, json_each) into one INSERT of the
 * attempts and one UPDATE of the deliveries (pgsql: one statement). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "httpd.h"
#include "apr_strings.h"
#include "apr_general.h"
#include "apr_network_io.h"

#include "leads_outbox.h"
#include "leads_uuid.h"

#define LEASE_ARGS 10

const char *leads_outbox_owner(apr_pool_t *p)
{
    char host[APRMAXHOSTLEN + 1];
    unsigned char nonce[4] = { 0, 0, 0, 0 };

    if (apr_gethostname(host, sizeof(host), p) != APR_SUCCESS) {
        apr_cpystrn(host, "localhost", sizeof(host));
    }
    apr_generate_random_bytes(nonce, sizeof(nonce));
    return apr_psprintf(p, "%.60s:%" APR_PID_T_FMT ":%02x%02x%02x%02x", host,
                        getpid(), nonce[0], nonce[1], nonce[2], nonce[3]);
}

typedef struct {
    apr_pool_t *p;
    const char *args[LEASE_ARGS];
    apr_array_header_t *items;
} lease_baton_t;

/* A transaction whose statements are planned for the outbox as it is
 * now (the dialect's plan_now), where a pooled connection's cached plan
 * could be one made while the table was small; nothing elsewhere. */
static apr_status_t plan_now_begin(leads_db_t *db)
{
    const char *sql = leads_db_dialect(db)->plan_now;
    apr_status_t rv;

    if (!sql) {
        return APR_SUCCESS;
    }
    rv = leads_db_begin(db);
    if (rv == APR_SUCCESS && (rv = leads_db_exec(db, sql)) != APR_SUCCESS) {
        leads_db_rollback(db);
    }
    return rv;
}

static apr_status_t plan_now_end(leads_db_t *db, apr_status_t rv)
{
    if (!leads_db_dialect(db)->plan_now) {
        return rv;
    }
    if (rv == APR_SUCCESS) {
        rv = leads_db_exec(db, "COMMIT");
    }
    if (rv != APR_SUCCESS) {
        leads_db_rollback(db);
    }
    return rv;
}

/* The ids the lease should take, as a JSON array: read first without
 * locks where the dialect has DELIVERY_CANDIDATES. NULL when none. */
static apr_status_t lease_candidates(leads_db_t *db, lease_baton_t *b,
                                     const char **ids)
{
    apr_dbd_results_t *res;
    apr_dbd_row_t *row;
    json_t *arr = json_array();
    char *dumped = NULL;
    apr_status_t rv;
    int n = 0;

    *ids = NULL;
    rv = leads_db_select(db, LEADS_SQL_DELIVERY_CANDIDATES, 6, b->args + 2,
                         &res);
    while (rv == APR_SUCCESS && arr && (row = leads_db_row(db, res, &n))) {
        const char *id = leads_db_column(db, b->p, row, 0);

        json_array_append_new(arr, json_string(id ? id : ""));
    }
    if (rv == APR_SUCCESS && arr && json_array_size(arr) > 0
        && (dumped = json_dumps(arr, JSON_COMPACT)) != NULL) {
        *ids = apr_pstrdup(b->p, dumped);
    }
    free(dumped);
    json_decref(arr);
    return rv;
}

/* The lease on a dialect with DELIVERY_CANDIDATES: the chosen ids, then
 * the UPDATE by primary key (ids, token, until, now, now). */
static apr_status_t lease_by_ids(leads_db_t *db, lease_baton_t *b,
                                 int *nrows)
{
    const char *args[5];
    apr_status_t rv = lease_candidates(db, b, &args[0]);

    *nrows = 0;
    if (rv != APR_SUCCESS || args[0] == NULL) {
        return rv;
    }
    args[1] = b->args[0];
    args[2] = b->args[1];
    args[3] = args[4] = b->args[2];
    return leads_db_query(db, LEADS_SQL_DELIVERY_LEASE, 5, args, nrows);
}

/* DELIVERY_LEASED's columns, row by row, into leads_outbox_item_t. */
static void read_items(leads_db_t *db, apr_pool_t *p, apr_dbd_results_t *res,
                       apr_array_header_t *items)
{
    apr_dbd_row_t *row;
    int n = 0;

    while ((row = leads_db_row(db, res, &n)) != NULL) {
        leads_outbox_item_t *it = apr_array_push(items);
        const char *attempts = leads_db_column(db, p, row, 3);

        it->id = leads_db_column(db, p, row, 0);
        it->event_id = leads_db_column(db, p, row, 1);
        it->body = leads_db_column(db, p, row, 2);
        it->attempts = attempts ? atoi(attempts) : 0;
        it->url = leads_db_column(db, p, row, 4);
        it->secret = leads_db_column(db, p, row, 5);
        it->endpoint_id = leads_db_column(db, p, row, 6);
        it->previous_secret = leads_db_column(db, p, row, 7);
    }
}

static apr_status_t lease_work(leads_db_t *db, void *baton)
{
    lease_baton_t *b = baton;
    const leads_dialect_t *d = leads_db_dialect(db);
    apr_dbd_results_t *res;
    apr_status_t rv;
    int nrows = 0;

    b->items = apr_array_make(b->p, 16, sizeof(leads_outbox_item_t));
    if (!d->sql[LEADS_SQL_DELIVERY_LEASED]) {
        rv = plan_now_begin(db);
        if (rv == APR_SUCCESS) {
            rv = plan_now_end(db, leads_db_select(db, LEADS_SQL_DELIVERY_LEASE,
                                                  LEASE_ARGS, b->args, &res));
        }
    }
    else {
        rv = d->sql[LEADS_SQL_DELIVERY_CANDIDATES]
             ? lease_by_ids(db, b, &nrows)
             : leads_db_query(db, LEADS_SQL_DELIVERY_LEASE, LEASE_ARGS,
                              b->args, &nrows);
        if (rv != APR_SUCCESS || nrows == 0) {
            return rv;
        }
        rv = leads_db_select(db, LEADS_SQL_DELIVERY_LEASED, 1, b->args, &res);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    read_items(db, b->p, res, b->items);
    return APR_SUCCESS;
}

apr_status_t leads_outbox_lease(leads_db_t *db, apr_pool_t *p,
                                const char *token, apr_time_t now,
                                apr_time_t until, int max, int cap,
                                apr_array_header_t **items)
{
    const char *at = leads_db_time(db, now);
    lease_baton_t b;
    apr_status_t rv;

    b.p = p;
    b.args[0] = token;
    b.args[1] = leads_db_time(db, until);
    b.args[2] = b.args[3] = b.args[4] = b.args[5] = at;
    b.args[6] = apr_itoa(p, cap);
    b.args[7] = apr_itoa(p, max);
    b.args[8] = b.args[9] = at;
    b.items = NULL;
    rv = leads_db_run(db, lease_work, &b);
    *items = b.items;
    return rv;
}

typedef struct {
    apr_pool_t *p;
    const char *args[2];                /* event ids (JSON), owner */
    apr_array_header_t *items;
} fresh_baton_t;

static apr_status_t fresh_work(leads_db_t *db, void *baton)
{
    fresh_baton_t *b = baton;
    apr_dbd_results_t *res;
    apr_status_t rv;

    apr_array_clear(b->items);
    rv = leads_db_select(db, LEADS_SQL_DELIVERIES_FRESH, 2, b->args, &res);
    if (rv == APR_SUCCESS) {
        read_items(db, b->p, res, b->items);
    }
    return rv;
}

/* A set of ids as one JSON array parameter, in `p`; NULL without memory. */
static const char *json_ids(apr_pool_t *p, const apr_array_header_t *ids)
{
    json_t *arr = json_array();
    const char *text = NULL;
    char *dumped = NULL;
    int i;

    for (i = 0; arr && i < ids->nelts; i++) {
        json_array_append_new(arr, json_string(APR_ARRAY_IDX(ids, i,
                                                             const char *)));
    }
    if (arr && (dumped = json_dumps(arr, JSON_COMPACT)) != NULL) {
        text = apr_pstrdup(p, dumped);
    }
    free(dumped);
    json_decref(arr);
    return text;
}

static apr_status_t unlease_work(leads_db_t *db, void *baton)
{
    const char **args = baton;
    int nrows;

    return leads_db_query(db, LEADS_SQL_DELIVERIES_UNLEASE, 2, args, &nrows);
}

apr_status_t leads_outbox_unlease(leads_db_t *db, apr_pool_t *p,
                                  const apr_array_header_t *ids,
                                  const char *owner)
{
    const char *args[2];

    if (ids->nelts == 0) {
        return APR_SUCCESS;
    }
    if (!(args[0] = json_ids(p, ids))) {
        return APR_ENOMEM;
    }
    args[1] = owner;
    return leads_db_run(db, unlease_work, args);
}

apr_status_t leads_outbox_fresh(leads_db_t *db, apr_pool_t *p,
                                const apr_array_header_t *events,
                                const char *owner,
                                apr_array_header_t **items)
{
    fresh_baton_t b;

    b.p = p;
    b.items = apr_array_make(p, events->nelts, sizeof(leads_outbox_item_t));
    *items = b.items;
    if (!(b.args[0] = json_ids(p, events))) {
        return APR_ENOMEM;
    }
    b.args[1] = owner;
    return leads_db_run(db, fresh_work, &b);
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
    set_text(o, "endpoint", res->endpoint_id);
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
        /* the attempt's end: with last_duration_ms, when it started */
        set_text(o, "delivered_at",
                 leads_db_time(db, res->started
                                   + apr_time_from_msec(
                                       apr_time_as_msec(res->duration))));
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

static int any_failed(const apr_array_header_t *results)
{
    int i;

    for (i = 0; i < results->nelts; i++) {
        if (APR_ARRAY_IDX(results, i, leads_outbox_result_t).error) {
            return 1;
        }
    }
    return 0;
}

/* Attempt rows and delivery updates together: the log never disagrees
 * with the deliveries' own counters. A batch of successes writes no
 * attempt row (SPEC §7.1, Cost): one statement, where the dialect has no
 * one-statement finish too. */
static apr_status_t finish_work(leads_db_t *db, void *baton)
{
    const apr_array_header_t *results = baton;
    const char *json = results_json(db, results);
    apr_status_t rv;
    int nrows;

    if (!json) {
        return APR_ENOMEM;
    }
    if (!leads_db_dialect(db)->sql[LEADS_SQL_ATTEMPTS_RECORD]
        || !any_failed(results)) {
        rv = plan_now_begin(db);
        if (rv == APR_SUCCESS) {
            rv = plan_now_end(db, leads_db_query(db,
                                                 LEADS_SQL_DELIVERIES_FINISH,
                                                 1, &json, &nrows));
        }
        return rv;
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

static apr_status_t failing_work(leads_db_t *db, void *baton)
{
    const char *json = results_json(db, baton);
    int nrows;

    if (!json) {
        return APR_ENOMEM;
    }
    return leads_db_query(db, LEADS_SQL_ENDPOINTS_FAILING, 1, &json, &nrows);
}

/* Only a batch with a failed attempt costs this statement: the success
 * path stays one statement per batch (SPEC §7.1, Cost). */
apr_status_t leads_outbox_mark_failing(leads_db_t *db,
                                       const apr_array_header_t *results)
{
    if (any_failed(results)) {
        return leads_db_run(db, failing_work, (void *)results);
    }
    return APR_SUCCESS;
}

typedef struct {
    const char *cutoff;
    apr_pool_t *p;
    apr_array_header_t *disabled;
} overdue_baton_t;

/* Endpoints failing since before the cutoff, each disabled by a statement
 * of its own that checks again, so a success recorded meanwhile by
 * another host (RECOVERED then cleared failing_since) keeps it enabled. */
static apr_status_t overdue_work(leads_db_t *db, void *baton)
{
    overdue_baton_t *b = baton;
    apr_dbd_results_t *res;
    apr_dbd_row_t *row;
    apr_array_header_t *due = apr_array_make(b->p, 4,
                                             sizeof(leads_endpoint_off_t));
    apr_status_t rv;
    int n = 0, i, nrows;

    rv = leads_db_query(db, LEADS_SQL_ENDPOINTS_RECOVERED, 0, NULL, &nrows);
    if (rv == APR_SUCCESS) {
        rv = leads_db_select(db, LEADS_SQL_ENDPOINTS_OVERDUE, 1, &b->cutoff,
                             &res);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    while ((row = leads_db_row(db, res, &n)) != NULL) {
        leads_endpoint_off_t *e = apr_array_push(due);

        e->id = leads_db_column(db, b->p, row, 0);
        e->failing_since = leads_db_column(db, b->p, row, 1);
    }
    for (i = 0; i < due->nelts && rv == APR_SUCCESS; i++) {
        leads_endpoint_off_t *e = &APR_ARRAY_IDX(due, i, leads_endpoint_off_t);
        const char *args[2] = { e->id, b->cutoff };

        rv = leads_db_query(db, LEADS_SQL_ENDPOINT_DISABLE, 2, args, &nrows);
        if (rv == APR_SUCCESS && nrows > 0) {
            *(leads_endpoint_off_t *)apr_array_push(b->disabled) = *e;
        }
    }
    return rv;
}

apr_status_t leads_outbox_disable_failing(leads_db_t *db, apr_pool_t *p,
                                          apr_time_t cutoff,
                                          apr_array_header_t **disabled)
{
    overdue_baton_t b;

    b.cutoff = leads_db_time(db, cutoff);
    b.p = p;
    b.disabled = apr_array_make(p, 4, sizeof(leads_endpoint_off_t));
    *disabled = b.disabled;
    return leads_db_run(db, overdue_work, &b);
}

typedef struct {
    const char *cutoff;
    int nrows;
} expire_baton_t;

static apr_status_t expire_work(leads_db_t *db, void *baton)
{
    expire_baton_t *b = baton;

    return leads_db_query(db, LEADS_SQL_DELIVERIES_EXPIRE, 1, &b->cutoff,
                          &b->nrows);
}

apr_status_t leads_outbox_expire(leads_db_t *db, apr_time_t cutoff,
                                 int *deleted)
{
    expire_baton_t b = { leads_db_time(db, cutoff), 0 };
    apr_status_t rv = leads_db_run(db, expire_work, &b);

    *deleted = b.nrows;
    return rv;
}

static apr_status_t release_work(leads_db_t *db, void *baton)
{
    const char *pattern = baton;
    int nrows;

    return leads_db_query(db, LEADS_SQL_DELIVERIES_RELEASE, 1, &pattern,
                          &nrows);
}

apr_status_t leads_outbox_release(leads_db_t *db, const char *prefix)
{
    const char *pattern = apr_pstrcat(leads_db_pool(db), prefix, "%", NULL);

    return leads_db_run(db, release_work, (void *)pattern);
}

static apr_status_t stats_work(leads_db_t *db, void *baton)
{
    leads_outbox_stats_t *st = baton;
    const char *c[4];
    apr_status_t rv = leads_db_select_row(db, LEADS_SQL_OUTBOX_STATS, 0, NULL,
                                          leads_db_pool(db), 4, c);

    if (rv == APR_SUCCESS) {
        st->pending = c[0] ? apr_atoi64(c[0]) : 0;
        st->oldest_seconds = c[1] ? atof(c[1]) : 0;
        st->endpoints_disabled = c[2] ? apr_atoi64(c[2]) : 0;
        st->held = c[3] ? apr_atoi64(c[3]) : 0;
    }
    return rv;
}

apr_status_t leads_outbox_stats(leads_db_t *db, leads_outbox_stats_t *st)
{
    memset(st, 0, sizeof(*st));
    return leads_db_run(db, stats_work, st);
}
