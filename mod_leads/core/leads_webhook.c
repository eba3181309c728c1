/* The webhook wire format (docs/api.md §9.3, §9.5): what a delivery says on the wire
 * besides its body, and what answer counts. */
#include <string.h>

#include <apr_strings.h>

#include "leads_sign.h"
#include "leads_webhook.h"

#define HEADER_LINES 5

apr_status_t leads_webhook_headers(apr_pool_t *p, const char *secret,
                                   const char *event_id, const char *body,
                                   apr_size_t len, apr_int64_t t,
                                   apr_array_header_t **lines)
{
    const char *lawfficient, *standard;
    apr_array_header_t *h;
    apr_status_t rv;

    *lines = NULL;
    if (event_id == NULL) {
        return APR_EINVAL;
    }
    rv = leads_sign_lawfficient(p, secret, t, body, len, &lawfficient);
    if (rv == APR_SUCCESS) {
        rv = leads_sign_standard(p, secret, event_id, t, body, len,
                                 &standard);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    h = apr_array_make(p, HEADER_LINES + 2, sizeof(const char *));
    APR_ARRAY_PUSH(h, const char *) = "Content-Type: application/json";
    APR_ARRAY_PUSH(h, const char *) =
        apr_pstrcat(p, "Lawfficient-Signature: ", lawfficient, NULL);
    APR_ARRAY_PUSH(h, const char *) =
        apr_pstrcat(p, "webhook-id: ", event_id, NULL);
    APR_ARRAY_PUSH(h, const char *) =
        apr_psprintf(p, "webhook-timestamp: %" APR_INT64_T_FMT, t);
    APR_ARRAY_PUSH(h, const char *) =
        apr_pstrcat(p, "webhook-signature: ", standard, NULL);
    *lines = h;
    return APR_SUCCESS;
}

int leads_webhook_success(int transfer_ok, long http_status)
{
    return transfer_ok && http_status >= 200 && http_status < 300;
}

/* The second signature of a rotation appended to the first header's:
 * "t=<t>,v1=<new>" + ",v1=<old>", "v1,<new>" + " v1,<old>". */
static apr_status_t add_previous(apr_pool_t *p, const char *previous,
                                 const char *event_id, const char *body,
                                 apr_size_t len, apr_int64_t t,
                                 apr_array_header_t *h)
{
    const char *lawfficient, *standard, *v1;
    const char **lines = (const char **)h->elts;
    apr_status_t rv;

    rv = leads_sign_lawfficient(p, previous, t, body, len, &lawfficient);
    if (rv == APR_SUCCESS) {
        rv = leads_sign_standard(p, previous, event_id, t, body, len,
                                 &standard);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    v1 = strstr(lawfficient, ",v1=");
    if (v1 == NULL) {
        return APR_EINVAL;
    }
    lines[1] = apr_pstrcat(p, lines[1], v1, NULL);
    lines[4] = apr_pstrcat(p, lines[4], " ", standard, NULL);
    return APR_SUCCESS;
}

apr_status_t leads_webhook_headers_rotating(apr_pool_t *p, const char *secret,
                                            const char *previous,
                                            const char *event_id,
                                            const char *body, apr_size_t len,
                                            apr_int64_t t,
                                            apr_array_header_t **lines)
{
    apr_status_t rv = leads_webhook_headers(p, secret, event_id, body, len, t,
                                            lines);

    if (rv != APR_SUCCESS || previous == NULL || *previous == '\0') {
        return rv;
    }
    rv = add_previous(p, previous, event_id, body, len, t, *lines);
    if (rv != APR_SUCCESS) {
        *lines = NULL;
    }
    return rv;
}
