/* Every answer mod_leads writes: the JSON body, the error envelope of
 * docs/api.md §7 and the headers every response carries (§8). */
#ifndef LEADS_RESPOND_H
#define LEADS_RESPOND_H

#include "httpd.h"
#include <jansson.h>

typedef enum {
    LEADS_ERR_INVALID_JSON,
    LEADS_ERR_INVALID_IDEMPOTENCY_KEY,
    LEADS_ERR_MISSING_KEY,
    LEADS_ERR_INVALID_KEY,
    LEADS_ERR_KEY_DISABLED,
    LEADS_ERR_INSUFFICIENT_SCOPE,
    LEADS_ERR_HTTPS_REQUIRED,
    LEADS_ERR_NOT_FOUND,
    LEADS_ERR_METHOD_NOT_ALLOWED,
    LEADS_ERR_REQUEST_TIMEOUT,
    LEADS_ERR_NO_OPEN_STAGE,
    LEADS_ERR_IDEMPOTENCY_IN_FLIGHT,
    LEADS_ERR_PAYLOAD_TOO_LARGE,
    LEADS_ERR_UNSUPPORTED_MEDIA_TYPE,
    LEADS_ERR_INVALID_REQUEST,
    LEADS_ERR_IDEMPOTENCY_KEY_REUSED,
    LEADS_ERR_RATE_LIMITED,
    LEADS_ERR_UNAVAILABLE,
    LEADS_ERR_KEY_IN_URL,
    LEADS_ERR_ORIGIN_NOT_ALLOWED,
    LEADS_ERR_CAPTCHA_FAILED,
    LEADS_ERR_INTERNAL,
    LEADS_ERR_COUNT
} leads_err_e;

/* An error on its way to the one place that writes it. */
typedef struct {
    leads_err_e code;
    const char *message;                /* NULL: the code's default */
    apr_array_header_t *details;        /* leads_problem_t, or NULL */
} leads_error_t;

/* Set X-Request-Id and Lawfficient-Version; call first in the handler. */
void leads_respond_prepare(request_rec *r);

/* The request id shown in X-Request-Id (and logged with 500s). */
const char *leads_request_id(request_rec *r);

/* Write JSON text with `status`. Returns OK. */
int leads_respond_text(request_rec *r, int status, const char *text);

/* The HTTP status and the stable code ("invalid_json") of an error. */
int leads_error_status(leads_err_e code);
const char *leads_error_name(leads_err_e code);

/* Write a response without a body (a 204 preflight, a 303 redirect):
 * `status` and whatever headers are set. Returns OK. */
int leads_respond_empty(request_rec *r, int status);

/* Write the error envelope. Returns OK. */
int leads_respond_error(request_rec *r, const leads_error_t *err);

#endif
