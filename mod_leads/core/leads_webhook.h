/* The webhook wire format (docs/api.md §9.3, §9.5): the header lines a delivery carries
 * and which outcome of an attempt counts as delivered. Pure C; the
 * deliverer (leads_deliver.c) schedules, sends (adding its User-Agent)
 * and records. */
#ifndef LEADS_WEBHOOK_H
#define LEADS_WEBHOOK_H

#include <apr_pools.h>
#include <apr_tables.h>

/* The header lines ("Name: value", const char *) of one attempt to deliver
 * `body` (`len` bytes) of event `event_id`, signed with the endpoint's
 * `secret` at unix time `t` (seconds), in this order:
 *   Content-Type: application/json
 *   Lawfficient-Signature: t=<t>,v1=<hex>
 *   webhook-id: <event id>
 *   webhook-timestamp: <t>
 *   webhook-signature: v1,<base64>
 * (leads_sign.h says how each signature is made). *lines is allocated in
 * `p`, with room for more. APR_EINVAL when the secret is not "whsec_" +
 * valid base64 or there is no event id. */
apr_status_t leads_webhook_headers(apr_pool_t *p, const char *secret,
                                   const char *event_id, const char *body,
                                   apr_size_t len, apr_int64_t t,
                                   apr_array_header_t **lines);

/* The same, during a secret rotation's grace period: signed with
 * `secret` and with `previous` too, new first (SPEC §7.1):
 *   Lawfficient-Signature: t=<t>,v1=<new hex>,v1=<old hex>
 *   webhook-signature: v1,<new base64> v1,<old base64>
 * With `previous` NULL or "" exactly leads_webhook_headers(). */
apr_status_t leads_webhook_headers_rotating(apr_pool_t *p, const char *secret,
                                            const char *previous,
                                            const char *event_id,
                                            const char *body, apr_size_t len,
                                            apr_int64_t t,
                                            apr_array_header_t **lines);

/* Non-zero when an attempt delivered: the transfer completed
 * (`transfer_ok`: a whole answer within the timeout, no refused address)
 * and the receiver answered with any 2xx status. Everything else is
 * retried. */
int leads_webhook_success(int transfer_ok, long http_status);

#endif
