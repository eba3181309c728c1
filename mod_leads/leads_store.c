/* The rows behind the API, each read or write one unit of work for
 * leads_db_run(). */
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"
#include "http_log.h"

#include "leads_store.h"
#include "leads_uuid.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

typedef struct {
    const char *hash;
    leads_key_row_t *out;
} key_baton_t;

static apr_status_t key_work(leads_db_t *db, void *baton)
{
    key_baton_t *b = baton;
    const char *c[4];
    apr_status_t rv = leads_db_select_row(db, LEADS_SQL_KEY_BY_HASH, 1,
                                          &b->hash, leads_db_pool(db), 4, c);

    if (rv == APR_SUCCESS) {
        b->out->id = c[0];
        b->out->firm_id = c[1];
        b->out->scopes = c[2];
        b->out->enabled = leads_db_truthy(c[3]);
    }
    return rv;
}

apr_status_t leads_store_key_by_hash(leads_db_t *db, const char *hash,
                                     leads_key_row_t *out)
{
    key_baton_t b = { hash, out };

    return leads_db_run(db, key_work, &b);
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
    const char *c[3];
    apr_status_t rv = leads_db_select_row(db, LEADS_SQL_FIRST_OPEN_STAGE, 1,
                                          &b->firm_id, b->p, 3, c);

    if (rv == APR_SUCCESS) {
        b->id = c[0];
        b->key = c[1];
        b->name = c[2];
    }
    return rv;
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
    rv = leads_db_run(db, stage_work, &b);
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
    apr_pool_t *tmp = leads_db_pool(db);
    apr_dbd_results_t *res;
    apr_dbd_row_t *row;
    int n = 0;
    apr_status_t rv = leads_db_select(db, LEADS_SQL_FIELDS, 1, &b->firm_id,
                                      &res);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    b->fields = apr_array_make(b->p, 8, sizeof(leads_field_def_t));
    while ((row = leads_db_row(db, res, &n)) != NULL) {
        const char *type = leads_db_column(db, tmp, row, 1);
        int t = leads_field_type_parse(type ? type : "");
        leads_field_def_t *f;

        if (t < 0) {
            continue;                   /* the schema's CHECK forbids it */
        }
        f = apr_array_push(b->fields);
        f->name = leads_db_column(db, b->p, row, 0);
        f->type = (leads_field_type_e)t;
        f->choices = parse_choices(b->p, leads_db_column(db, tmp, row, 2));
        f->required = leads_db_truthy(leads_db_column(db, tmp, row, 3));
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
    rv = leads_db_run(db, fields_work, &b);
    *fields = b.fields;
    return rv;
}

static apr_status_t members_work(leads_db_t *db, void *baton)
{
    firm_baton_t *b = baton;
    apr_dbd_results_t *res;
    apr_dbd_row_t *row;
    int n = 0;
    apr_status_t rv = leads_db_select(db, LEADS_SQL_MEMBERS, 1, &b->firm_id,
                                      &res);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    b->members = apr_hash_make(b->p);
    while ((row = leads_db_row(db, res, &n)) != NULL) {
        const char *id = leads_db_column(db, b->p, row, 0);

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
    rv = leads_db_run(db, members_work, &b);
    *members = b.members;
    return rv;
}

typedef struct {
    const char *scope;
    const char *key_hash;
    apr_time_t now;
    leads_idem_t *out;
} idem_baton_t;

/* The record, whether it is still live; an expired one is deleted. */
static apr_status_t idem_get_work(leads_db_t *db, void *baton)
{
    idem_baton_t *b = baton;
    const char *args[3], *c[5];
    apr_status_t rv;
    int nrows;

    args[0] = leads_db_time(db, b->now);
    args[1] = b->scope;
    args[2] = b->key_hash;
    rv = leads_db_select_row(db, LEADS_SQL_IDEM_GET, 3, args,
                             leads_db_pool(db), 5, c);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    b->out->scope = b->scope;
    b->out->key_hash = b->key_hash;
    b->out->fingerprint = c[0];
    b->out->status = c[1] ? atoi(c[1]) : 0;
    b->out->body = c[2];
    b->out->ignored = c[3];
    if (leads_db_truthy(c[4])) {
        return APR_SUCCESS;
    }
    args[0] = b->scope;
    args[1] = b->key_hash;
    args[2] = leads_db_time(db, b->now);
    rv = leads_db_query(db, LEADS_SQL_IDEM_DELETE, 3, args, &nrows);
    return rv == APR_SUCCESS ? LEADS_DB_NOT_FOUND : rv;
}

apr_status_t leads_store_idem_get(leads_db_t *db, const char *scope,
                                  const char *key_hash, apr_time_t now,
                                  leads_idem_t *out)
{
    idem_baton_t b = { scope, key_hash, now, out };

    return leads_db_run(db, idem_get_work, &b);
}

typedef struct {
    apr_time_t now;
    int purged;
} purge_baton_t;

static apr_status_t purge_work(leads_db_t *db, void *baton)
{
    purge_baton_t *b = baton;
    const char *when = leads_db_time(db, b->now);

    return leads_db_query(db, LEADS_SQL_IDEM_PURGE, 1, &when, &b->purged);
}

apr_status_t leads_store_idem_purge(leads_db_t *db, apr_time_t now,
                                    int *purged)
{
    purge_baton_t b = { now, 0 };
    apr_status_t rv = leads_db_run(db, purge_work, &b);

    *purged = b.purged;
    return rv;
}

/* Claim the key first: a concurrent request with the same key then waits
 * on the row lock until this transaction ends, and finds the record. */
#define CLAIM_ARGS  9
#define LEAD_ARGS   14
#define OUTBOX_ARGS 14

static void claim_args(leads_db_t *db, const leads_new_lead_t *n,
                       const char **args)
{
    const leads_idem_t *k = n->idem;
    apr_pool_t *p = leads_db_pool(db);

    args[0] = k->scope;
    args[1] = k->key_hash;
    args[2] = k->fingerprint;
    args[3] = apr_itoa(p, k->status);
    args[4] = k->body;
    args[5] = k->ignored ? k->ignored : "";
    args[6] = n->id;
    args[7] = leads_db_time(db, n->created_at);
    args[8] = leads_db_time(db, k->expires_at);
}

static apr_status_t idem_claim(leads_db_t *db, const leads_new_lead_t *n)
{
    const char *args[CLAIM_ARGS];
    apr_status_t rv;
    int nrows;

    claim_args(db, n, args);
    rv = leads_db_query(db, LEADS_SQL_IDEM_CLAIM, CLAIM_ARGS, args, &nrows);
    if (rv == APR_SUCCESS && nrows != 1) {
        rv = LEADS_DB_CONFLICT;
    }
    return rv;
}

static void lead_args(leads_db_t *db, const leads_new_lead_t *n,
                      const char **args)
{
    const leads_lead_t *l = n->lead;
    const char *when = leads_db_time(db, n->created_at);

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
    args[12] = n->source_id ? n->source_id : "";
    args[13] = n->external_id ? n->external_id : "";
}

static apr_status_t lead_insert(leads_db_t *db, const leads_new_lead_t *n)
{
    const char *args[LEAD_ARGS];
    apr_status_t rv;
    int nrows;

    lead_args(db, n, args);
    rv = leads_db_query(db, LEADS_SQL_LEAD_INSERT, LEAD_ARGS, args, &nrows);
    if (rv == APR_SUCCESS && nrows != 1) {
        /* only the (source, external id) key can already be there */
        rv = n->external_id ? LEADS_DB_DUPLICATE : LEADS_DB_FAILED;
    }
    return rv;
}

/* The lead.created rows for every subscribed endpoint, in one statement,
 * leased to this httpd's deliverer when the ring takes their event. */
static void outbox_args(leads_db_t *db, const leads_new_lead_t *n,
                        const char **args)
{
    static const char event[] = "lead.created";
    const char *when = leads_db_time(db, n->created_at);

    args[0] = leads_uuid_prefix(leads_db_pool(db), n->event_id);
    args[1] = n->event_id;
    args[2] = event;
    args[3] = n->event_body;
    args[4] = args[5] = args[6] = when;
    args[7] = n->lease_owner ? n->lease_owner : "";
    args[8] = n->lease_owner ? leads_db_time(db, n->lease_until) : "";
    args[9] = n->firm_id;
    args[10] = event;
    args[11] = "lead.created,%";
    args[12] = "%,lead.created";
    args[13] = "%,lead.created,%";
}

static apr_status_t outbox_insert(leads_db_t *db, leads_new_lead_t *n)
{
    const char *args[OUTBOX_ARGS];

    outbox_args(db, n, args);
    return leads_db_query(db, LEADS_SQL_OUTBOX_INSERT, OUTBOX_ARGS, args,
                          &n->deliveries);
}

static apr_status_t unlease_work(leads_db_t *db, void *baton)
{
    const char **args = baton;
    int nrows;

    return leads_db_query(db, LEADS_SQL_EVENT_UNLEASE, 4, args, &nrows);
}

apr_status_t leads_store_unlease_event(leads_db_t *db, const char *event_id,
                                       const char *owner)
{
    const char *args[4] = { NULL, NULL, event_id, owner };

    leads_uuid_prefix_range(leads_db_pool(db), event_id, &args[0], &args[1]);

    return leads_db_run(db, unlease_work, args);
}

/* The dialect's one-statement create, where it has one: the same writes
 * as below in one round trip. Not with an external id: a duplicate would
 * have to undo the claim, which takes a transaction of several steps. */
static int one_statement(leads_db_t *db, const leads_new_lead_t *n,
                         leads_sql_e *which)
{
    *which = n->idem ? LEADS_SQL_CREATE_CLAIMED : LEADS_SQL_CREATE_PLAIN;
    return !n->external_id && leads_db_dialect(db)->sql[*which] != NULL;
}

static apr_status_t create_at_once(leads_db_t *db, leads_new_lead_t *n,
                                   leads_sql_e which)
{
    const char *args[CLAIM_ARGS + LEAD_ARGS + OUTBOX_ARGS], *c[3];
    int nargs = 0;
    apr_status_t rv;

    if (n->idem) {
        claim_args(db, n, args);
        nargs = CLAIM_ARGS;
    }
    lead_args(db, n, args + nargs);
    outbox_args(db, n, args + nargs + LEAD_ARGS);
    nargs += LEAD_ARGS + OUTBOX_ARGS;
    rv = leads_db_select_row(db, which, nargs, args, leads_db_pool(db), 3, c);
    if (rv != APR_SUCCESS) {
        n->unsure = 1;
        return rv == LEADS_DB_NOT_FOUND ? LEADS_DB_FAILED : rv;
    }
    if (!c[0] || atoi(c[0]) != 1) {
        return LEADS_DB_CONFLICT;       /* the key is taken: nothing written */
    }
    if (!c[1] || atoi(c[1]) != 1) {
        return LEADS_DB_FAILED;
    }
    n->deliveries = c[2] ? atoi(c[2]) : 0;
    return APR_SUCCESS;
}

static apr_status_t create_work(leads_db_t *db, void *baton)
{
    leads_new_lead_t *n = baton;
    leads_sql_e which;
    apr_status_t rv;

    if (one_statement(db, n, &which)) {
        return create_at_once(db, n, which);
    }
    rv = leads_db_begin(db);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (n->idem) {
        rv = idem_claim(db, n);
    }
    if (rv == APR_SUCCESS) {
        rv = lead_insert(db, n);
    }
    if (rv == APR_SUCCESS) {
        rv = outbox_insert(db, n);
    }
    if (rv == APR_SUCCESS) {
        rv = leads_db_exec(db, "COMMIT");
        /* a COMMIT that lost a conflict committed nothing */
        n->unsure = rv != APR_SUCCESS && rv != LEADS_DB_CONFLICTED;
    }
    if (rv != APR_SUCCESS) {
        leads_db_rollback(db);
    }
    return rv;
}

static apr_status_t exists_work(leads_db_t *db, void *baton)
{
    const char *id = baton, *one;

    return leads_db_select_row(db, LEADS_SQL_LEAD_EXISTS, 1, &id,
                               leads_db_pool(db), 1, &one);
}

/* After a write whose answer was lost (the connection died at COMMIT, or
 * a retry found its own rows): did it commit? The lead's id was chosen
 * before, so look, on a fresh connection (the request's may be the one
 * that died; it goes back to the pool first). APR_SUCCESS: it is stored. */
static apr_status_t lead_stored(leads_db_t *db, const char *id)
{
    apr_status_t rv = leads_db_reconnect(db);

    if (rv == APR_SUCCESS) {
        rv = leads_db_run(db, exists_work, (void *)id);
    }
    return rv;
}

apr_status_t leads_store_create_lead(leads_db_t *db, leads_new_lead_t *n)
{
    /* A retry cannot insert twice: the lead id is the primary key. */
    apr_status_t rv = leads_db_run(db, create_work, n);

    if ((rv == LEADS_DB_DOWN || rv == LEADS_DB_FAILED) && n->unsure
        && lead_stored(db, n->id) == APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, leads_db_server(db),
                     LEADSLOGNO(00017) "lead %s: the database's answer was "
                     "lost, but the lead is stored: answering 201", n->id);
        n->deliveries = 1;              /* unknown: the ring only wakes */
        rv = APR_SUCCESS;
    }
    return rv;
}

typedef struct {
    const char *hash;
    leads_source_row_t *out;
} source_baton_t;

static apr_status_t source_work(leads_db_t *db, void *baton)
{
    source_baton_t *b = baton;
    const char *c[11];
    apr_status_t rv = leads_db_select_row(db, LEADS_SQL_SOURCE_BY_HASH, 1,
                                          &b->hash, leads_db_pool(db), 11, c);

    if (rv == APR_SUCCESS) {
        b->out->id = c[0];
        b->out->firm_id = c[1];
        b->out->name = c[2];
        b->out->mapping = c[3];
        b->out->enabled = leads_db_truthy(c[4]);
        b->out->kind = c[5] ? c[5] : "ingest";
        b->out->origins = c[6] ? c[6] : "";
        b->out->redirect_url = c[7] ? c[7] : "";
        b->out->honeypot = c[8] ? c[8] : "";
        b->out->captcha = c[9] ? c[9] : "";
        b->out->captcha_secret = c[10] ? c[10] : "";
    }
    return rv;
}

apr_status_t leads_store_source_by_hash(leads_db_t *db, const char *hash,
                                        leads_source_row_t *out)
{
    source_baton_t b = { hash, out };

    return leads_db_run(db, source_work, &b);
}

typedef struct {
    const char *args[2];
    const char *lead_id;
} external_baton_t;

static apr_status_t external_work(leads_db_t *db, void *baton)
{
    external_baton_t *b = baton;

    return leads_db_select_row(db, LEADS_SQL_LEAD_BY_EXTERNAL, 2, b->args,
                               leads_db_pool(db), 1, &b->lead_id);
}

apr_status_t leads_store_lead_by_external(leads_db_t *db,
                                          const char *source_id,
                                          const char *external_id,
                                          const char **lead_id)
{
    external_baton_t b = { { source_id, external_id }, NULL };
    apr_status_t rv = leads_db_run(db, external_work, &b);

    *lead_id = b.lead_id;
    return rv;
}
