/* The webhook wire format (docs/api.md §9.3, §9.5): a delivery's header lines and what
 * counts as delivered. */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "leads_sign.h"
#include "leads_webhook.h"
#include "tap.h"

/* The Standard Webhooks reference vector, as in test_sign.c. */
#define SW_ID     "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_T      APR_INT64_C(1614265330)
#define SW_BODY   "{\"test\": 2432232314}"
#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

static const char *line(const apr_array_header_t *lines, int i)
{
    return lines != NULL && i < lines->nelts
           ? APR_ARRAY_IDX(lines, i, const char *) : NULL;
}

static void test_headers(apr_pool_t *p)
{
    apr_array_header_t *lines = NULL;

    ok(leads_webhook_headers(p, SW_SECRET, SW_ID, SW_BODY, strlen(SW_BODY),
                             SW_T, &lines) == APR_SUCCESS, "signed");
    is_int(lines ? lines->nelts : -1, 5, "five header lines");
    is_str(line(lines, 0), "Content-Type: application/json", "Content-Type");
    is_str(line(lines, 1), "Lawfficient-Signature: t=1614265330,v1=2e37df5d4a"
           "028c51a7f3133d64ae1e300d2c2c900f1b1d49d4369ad2530f8964",
           "Lawfficient-Signature: the whole secret over <t>.<body>");
    is_str(line(lines, 2), "webhook-id: " SW_ID, "webhook-id: the event id");
    is_str(line(lines, 3), "webhook-timestamp: 1614265330",
           "webhook-timestamp: <t>");
    is_str(line(lines, 4), "webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZl"
           "E3uFJELVlNIOLJ1OE=",
           "webhook-signature: the Standard Webhooks reference vector");

    ok(leads_webhook_headers(p, SW_SECRET, SW_ID, SW_BODY, strlen(SW_BODY),
                             SW_T + 60, &lines) == APR_SUCCESS
       && strcmp(line(lines, 3), "webhook-timestamp: 1614265390") == 0
       && strstr(line(lines, 1), "t=1614265390,") != NULL,
       "a retry is signed at its own time");
    ok(leads_webhook_headers(p, "whsec_not base64!", SW_ID, SW_BODY,
                             strlen(SW_BODY), SW_T, &lines) == APR_EINVAL
       && lines == NULL, "a corrupted secret signs nothing");
    ok(leads_webhook_headers(p, "secret", SW_ID, SW_BODY, strlen(SW_BODY),
                             SW_T, &lines) == APR_EINVAL,
       "a secret without whsec_ signs nothing");
    ok(leads_webhook_headers(p, SW_SECRET, NULL, SW_BODY, strlen(SW_BODY),
                             SW_T, &lines) == APR_EINVAL,
       "no event id: nothing");
}

/* During a rotation: both signatures, the new secret's first. */
static void test_rotating(apr_pool_t *p)
{
    apr_array_header_t *lines = NULL, *old = NULL, *plain = NULL;
    const char *other = NULL;

    ok(leads_whsec_generate(p, &other) == APR_SUCCESS, "another secret");
    ok(leads_webhook_headers(p, other, SW_ID, SW_BODY, strlen(SW_BODY), SW_T,
                             &old) == APR_SUCCESS, "signed with the old one");
    ok(leads_webhook_headers_rotating(p, SW_SECRET, other, SW_ID, SW_BODY,
                                      strlen(SW_BODY), SW_T, &lines)
       == APR_SUCCESS, "signed with both");
    is_str(line(lines, 1), apr_pstrcat(p, "Lawfficient-Signature: t=1614265330,"
           "v1=2e37df5d4a028c51a7f3133d64ae1e300d2c2c900f1b1d49d4369ad2530f8964",
           strchr(line(old, 1) + 24, ','), NULL),
           "Lawfficient-Signature: t=<t>,v1=<new>,v1=<old>");
    is_str(line(lines, 4), apr_pstrcat(p, "webhook-signature: v1,g0hM9SsE+OTPJ"
           "TGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= ", line(old, 4) + 19, NULL),
           "webhook-signature: v1,<new> v1,<old>");
    ok(leads_webhook_headers_rotating(p, SW_SECRET, NULL, SW_ID, SW_BODY,
                                      strlen(SW_BODY), SW_T, &plain)
       == APR_SUCCESS && strcmp(line(plain, 4), "webhook-signature: v1,g0hM9S"
                                "sE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=") == 0,
       "no previous secret: one signature");
    ok(leads_webhook_headers_rotating(p, SW_SECRET, "whsec_bad!", SW_ID,
                                      SW_BODY, strlen(SW_BODY), SW_T, &lines)
       == APR_EINVAL && lines == NULL, "a corrupted old secret: nothing");
}

static void test_success(void)
{
    static const long delivered[] = { 200, 201, 202, 204, 299 };
    static const long retried[] = { 0, 100, 199, 300, 301, 302, 304, 400,
                                    404, 410, 429, 500, 503 };
    size_t i;
    char name[64];

    for (i = 0; i < sizeof(delivered) / sizeof(delivered[0]); i++) {
        snprintf(name, sizeof(name), "%ld: delivered", delivered[i]);
        ok(leads_webhook_success(1, delivered[i]), name);
    }
    for (i = 0; i < sizeof(retried) / sizeof(retried[0]); i++) {
        snprintf(name, sizeof(name), "%ld: retried (redirects too)",
                 retried[i]);
        ok(!leads_webhook_success(1, retried[i]), name);
    }
    ok(!leads_webhook_success(0, 200),
       "a 200 whose transfer failed (timeout, body over the cap): retried");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_headers(p);
    test_rotating(p);
    test_success();
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
