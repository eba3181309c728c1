/* Web forms (docs/api.md §10): the steps a publishable lpk_ key adds to a
 * source's request. The key from the URL, the CORS preflight, the origin
 * check, the per-address rate limit, the honeypot, and the 303 answer a
 * browser's plain form post gets. The handler calls these; they fill the
 * request context like every other step. */
#ifndef LEADS_WEBFORM_H
#define LEADS_WEBFORM_H

#include "leads_request.h"

/* The value of the query's `key` parameter when it is a form key
 * (lpk_…), else NULL. */
const char *leads_webform_url_key(request_rec *r);

/* OPTIONS with a form key: 204 with the CORS headers for one of the
 * form's origins, 403 origin_not_allowed for another. 0 (go on) for any
 * other request, which then meets check_method's 405. */
int leads_webform_preflight(leads_ctx_t *ctx);

/* After authentication: a form key's request with an Origin that is not
 * the form's is 403 origin_not_allowed; an allowed one has
 * Access-Control-Allow-Origin on every answer. Vary: Origin always. */
int leads_webform_check_origin(leads_ctx_t *ctx);

/* LeadsFormRateLimit per client address (mod_remoteip's when loaded). */
int leads_webform_check_rate(leads_ctx_t *ctx);

/* The honeypot field filled in: a made-up success, nothing stored. */
int leads_webform_honeypot(leads_ctx_t *ctx);

/* A form with a captcha: the provider's token, verified server to server
 * with the pooled connection given back for the wait (and taken again
 * after). Missing or refused: 422 captcha_failed; the verifier
 * unreachable: 503. */
int leads_webform_check_captcha(leads_ctx_t *ctx);

/* Just before the answer is written: for a form with a redirect URL and a
 * request preferring text/html, a success or a client error becomes a
 * 303 to the URL (with ?error=…&fields=… for an error). Returns non-zero
 * when it did. */
int leads_webform_redirect(leads_ctx_t *ctx);

#endif
