/* Responses are written here and the handler returns OK, so httpd never
 * substitutes its own HTML error page for the JSON envelope. */
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "leads_json.h"
#include "leads_respond.h"
#include "leads_uuid.h"
#include "leads_validate.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

typedef struct {
    int status;
    const char *code;
    const char *message;
} error_def_t;

/* Indexed by leads_err_e. */
static const error_def_t errors[] = {
    { 400, "invalid_json", "The body is not a valid UTF-8 JSON object." },
    { 400, "invalid_idempotency_key",
      "Idempotency-Key must be 1 to 255 printable ASCII characters." },
    { 401, "missing_key",
      "Send your key in an 'Authorization: Bearer <key>' header." },
    { 401, "invalid_key", "The key is not valid." },
    { 403, "key_disabled", "The key is disabled." },
    { 403, "insufficient_scope", "The key lacks the leads:write scope." },
    { 403, "https_required", "Requests must be made over HTTPS." },
    { 404, "not_found", "No such resource." },
    { 405, "method_not_allowed", "Only POST is allowed here." },
    { 408, "request_timeout",
      "The request body was not received in time." },
    { 409, "no_open_stage", "The firm has no open pipeline stage." },
    { 409, "idempotency_in_flight",
      "A request with this Idempotency-Key is still being processed." },
    { 413, "payload_too_large", "The request body is too large." },
    { 415, "unsupported_media_type",
      "Send the body as Content-Type: application/json." },
    { 422, "invalid_request", "The lead is not valid." },
    { 422, "idempotency_key_reused",
      "This Idempotency-Key was used with a different body." },
    { 429, "rate_limited", "Too many requests for this key." },
    { 503, "unavailable",
      "The service is temporarily unavailable; retry later." },
    { 400, "key_in_url",
      "Secret keys (lak_, lik_) must not be sent in the URL: send them in "
      "an 'Authorization: Bearer' header, and replace this one." },
    { 403, "origin_not_allowed",
      "This form does not accept posts from this page's origin." },
    { 422, "captcha_failed",
      "The captcha was not solved; solve it and send the form again." },
    { 500, "internal_error", "Something went wrong on our side." }
};

/* One entry per leads_err_e: a missing one stops the build. */
typedef char errors_cover_every_code[
    sizeof(errors) / sizeof(errors[0]) == LEADS_ERR_COUNT ? 1 : -1];

const char *leads_request_id(request_rec *r)
{
    const char *id = apr_table_get(r->notes, "leads-request-id");

    if (!id) {
        id = apr_table_get(r->subprocess_env, "UNIQUE_ID");
        if (!id && leads_uuid_v7(r->pool, r->request_time, &id)
                   != APR_SUCCESS) {
            id = apr_psprintf(r->pool, "%" APR_TIME_T_FMT, r->request_time);
        }
        apr_table_setn(r->notes, "leads-request-id", id);
    }
    return id;
}

void leads_respond_prepare(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "X-Request-Id", leads_request_id(r));
    apr_table_setn(r->err_headers_out, "Lawfficient-Version",
                   LEADS_API_VERSION);
}

int leads_respond_text(request_rec *r, int status, const char *text)
{
    apr_size_t len;

    if (!text) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LEADSLOGNO(00030)
                      "cannot serialise a response (request %s)",
                      leads_request_id(r));
        status = HTTP_INTERNAL_SERVER_ERROR;
        text = "{\"error\":{\"code\":\"internal_error\",\"message\":"
               "\"Something went wrong on our side.\",\"details\":null}}";
    }
    len = strlen(text);
    r->status = status;
    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, len);
    ap_rwrite(text, (int)len, r);
    return OK;
}

static json_t *details_json(const apr_array_header_t *details)
{
    json_t *arr;
    int i;

    if (!details || details->nelts == 0) {
        return json_null();
    }
    arr = json_array();
    for (i = 0; i < details->nelts; i++) {
        const leads_problem_t *pr = &APR_ARRAY_IDX(details, i, leads_problem_t);

        json_t *item = json_pack("{s:s, s:s}", "field", pr->field,
                                 "issue", pr->issue);

        if (item && pr->path) {
            json_object_set_new(item, "path", json_string(pr->path));
        }
        json_array_append_new(arr, item);
    }
    return arr;
}

int leads_error_status(leads_err_e code)
{
    return errors[code].status;
}

const char *leads_error_name(leads_err_e code)
{
    return errors[code].code;
}

int leads_respond_empty(request_rec *r, int status)
{
    r->status = status;
    if (status != HTTP_NO_CONTENT) {
        ap_set_content_length(r, 0);
    }
    return OK;
}

int leads_respond_error(request_rec *r, const leads_error_t *err)
{
    const error_def_t *def = &errors[err->code];
    json_t *body;
    int rv;

    if (err->code == LEADS_ERR_UNAVAILABLE) {
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
    }
    if (err->code == LEADS_ERR_MISSING_KEY) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", "Bearer");
    }
    if (err->code == LEADS_ERR_METHOD_NOT_ALLOWED) {
        apr_table_setn(r->err_headers_out, "Allow", "POST");
    }
    body = json_pack("{s:{s:s, s:s, s:o}}", "error",
                     "code", def->code,
                     "message", err->message ? err->message : def->message,
                     "details", details_json(err->details));
    rv = leads_respond_text(r, def->status, leads_json_text(r->pool, body));
    json_decref(body);
    return rv;
}
