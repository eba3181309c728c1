/* See leads_captcha.h. The three providers take the same siteverify
 * request (secret, response, remoteip) and answer the same way
 * ({"success": true|false, …}), so one table serves them all. */
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <jansson.h>

#include "leads_captcha.h"

typedef struct {
    const char *name;
    const char *token_field;
    const char *verify_url;
} provider_t;

/* Indexed by leads_captcha_e. */
static const provider_t providers[LEADS_CAPTCHA_COUNT] = {
    { "turnstile", "cf-turnstile-response",
      "https://challenges.cloudflare.com/turnstile/v0/siteverify" },
    { "hcaptcha", "h-captcha-response", "https://api.hcaptcha.com/siteverify" },
    { "recaptcha", "g-recaptcha-response",
      "https://www.google.com/recaptcha/api/siteverify" }
};

int leads_captcha_provider(const char *name)
{
    int i;

    for (i = 0; name && i < LEADS_CAPTCHA_COUNT; i++) {
        if (strcmp(name, providers[i].name) == 0) {
            return i;
        }
    }
    return -1;
}

const char *leads_captcha_names(void)
{
    return "turnstile, hcaptcha or recaptcha";
}

const char *leads_captcha_token_field(leads_captcha_e provider)
{
    return providers[provider].token_field;
}

const char *leads_captcha_default_url(leads_captcha_e provider)
{
    return providers[provider].verify_url;
}

/* Every byte but unreserved characters as %XX. */
static const char *form_escape(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;
    const unsigned char *c;

    for (c = (const unsigned char *)s; *c; c++) {
        if (apr_isalnum(*c) || *c == '-' || *c == '.' || *c == '_'
            || *c == '~') {
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

const char *leads_captcha_request_body(apr_pool_t *p, const char *secret,
                                       const char *token,
                                       const char *remote_ip)
{
    return apr_pstrcat(p, "secret=", form_escape(p, secret),
                       "&response=", form_escape(p, token),
                       remote_ip ? "&remoteip=" : "",
                       remote_ip ? form_escape(p, remote_ip) : "", NULL);
}

int leads_captcha_verdict(const char *body, apr_size_t len)
{
    json_t *answer = json_loadb(body, len, 0, NULL);
    json_t *success = json_object_get(answer, "success");
    int verdict = json_is_true(success) ? 1 : json_is_false(success) ? 0 : -1;

    json_decref(answer);
    return verdict;
}
