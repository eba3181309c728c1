/* POST /api/leads: the order of the steps, authentication, validation and
 * the create. The body is read in leads_body.c, Idempotency-Key handled in
 * leads_idempotency.c, ingestion mode in leads_ingest.c; each step fills
 * the request context or returns an error value, and only leads_handler()
 * writes the response. */
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "http_ssl.h"

#include "leads_body.h"
#include "leads_config.h"
#include "leads_conftree.h"
#include "leads_handler.h"
#include "leads_idempotency.h"
#include "leads_ingest.h"
#include "leads_json.h"
#include "leads_key.h"
#include "leads_metrics.h"
#include "leads_profile.h"
#include "leads_redact.h"
#include "leads_request.h"
#include "leads_outbox.h"
#include "leads_respond.h"
#include "leads_shm.h"
#include "leads_db.h"
#include "leads_store.h"
#include "leads_time.h"
#include "leads_uuid.h"
#include "leads_validate.h"
#include "leads_webform.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

/* Only the handler's own location is served; a longer path below it is 404.
 * The location is the <Location> whose SetHandler is leads, as the
 * configuration says (core keeps only the last section merged, which may
 * be a <Location /> of another purpose); regex sections are left be. */
static int check_path(leads_ctx_t *ctx)
{
    const char *uri = ctx->r->uri;
    const char *loc = leads_conftree_location_of(uri);
    apr_size_t len;

    if (!loc) {
        return 0;
    }
    len = strcmp(loc, "/") == 0 ? 0 : strlen(loc);
    if (uri[len] == '\0' || (uri[len] == '/' && uri[len + 1] == '\0')) {
        return 0;
    }
    return leads_fail(ctx, LEADS_ERR_NOT_FOUND, NULL);
}

static int check_method(leads_ctx_t *ctx)
{
    if (ctx->r->method_number != M_POST) {
        return leads_fail(ctx, LEADS_ERR_METHOD_NOT_ALLOWED, NULL);
    }
    return 0;
}

static int check_tls(leads_ctx_t *ctx)
{
    if (ctx->cfg->require_tls && !ap_ssl_conn_is_ssl(ctx->r->connection)) {
        return leads_fail(ctx, LEADS_ERR_HTTPS_REQUIRED, NULL);
    }
    return 0;
}

static int has_scope(const char *scopes, const char *want)
{
    apr_size_t n = strlen(want);
    const char *s = scopes;

    while (s && *s) {
        if (strncmp(s, want, n) == 0 && (s[n] == ',' || s[n] == '\0')) {
            return 1;
        }
        s = strchr(s, ',');
        s = s ? s + 1 : NULL;
    }
    return 0;
}

static int authenticate_api_key(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    const char *hash = leads_sha256_hex(r->pool, ctx->token,
                                        strlen(ctx->token));
    apr_status_t rv = leads_store_key_by_hash(ctx->db, hash, &ctx->key);

    if (rv == LEADS_DB_NOT_FOUND) {
        return leads_fail_auth(ctx);
    }
    if (rv != APR_SUCCESS) {
        return leads_fail_db(ctx, rv);
    }
    if (!ctx->key.enabled) {
        return leads_fail(ctx, LEADS_ERR_KEY_DISABLED, NULL);
    }
    if (!has_scope(ctx->key.scopes, "leads:write")) {
        return leads_fail(ctx, LEADS_ERR_INSUFFICIENT_SCOPE, NULL);
    }
    ctx->firm_id = ctx->key.firm_id;
    ctx->key_id = ctx->key.id;
    return 0;
}

static int has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* docs/api.md §2: the key alone names the firm, and its prefix the mode. What
 * needs no database is checked first; an address that keeps sending
 * unknown keys is refused before the database is asked. A secret key in
 * the URL is refused whatever else the request holds (docs/api.md §10);
 * a form's publishable key may be there instead of in Authorization. */
static int check_key_form(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;

    if (leads_key_was_in_url(r) || leads_redact_query(r)) {
        return leads_fail(ctx, LEADS_ERR_KEY_IN_URL, NULL);
    }
    ctx->token = leads_bearer_token(r->pool, leads_authorization(r));
    if (!ctx->token) {
        ctx->token = leads_webform_url_key(r);
    }
    if (!ctx->token) {
        return leads_fail(ctx, LEADS_ERR_MISSING_KEY, NULL);
    }
    if (has_prefix(ctx->token, LEADS_FORM_KEY_PREFIX)) {
        ctx->mode = LEADS_MODE_INGEST;
        ctx->web_form = 1;
    }
    else if (has_prefix(ctx->token, LEADS_API_KEY_PREFIX)) {
        ctx->mode = LEADS_MODE_API;
    }
    else if (has_prefix(ctx->token, LEADS_INGEST_KEY_PREFIX)) {
        ctx->mode = LEADS_MODE_INGEST;
    }
    else {
        return leads_fail_auth(ctx);
    }
    ctx->mode_known = 1;
    return leads_check_auth_failures(ctx);
}

/* The pooled connection is taken only now, with the whole body read: a
 * request never holds one while it waits on its client. Keys are looked
 * up on every request so that revocation takes effect at once. */
static int authenticate(leads_ctx_t *ctx)
{
    apr_status_t rv = leads_db_acquire(ctx->r, &ctx->db);

    if (rv != APR_SUCCESS) {
        return leads_fail_db(ctx, rv);
    }
    return ctx->mode == LEADS_MODE_API
           ? authenticate_api_key(ctx)
           : leads_ingest_authenticate(ctx);
}

static int check_rate(leads_ctx_t *ctx)
{
    int retry_after;

    if (ctx->cfg->rate_limit <= 0) {
        return 0;
    }
    retry_after = leads_shm_rate_hit(ctx->r, ctx->key_id, ctx->cfg->rate_limit,
                                     ctx->cfg->rate_window);
    if (retry_after > 0) {
        apr_table_setn(ctx->r->err_headers_out, "Retry-After",
                       apr_itoa(ctx->r->pool, retry_after));
        return leads_fail(ctx, LEADS_ERR_RATE_LIMITED, NULL);
    }
    return 0;
}

/* A data key as a header value can hold: bytes other than letters, digits
 * and "._-" are %XX-escaped, so no key can break or forge a header. */
static const char *header_safe(apr_pool_t *p, const char *key)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, strlen(key) * 3 + 1), *o = out;
    const unsigned char *c;

    for (c = (const unsigned char *)key; *c; c++) {
        if (apr_isalnum(*c) || *c == '.' || *c == '_' || *c == '-') {
            *o++ = (char)*c;
        }
        else {
            *o++ = '%';
            *o++ = hex[*c >> 4];
            *o++ = hex[*c & 0x0f];
        }
    }
    *o = '\0';
    return out;
}

/* Lawfficient-Ignored-Fields: data.a,data.b — the keys dropped (docs/api.md §4.3),
 * bounded so that a body of many keys cannot make a header proxies refuse:
 * the first IGNORED_MAX_NAMES names, each cut to IGNORED_MAX_NAME bytes,
 * then "...(N more)". */
#define IGNORED_MAX_NAMES   50
#define IGNORED_MAX_NAME    64

static void set_ignored_header(leads_ctx_t *ctx)
{
    const apr_array_header_t *ignored = ctx->lead.ignored;
    apr_array_header_t *safe;
    int i, shown;

    if (ctx->files && ctx->files->nelts > 0) {
        /* a form's file parts (docs/api.md §10), then dropped data keys */
        ignored = ignored ? apr_array_append(ctx->r->pool, ctx->files,
                                             ignored)
                          : ctx->files;
    }
    if (!ignored || ignored->nelts == 0) {
        return;
    }
    shown = ignored->nelts < IGNORED_MAX_NAMES ? ignored->nelts
                                               : IGNORED_MAX_NAMES;
    safe = apr_array_make(ctx->r->pool, shown + 1, sizeof(const char *));
    for (i = 0; i < shown; i++) {
        const char *name = header_safe(ctx->r->pool,
                               APR_ARRAY_IDX(ignored, i, const char *));

        if (strlen(name) > IGNORED_MAX_NAME) {
            apr_size_t n = IGNORED_MAX_NAME;

            while (name[n - 1] == '%' || name[n - 2] == '%') {
                n--;                    /* not inside a %XX escape */
            }
            name = apr_pstrcat(ctx->r->pool,
                               apr_pstrndup(ctx->r->pool, name, n), "...",
                               NULL);
        }
        APR_ARRAY_PUSH(safe, const char *) = name;
    }
    if (ignored->nelts > shown) {
        APR_ARRAY_PUSH(safe, const char *) =
            apr_psprintf(ctx->r->pool, "...(%d more)", ignored->nelts - shown);
    }
    apr_table_setn(ctx->r->err_headers_out, "Lawfficient-Ignored-Fields",
                   apr_array_pstrcat(ctx->r->pool, safe, ','));
}

static int validate(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    apr_array_header_t *problems = apr_array_make(r->pool, 4,
                                                  sizeof(leads_problem_t));
    leads_validate_opts_t opts;
    apr_status_t rv;

    rv = leads_profile_get(r, ctx->db, ctx->firm_id, ctx->cfg->cache_ttl,
                           &ctx->profile);
    if (rv != APR_SUCCESS) {
        return leads_fail_db(ctx, rv);
    }
    if (ctx->mode == LEADS_MODE_INGEST && leads_ingest_map(ctx, problems)) {
        return 1;
    }
    memset(&opts, 0, sizeof(opts));
    opts.fields = ctx->profile->fields;
    opts.phone_region = ctx->cfg->phone_region;
    /* a mapped payload carries only what the mapping found */
    opts.allow_unknown_top_level = ctx->mode == LEADS_MODE_INGEST;
    leads_validate_lead(r->pool, ctx->lead_in, &opts, &ctx->lead, problems);
    if (ctx->lead.assignee_id
        && !apr_hash_get(ctx->profile->members, ctx->lead.assignee_id,
                         APR_HASH_KEY_STRING)) {
        leads_problem_t *pr = apr_array_push(problems);

        pr->field = "assignee_id";
        pr->issue = "is not a member of this firm";
    }
    set_ignored_header(ctx);
    if (problems->nelts > 0) {
        if (ctx->mode == LEADS_MODE_INGEST) {
            leads_ingest_annotate(ctx, problems);
        }
        ctx->err.details = problems;
        leads_fail(ctx, LEADS_ERR_INVALID_REQUEST, NULL);
        leads_answer_if_key_known(ctx);
        return 1;
    }
    if (!ctx->profile->stage_id) {
        leads_fail(ctx, LEADS_ERR_NO_OPEN_STAGE, NULL);
        leads_answer_if_key_known(ctx);
        return 1;
    }
    return 0;
}

/* Ingestion: a known externalId answers 200 with the original lead. */
static int dedupe_known(leads_ctx_t *ctx)
{
    return ctx->mode == LEADS_MODE_INGEST ? leads_ingest_known(ctx) : 0;
}

/* The lead exactly in the seed's shape and key order. */
static json_t *lead_json(const leads_ctx_t *ctx, const char *id,
                         const char *created)
{
    const leads_lead_t *l = &ctx->lead;

    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:o,"
                     " s:b, s:s, s:s, s:O}",
                     "id", id,
                     "first_name", l->first_name,
                     "last_name", l->last_name,
                     "email", l->email,
                     "phone", l->phone,
                     "source", l->source,
                     "status", "key", ctx->profile->stage_key,
                               "name", ctx->profile->stage_name,
                     "assignee_id", l->assignee_id
                                    ? json_string(l->assignee_id)
                                    : json_null(),
                     "archived", 0,
                     "created_at", created,
                     "last_activity_at", created,
                     "data", l->data);
}

/* docs/api.md §9.2: one lead.created event; its `data` is the lead as the API
 * shows it, as written (so it matches byte for byte). The store writes one
 * outbox row per subscribed endpoint with it. */
static apr_status_t plan_event(leads_ctx_t *ctx, leads_new_lead_t *n)
{
    request_rec *r = ctx->r;
    apr_status_t rv = leads_uuid_v7(r->pool, n->created_at, &n->event_id);

    if (rv == APR_SUCCESS) {
        n->event_body = apr_pstrcat(r->pool, "{\"id\":\"", n->event_id,
                                    "\",\"type\":\"lead.created\","
                                    "\"created_at\":\"",
                                    leads_time_iso(r->pool, n->created_at),
                                    "\",\"data\":", ctx->lead_text, "}",
                                    NULL);
    }
    return rv;
}

/* The answer for a new lead: the lead itself (API mode), or
 * {"status":"created","leadId"} (ingestion). */
static int answer_created(leads_ctx_t *ctx, const char *lead_id)
{
    if (ctx->mode == LEADS_MODE_INGEST) {
        return leads_ingest_created(ctx, lead_id);
    }
    return leads_answer(ctx, HTTP_CREATED, ctx->lead_text);
}

/* Another request made the same (source, externalId) first. */
static int answer_after_duplicate(leads_ctx_t *ctx)
{
    ctx->answer = NULL;
    if (leads_ingest_known(ctx)) {
        return 1;
    }
    return leads_fail(ctx, LEADS_ERR_INTERNAL, NULL);
}

static int create_lead(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    apr_time_t now = leads_time_ms(apr_time_now());
    leads_new_lead_t n;
    json_t *lead;
    apr_status_t rv;

    memset(&n, 0, sizeof(n));
    if (leads_uuid_v7(r->pool, now, &n.id) != APR_SUCCESS) {
        return leads_fail(ctx, LEADS_ERR_INTERNAL, NULL);
    }
    n.firm_id = ctx->firm_id;
    n.stage_id = ctx->profile->stage_id;
    n.lead = &ctx->lead;
    n.created_at = now;
    if (ctx->mode == LEADS_MODE_INGEST) {
        n.source_id = ctx->source.id;
        n.external_id = ctx->mapped.external_id;
    }
    n.data_json = leads_json_text(r->pool, ctx->lead.data);
    lead = lead_json(ctx, n.id, leads_time_iso(r->pool, now));
    ctx->lead_text = leads_json_text(r->pool, lead);
    json_decref(lead);
    if (!n.data_json || !ctx->lead_text || answer_created(ctx, n.id) != 1
        || !ctx->answer) {
        return leads_fail(ctx, LEADS_ERR_INTERNAL, NULL);
    }
    if (ctx->idem.key_hash) {
        ctx->idem.status = ctx->status;
        ctx->idem.body = ctx->answer;
        ctx->idem.ignored = apr_table_get(r->err_headers_out,
                                          "Lawfficient-Ignored-Fields");
        ctx->idem.expires_at = now + ctx->cfg->idem_ttl;
        n.idem = &ctx->idem;
    }

    rv = plan_event(ctx, &n);
    n.lease_owner = leads_shm_ring_room() ? leads_shm_fresh_owner() : NULL;
    n.lease_until = now + LEADS_OUTBOX_LEASE(ctx->cfg->wh_timeout);
    if (rv == APR_SUCCESS) {
        rv = leads_store_create_lead(ctx->db, &n);
    }
    if (rv == LEADS_DB_CONFLICT) {
        if (leads_answer_after_conflict(ctx)) {
            return 1;
        }
        /* the record had expired and is gone now: once more */
        rv = leads_store_create_lead(ctx->db, &n);
        if (rv == LEADS_DB_CONFLICT) {
            return leads_fail(ctx, LEADS_ERR_IDEMPOTENCY_IN_FLIGHT, NULL);
        }
    }
    if (rv == LEADS_DB_DUPLICATE) {
        return answer_after_duplicate(ctx);
    }
    if (rv != APR_SUCCESS) {
        return leads_fail_db(ctx, rv);
    }
    if (n.deliveries > 0 && n.lease_owner
        && leads_shm_ring_push(r->server, n.event_id) != APR_SUCCESS
        && leads_store_unlease_event(ctx->db, n.event_id, n.lease_owner)
           != APR_SUCCESS) {
        /* after commit: the deliverer sends the rows leased to it without
         * leasing them again. When the ring filled since the check, the
         * leases are given up for the sweep; failing that too, the rows
         * wait out their lease: the rows are the truth */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, LEADSLOGNO(00126)
                      "webhook ring full and leases of event %s not given "
                      "up: its deliveries wait out their lease",
                      n.event_id);
    }
    ctx->created = 1;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, LEADSLOGNO(00042)
                  "lead %s created for firm %s", n.id, ctx->firm_id);
    return 1;
}

/* What the metrics count of an answered request. */
static void count(const leads_ctx_t *ctx)
{
    leads_metric_request_t m;

    memset(&m, 0, sizeof(m));
    m.mode = !ctx->mode_known ? LEADS_METRIC_MODE_NONE
             : ctx->web_form ? LEADS_METRIC_MODE_FORM
             : ctx->mode == LEADS_MODE_API ? LEADS_METRIC_MODE_API
             : LEADS_METRIC_MODE_INGEST;
    m.status = ctx->r->status;
    m.failed = ctx->failed && !ctx->sent_by_httpd;
    m.error = ctx->err.code;
    m.created = ctx->created;
    m.replayed = ctx->replayed;
    m.duplicate = ctx->duplicate;
    m.duration = apr_time_now() - ctx->r->request_time;
    leads_metrics_request(&m);
}

/* The answer the steps came to, written. */
static int answer(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;

    if (ctx->sent_by_httpd) {
        return ctx->sent_by_httpd;
    }
    ctx->failed = !ctx->answer;
    /* a browser's form post is sent on to the form's page, errors too */
    if (leads_webform_redirect(ctx) && ctx->failed) {
        leads_drop_unread_body(ctx);
    }
    if (ctx->no_body) {
        return leads_respond_empty(r, ctx->status);
    }
    if (!ctx->answer) {
        leads_drop_unread_body(ctx);
        return leads_respond_error(r, &ctx->err);
    }
    if (ctx->replayed) {
        apr_table_setn(r->err_headers_out, "Idempotent-Replayed", "true");
    }
    return leads_respond_text(r, ctx->status, ctx->answer);
}

int leads_handler(request_rec *r)
{
    leads_ctx_t ctx;
    int rv;

    if (!r->handler || strcmp(r->handler, "leads") != 0) {
        return DECLINED;
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.r = r;
    ctx.cfg = ap_get_module_config(r->server->module_config, &leads_module);
    leads_respond_prepare(r);

    /* Each step returns non-zero when it has the answer or an error. */
    if (!(check_path(&ctx) || leads_webform_preflight(&ctx)
          || check_method(&ctx) || check_tls(&ctx)
          || check_key_form(&ctx) || leads_read_body(&ctx)
          || authenticate(&ctx) || leads_webform_check_origin(&ctx)
          || check_rate(&ctx) || leads_webform_check_rate(&ctx)
          || leads_check_idempotency_key(&ctx) || leads_check_content_type(&ctx)
          || leads_parse_body(&ctx) || leads_webform_honeypot(&ctx)
          || leads_webform_check_captcha(&ctx)
          || leads_prepare_idempotency(&ctx) || validate(&ctx)
          || dedupe_known(&ctx) || create_lead(&ctx))) {
        leads_fail(&ctx, LEADS_ERR_INTERNAL, NULL);   /* no step answered */
    }
    /* back to the pool before the answer goes out to a client that may
     * read it slowly */
    leads_db_close(ctx.db);
    apr_table_setn(r->notes, "leads-db-statements",
                   apr_itoa(r->pool, leads_db_statements(ctx.db)));
    rv = answer(&ctx);
    count(&ctx);
    return rv;
}
