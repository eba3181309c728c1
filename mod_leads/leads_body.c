/* The request body: its media type, reading it under LeadsMaxBodySize,
 * and parsing it as JSON or as a form. */
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"
#include "util_filter.h"

#include "leads_body.h"
#include "leads_headers.h"
#include "leads_json.h"
#include "leads_multipart.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

/* Deeper JSON than this is refused: a lead is two levels deep. */
#define LEADS_MAX_JSON_DEPTH 32

/* JSON always; a form body only as an inbound webhook (docs/api.md
 * §6.2), and multipart/form-data only for a web form (§10), whose
 * boundary is checked here. */
int leads_check_content_type(leads_ctx_t *ctx)
{
    const char *ct = apr_table_get(ctx->r->headers_in, "Content-Type");

    if (ct && leads_media_type_is(ct, "application/json")) {
        return 0;
    }
    if (ct && ctx->web_form
        && leads_media_type_is(ct, "multipart/form-data")) {
        ctx->boundary = leads_multipart_boundary(ctx->r->pool, ct);
        ctx->form = 1;
        return ctx->boundary ? 0
               : leads_fail(ctx, LEADS_ERR_INVALID_JSON,
                            "multipart/form-data needs a boundary parameter "
                            "of 1 to 70 characters.");
    }
    if (ct && ctx->mode == LEADS_MODE_INGEST
        && leads_media_type_is(ct, "application/x-www-form-urlencoded")) {
        ctx->form = 1;
        return 0;
    }
    return leads_fail(ctx, LEADS_ERR_UNSUPPORTED_MEDIA_TYPE,
                      ctx->web_form
                      ? "Send the body as application/json, "
                        "application/x-www-form-urlencoded or "
                        "multipart/form-data."
                      : ctx->mode == LEADS_MODE_INGEST
                      ? "Send the body as application/json or "
                        "application/x-www-form-urlencoded."
                      : NULL);
}

/* A failure to read the body, kept until the key is known. */
static int body_failed(leads_ctx_t *ctx, leads_err_e code, const char *msg)
{
    ctx->body_failed = 1;
    ctx->body_err.code = code;
    ctx->body_err.message = msg;
    return 0;
}

/* Why ap_get_brigade() failed, as ap_map_http_request_error() sorts it: a
 * filter that already answered (LimitRequestBody, bad chunking), a body
 * too slow for mod_reqtimeout (408), one over a limit, or a client gone. */
static int read_failed(leads_ctx_t *ctx, apr_status_t rv)
{
    request_rec *r = ctx->r;

    ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r, LEADSLOGNO(00041)
                  "cannot read the request body");
    r->connection->keepalive = AP_CONN_CLOSE;
    switch (ap_map_http_request_error(rv, HTTP_BAD_REQUEST)) {
    case AP_FILTER_ERROR:
        ctx->sent_by_httpd = AP_FILTER_ERROR;
        return 1;
    case HTTP_REQUEST_TIME_OUT:
        return body_failed(ctx, LEADS_ERR_REQUEST_TIMEOUT, NULL);
    case HTTP_REQUEST_ENTITY_TOO_LARGE:
        return body_failed(ctx, LEADS_ERR_PAYLOAD_TOO_LARGE, NULL);
    default:
        return body_failed(ctx, LEADS_ERR_INVALID_JSON,
                           "The request body could not be read.");
    }
}

/* Read the whole body before any database work, stopping as soon as it
 * passes the limit. Failures are kept for leads_parse_body(), except one
 * a filter has already answered. */
int leads_read_body(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    apr_off_t max = ctx->cfg->max_body, total = 0;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_bucket_brigade *bb, *body;
    apr_status_t rv;
    int seen_eos = 0;

    if (cl) {
        apr_off_t n;
        char *end;

        if (apr_strtoff(&n, cl, &end, 10) == APR_SUCCESS && *end == '\0'
            && n > max) {
            return body_failed(ctx, LEADS_ERR_PAYLOAD_TOO_LARGE, NULL);
        }
    }
    ctx->body_read = 1;
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    body = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    while (!seen_eos) {
        apr_bucket *b;

        rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                            APR_BLOCK_READ, HUGE_STRING_LEN);
        if (rv != APR_SUCCESS) {
            apr_brigade_destroy(body);
            return read_failed(ctx, rv);
        }
        while (!APR_BRIGADE_EMPTY(bb)) {
            b = APR_BRIGADE_FIRST(bb);
            if (APR_BUCKET_IS_EOS(b)) {
                seen_eos = 1;
            }
            if (APR_BUCKET_IS_METADATA(b)) {
                apr_bucket_delete(b);
                continue;
            }
            total += b->length;
            if (total > max) {
                apr_brigade_cleanup(bb);
                apr_brigade_destroy(body);
                ctx->body_read = 0;     /* the rest is not read: close */
                return body_failed(ctx, LEADS_ERR_PAYLOAD_TOO_LARGE, NULL);
            }
            APR_BUCKET_REMOVE(b);
            apr_bucket_setaside(b, r->pool);
            APR_BRIGADE_INSERT_TAIL(body, b);
        }
    }
    rv = apr_brigade_pflatten(body, (char **)&ctx->raw, &ctx->raw_len,
                              r->pool);
    apr_brigade_destroy(body);
    if (rv != APR_SUCCESS) {
        return leads_fail(ctx, LEADS_ERR_INTERNAL, NULL);
    }
    return 0;
}

/* Text parts become the form; file parts are only named (they go into
 * Lawfficient-Ignored-Fields). */
static int parse_multipart(leads_ctx_t *ctx)
{
    leads_multipart_t *mp;
    const char *why;

    if (leads_multipart_parse(ctx->r->pool, ctx->boundary, ctx->raw,
                              ctx->raw_len, &mp, &why) != APR_SUCCESS) {
        return leads_fail(ctx, LEADS_ERR_INVALID_JSON,
                          apr_pstrcat(ctx->r->pool, "The multipart body is "
                                      "not valid: ", why, NULL));
    }
    ctx->form_body = mp->form;
    ctx->files = mp->files;
    return 0;
}

static int parse_form(leads_ctx_t *ctx)
{
    if (ctx->boundary) {
        return parse_multipart(ctx);
    }
    if (leads_form_parse(ctx->r->pool, ctx->raw, ctx->raw_len,
                         &ctx->form_body) != APR_SUCCESS) {
        return leads_fail(ctx, LEADS_ERR_INVALID_JSON,
                          "The form body is not valid: bad percent-encoding, "
                          "a NUL byte or invalid UTF-8.");
    }
    return 0;
}

int leads_parse_body(leads_ctx_t *ctx)
{
    json_error_t jerr;

    if (ctx->body_failed) {
        ctx->err = ctx->body_err;
        ctx->answer = NULL;
        return 1;
    }
    if (ctx->form) {
        return parse_form(ctx);
    }
    ctx->body = json_loadb(ctx->raw, ctx->raw_len,
                           JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!ctx->body) {
        return leads_fail(ctx, LEADS_ERR_INVALID_JSON,
                          apr_psprintf(ctx->r->pool, "The body is not valid "
                                       "JSON: %s (at character %d).",
                                       jerr.text, jerr.position));
    }
    leads_json_pool_owns(ctx->r->pool, ctx->body);
    if (!json_is_object(ctx->body)) {
        return leads_fail(ctx, LEADS_ERR_INVALID_JSON,
                          "The body must be a JSON object.");
    }
    if (leads_json_depth(ctx->body) > LEADS_MAX_JSON_DEPTH) {
        return leads_fail(ctx, LEADS_ERR_INVALID_JSON,
                          "The body is nested too deeply.");
    }
    ctx->lead_in = ctx->body;
    return 0;
}

/* An error before the body was read: read a small body away so the
 * connection can be kept; close it rather than read a large one. */
void leads_drop_unread_body(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_off_t n = 0;
    char *end;

    if (ctx->body_read && ctx->err.code != LEADS_ERR_PAYLOAD_TOO_LARGE) {
        return;
    }
    if (ctx->err.code == LEADS_ERR_PAYLOAD_TOO_LARGE
        || apr_table_get(r->headers_in, "Transfer-Encoding")
        || (cl && (apr_strtoff(&n, cl, &end, 10) != APR_SUCCESS
                   || n > ctx->cfg->max_body))
        || ap_discard_request_body(r) != OK) {
        r->connection->keepalive = AP_CONN_CLOSE;
    }
}

