/* Web forms' captcha providers (docs/api.md §10): their names, the form
 * field their widget fills in, where their tokens are verified, the
 * verification request's body and the reading of its answer. Pure C, so
 * leadsctl shares the names and the unit tests reach the rest; the HTTP
 * call itself is leads_verify.c's. */
#ifndef LEADS_CAPTCHA_H
#define LEADS_CAPTCHA_H

#include <apr_pools.h>

typedef enum {
    LEADS_CAPTCHA_TURNSTILE,
    LEADS_CAPTCHA_HCAPTCHA,
    LEADS_CAPTCHA_RECAPTCHA,
    LEADS_CAPTCHA_COUNT
} leads_captcha_e;

/* The provider named `name` ("turnstile", "hcaptcha", "recaptcha"), or -1. */
int leads_captcha_provider(const char *name);

/* "turnstile, hcaptcha or recaptcha", for messages. */
const char *leads_captcha_names(void);

/* The form field the provider's widget puts its token in
 * ("cf-turnstile-response", "h-captcha-response", "g-recaptcha-response"). */
const char *leads_captcha_token_field(leads_captcha_e provider);

/* The provider's own verify URL. */
const char *leads_captcha_default_url(leads_captcha_e provider);

/* The verification POST's application/x-www-form-urlencoded body:
 * secret, response and remoteip, each percent-encoded. */
const char *leads_captcha_request_body(apr_pool_t *p, const char *secret,
                                       const char *token,
                                       const char *remote_ip);

/* The verifier's answer: 1 when it is a JSON object with "success": true,
 * 0 when "success" is false, -1 when it is not such an answer. */
int leads_captcha_verdict(const char *body, apr_size_t len);

#endif
