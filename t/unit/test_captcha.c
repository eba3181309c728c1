/* Web forms (docs/api.md §10): captcha providers, the verification
 * request's body and the reading of the verifier's answer. */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "leads_captcha.h"
#include "tap.h"

static int verdict(const char *body)
{
    return leads_captcha_verdict(body, strlen(body));
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    is_int(leads_captcha_provider("turnstile"), LEADS_CAPTCHA_TURNSTILE,
           "turnstile");
    is_int(leads_captcha_provider("hcaptcha"), LEADS_CAPTCHA_HCAPTCHA,
           "hcaptcha");
    is_int(leads_captcha_provider("recaptcha"), LEADS_CAPTCHA_RECAPTCHA,
           "recaptcha");
    is_int(leads_captcha_provider("Turnstile"), -1, "names are exact");
    is_int(leads_captcha_provider(NULL), -1, "no name");
    is_str(leads_captcha_token_field(LEADS_CAPTCHA_TURNSTILE),
           "cf-turnstile-response", "Turnstile's token field");
    is_str(leads_captcha_token_field(LEADS_CAPTCHA_HCAPTCHA),
           "h-captcha-response", "hCaptcha's token field");
    is_str(leads_captcha_token_field(LEADS_CAPTCHA_RECAPTCHA),
           "g-recaptcha-response", "reCAPTCHA's token field");
    ok(strncmp(leads_captcha_default_url(LEADS_CAPTCHA_RECAPTCHA),
               "https://", 8) == 0, "default URLs are https");
    is_str(leads_captcha_request_body(p, "s3cr=t&x", "tok en+/",
                                      "2001:db8::1"),
           "secret=s3cr%3Dt%26x&response=tok%20en%2B%2F"
           "&remoteip=2001%3Adb8%3A%3A1", "the request body, escaped");
    is_str(leads_captcha_request_body(p, "s", "t", NULL),
           "secret=s&response=t", "no remote address");
    is_int(verdict("{\"success\":true,\"hostname\":\"x\"}"), 1, "success");
    is_int(verdict("{\"success\":false,\"error-codes\":[\"bad\"]}"), 0,
           "refused");
    is_int(verdict("{\"success\":\"true\"}"), -1, "success as a string");
    is_int(verdict("{}"), -1, "no success member");
    is_int(verdict("<html>"), -1, "not JSON");
    is_int(verdict(""), -1, "empty");
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
