/* See leads_webform.h. The form's settings come with its source row
 * (leads_store_source_by_hash()), looked up on every request like any
 * key, so a change to the origins applies at once. */
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "leads_captcha.h"
#include "leads_headers.h"
#include "leads_ingest.h"
#include "leads_key.h"
#include "leads_metrics.h"
#include "leads_origin.h"
#include "leads_shm.h"
#include "leads_text.h"
#include "leads_uuid.h"
#include "leads_verify.h"
#include "leads_webform.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

#define FORM_KIND "form"

const char *leads_webform_url_key(request_rec *r)
{
    const char *s = r->args;
    apr_size_t prefix = strlen(LEADS_FORM_KEY_PREFIX);

    while (s && *s) {
        apr_size_t len = strcspn(s, "&");

        if (len > 4 + prefix && strncmp(s, "key=", 4) == 0
            && strncmp(s + 4, LEADS_FORM_KEY_PREFIX, prefix) == 0) {
            return apr_pstrmemdup(r->pool, s + 4, len - 4);
        }
        s += len;
        if (*s == '&') {
            s++;
        }
    }
    return NULL;
}

/* The form of this key, for a preflight (which has no body to wait for:
 * the connection is taken at once and given back by the handler). */
static int preflight_form(leads_ctx_t *ctx, const char *key)
{
    request_rec *r = ctx->r;
    apr_status_t rv = leads_db_acquire(r, &ctx->db);

    if (rv != APR_SUCCESS) {
        return leads_fail_db(ctx, rv);
    }
    rv = leads_store_source_by_hash(ctx->db,
                                    leads_sha256_hex(r->pool, key,
                                                     strlen(key)),
                                    &ctx->source);
    if (rv == LEADS_DB_NOT_FOUND || (rv == APR_SUCCESS
                                     && strcmp(ctx->source.kind, FORM_KIND))) {
        return leads_fail_auth(ctx);
    }
    if (rv != APR_SUCCESS) {
        return leads_fail_db(ctx, rv);
    }
    if (!ctx->source.enabled) {
        return leads_fail(ctx, LEADS_ERR_KEY_DISABLED, NULL);
    }
    return 0;
}

int leads_webform_preflight(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    const char *key, *origin;

    if (r->method_number != M_OPTIONS
        || (key = leads_webform_url_key(r)) == NULL) {
        return 0;
    }
    if (leads_check_auth_failures(ctx) || preflight_form(ctx, key)) {
        return 1;
    }
    apr_table_mergen(r->err_headers_out, "Vary", "Origin");
    origin = apr_table_get(r->headers_in, "Origin");
    if (!leads_origin_listed(r->pool, ctx->source.origins, origin)) {
        return leads_fail(ctx, LEADS_ERR_ORIGIN_NOT_ALLOWED, NULL);
    }
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Origin", origin);
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Methods", "POST");
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Headers",
                   "Content-Type, Idempotency-Key");
    apr_table_setn(r->err_headers_out, "Access-Control-Max-Age", "600");
    ctx->no_body = 1;
    return leads_answer(ctx, HTTP_NO_CONTENT, "");
}

int leads_webform_check_origin(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    const char *origin;

    if (!ctx->web_form) {
        return 0;
    }
    apr_table_mergen(r->err_headers_out, "Vary", "Origin");
    origin = apr_table_get(r->headers_in, "Origin");
    if (!origin) {
        return 0;               /* not a browser's cross-origin request */
    }
    if (!leads_origin_listed(r->pool, ctx->source.origins, origin)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, LEADSLOGNO(00100)
                      "form %s: a post from origin %s refused",
                      ctx->source.id,
                      ap_escape_logitem(r->pool, origin));
        return leads_fail(ctx, LEADS_ERR_ORIGIN_NOT_ALLOWED, NULL);
    }
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Origin", origin);
    return 0;
}

int leads_webform_check_rate(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    const leads_srv_cfg_t *cfg = ctx->cfg;
    int retry_after;

    if (!ctx->web_form || cfg->form_rate_limit <= 0) {
        return 0;
    }
    retry_after = leads_shm_rate_hit(r, apr_pstrcat(r->pool, "form-addr:",
                                                    r->useragent_ip, NULL),
                                     cfg->form_rate_limit,
                                     cfg->form_rate_window);
    if (retry_after > 0) {
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_itoa(r->pool, retry_after));
        return leads_fail(ctx, LEADS_ERR_RATE_LIMITED,
                          "Too many form posts from this address.");
    }
    return 0;
}

/* A top-level field's text in a form body or a JSON one ("" when absent;
 * "x" for a JSON value that is not a string, which is not empty). */
static const char *field_value(const leads_ctx_t *ctx, const char *name)
{
    const char *v = NULL;

    if (ctx->form_body) {
        v = leads_form_get(ctx->form_body, name);
    }
    else if (json_is_object(ctx->body)) {
        json_t *j = json_object_get(ctx->body, name);

        v = json_is_string(j) ? json_string_value(j)
            : (j && !json_is_null(j) ? "x" : NULL);
    }
    return v ? v : "";
}

int leads_webform_honeypot(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    const char *fake;

    if (!ctx->web_form || !*ctx->source.honeypot
        || !*leads_text_trim(r->pool, field_value(ctx, ctx->source.honeypot))) {
        return 0;
    }
    if (leads_uuid_v7(r->pool, apr_time_now(), &fake) != APR_SUCCESS) {
        return leads_fail(ctx, LEADS_ERR_INTERNAL, NULL);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, LEADSLOGNO(00101)
                  "form %s: honeypot field filled in, answered as a success "
                  "and nothing stored", ctx->source.id);
    leads_metrics_spam(LEADS_SPAM_HONEYPOT);
    return leads_ingest_created(ctx, fake);
}

int leads_webform_check_captcha(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    int provider = ctx->web_form ? leads_captcha_provider(ctx->source.captcha)
                                 : -1;
    const char *token, *url, *body;
    apr_status_t rv;
    int verdict;

    if (provider < 0) {
        return 0;
    }
    token = field_value(ctx, leads_captcha_token_field(provider));
    if (!*token) {
        leads_metrics_spam(LEADS_SPAM_CAPTCHA);
        return leads_fail(ctx, LEADS_ERR_CAPTCHA_FAILED, NULL);
    }
    url = ctx->cfg->captcha_url[provider]
          ? ctx->cfg->captcha_url[provider]
          : leads_captcha_default_url(provider);
    body = leads_captcha_request_body(r->pool, ctx->source.captcha_secret,
                                      token, r->useragent_ip);
    /* no pooled connection is held while the provider answers */
    leads_db_close(ctx->db);
    rv = leads_verify_captcha(r, url, body, &verdict);
    if (rv != APR_SUCCESS) {
        return leads_fail(ctx, LEADS_ERR_UNAVAILABLE, NULL);
    }
    if (!verdict) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, LEADSLOGNO(00103)
                      "form %s: captcha token refused by %s", ctx->source.id,
                      ctx->source.captcha);
        leads_metrics_spam(LEADS_SPAM_CAPTCHA);
        return leads_fail(ctx, LEADS_ERR_CAPTCHA_FAILED, NULL);
    }
    rv = leads_db_reconnect(ctx->db);
    return rv == APR_SUCCESS ? 0 : leads_fail_db(ctx, rv);
}

/* "a,b" of the fields an invalid_request names, each URL-escaped. */
static const char *problem_fields(apr_pool_t *p, const leads_error_t *err)
{
    apr_array_header_t *names = apr_array_make(p, 4, sizeof(const char *));
    apr_hash_t *seen = apr_hash_make(p);
    int i;

    for (i = 0; err->details && i < err->details->nelts; i++) {
        const leads_problem_t *pr =
            &APR_ARRAY_IDX(err->details, i, leads_problem_t);

        if (pr->field && !apr_hash_get(seen, pr->field, APR_HASH_KEY_STRING)) {
            apr_hash_set(seen, pr->field, APR_HASH_KEY_STRING, "");
            APR_ARRAY_PUSH(names, const char *) =
                ap_escape_urlencoded(p, pr->field);
        }
    }
    return apr_array_pstrcat(p, names, ',');
}

/* The redirect URL with `query` added before any fragment. */
static const char *with_query(apr_pool_t *p, const char *url,
                              const char *query)
{
    const char *hash = strchr(url, '#');
    const char *base = hash ? apr_pstrmemdup(p, url, hash - url) : url;

    return apr_pstrcat(p, base, strchr(base, '?') ? "&" : "?", query,
                       hash ? hash : "", NULL);
}

/* Client errors a visitor can be told about on the firm's page. */
static int redirectable_error(leads_err_e code)
{
    int status = leads_error_status(code);

    return status == HTTP_BAD_REQUEST || status == HTTP_CONFLICT
           || status == HTTP_REQUEST_ENTITY_TOO_LARGE
           || status == HTTP_UNSUPPORTED_MEDIA_TYPE
           || status == HTTP_UNPROCESSABLE_ENTITY
           || status == HTTP_TOO_MANY_REQUESTS;
}

int leads_webform_redirect(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    const char *url = ctx->source.redirect_url, *to;

    if (!ctx->web_form || !url || !*url
        || !leads_accept_prefers_html(apr_table_get(r->headers_in,
                                                    "Accept"))) {
        return 0;
    }
    if (ctx->answer && ctx->status < 300) {
        to = url;
    }
    else if (!ctx->answer && redirectable_error(ctx->err.code)) {
        to = with_query(r->pool, url,
                        apr_pstrcat(r->pool, "error=",
                                    leads_error_name(ctx->err.code),
                                    ctx->err.code == LEADS_ERR_INVALID_REQUEST
                                    ? "&fields=" : "",
                                    ctx->err.code == LEADS_ERR_INVALID_REQUEST
                                    ? problem_fields(r->pool, &ctx->err) : "",
                                    NULL));
    }
    else {
        return 0;
    }
    apr_table_setn(r->err_headers_out, "Location", to);
    ctx->no_body = 1;
    leads_answer(ctx, HTTP_SEE_OTHER, "");
    return 1;
}
