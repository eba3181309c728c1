/* Webhook secrets and signatures (docs/api.md §9.1, §9.3). */
#include <string.h>

#include <apr_base64.h>
#include <apr_general.h>
#include <apr_pools.h>

#include "leads_sign.h"
#include "tap.h"

/* The Standard Webhooks reference vector (standard-webhooks spec). */
#define SW_ID     "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_T      APR_INT64_C(1614265330)
#define SW_BODY   "{\"test\": 2432232314}"
#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

static const char *lawfficient(apr_pool_t *p, const char *secret,
                               apr_int64_t t, const char *body,
                               apr_size_t len)
{
    const char *h = NULL;

    return leads_sign_lawfficient(p, secret, t, body, len, &h) == APR_SUCCESS
           ? h : NULL;
}

static const char *standard(apr_pool_t *p, const char *secret,
                            const char *id, apr_int64_t t, const char *body,
                            apr_size_t len)
{
    const char *h = NULL;

    return leads_sign_standard(p, secret, id, t, body, len, &h)
           == APR_SUCCESS ? h : NULL;
}

static void test_standard_webhooks(apr_pool_t *p)
{
    is_str(standard(p, SW_SECRET, SW_ID, SW_T, SW_BODY, strlen(SW_BODY)),
           "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
           "Standard Webhooks reference vector");
    /* printf '%s' 'evt.1700000000.' | openssl dgst -sha256 -mac HMAC
     *   -macopt hexkey:$(printf '%s' MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
     *   | base64 -d | xxd -p -c 100) -binary | base64 */
    is_str(standard(p, SW_SECRET, "evt", APR_INT64_C(1700000000), "", 0),
           "v1,THsf5PgelNdFsxhFHQX/EGXMfS7D7CeVteLxUdsC060=",
           "empty body");
    /* 25 bytes of 'k': base64 ends in "==" */
    is_str(standard(p, "whsec_a2tra2tra2tra2tra2tra2tra2tra2traw==", "m",
                    1, "x", 1),
           "v1,uZFJbS0BeF6MNdVA20X12sM1iqvyotASd6phxBinqzc=",
           "padded secret decodes to its 25 bytes");
    ok(strcmp(standard(p, SW_SECRET, SW_ID, SW_T + 1, SW_BODY,
                       strlen(SW_BODY)),
              standard(p, SW_SECRET, SW_ID, SW_T, SW_BODY, strlen(SW_BODY)))
       != 0, "a retry's fresh timestamp changes the signature");
    ok(strcmp(standard(p, SW_SECRET, "msg_other", SW_T, SW_BODY,
                       strlen(SW_BODY)),
              standard(p, SW_SECRET, SW_ID, SW_T, SW_BODY, strlen(SW_BODY)))
       != 0, "the id is signed");
    ok(standard(p, SW_SECRET, NULL, SW_T, SW_BODY, strlen(SW_BODY)) == NULL,
       "no id: refused");
}

static void test_lawfficient(apr_pool_t *p)
{
    /* printf '%s' '1614265330.{"test": 2432232314}' | openssl dgst -sha256
     *   -hmac 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
     * = 2e37df5d4a028c51a7f3133d64ae1e300d2c2c900f1b1d49d4369ad2530f8964 */
    is_str(lawfficient(p, SW_SECRET, SW_T, SW_BODY, strlen(SW_BODY)),
           "t=1614265330,v1=2e37df5d4a028c51a7f3133d64ae1e300d2c2c900f1b1d4"
           "9d4369ad2530f8964",
           "keyed with the whole whsec_ string over <t>.<body>");
    /* printf '%s' '1700000000.' | openssl dgst -sha256 -hmac '<secret>' */
    is_str(lawfficient(p, SW_SECRET, APR_INT64_C(1700000000), "", 0),
           "t=1700000000,v1=cba1e6bca7337490cde16bc4e0003251c7f5bb8e661e3d8"
           "e25d141a92c2ec991", "empty body");
    /* printf '1614265330.a\0b' | openssl dgst -sha256 -hmac '<secret>' */
    is_str(lawfficient(p, SW_SECRET, SW_T, "a\0b", 3),
           "t=1614265330,v1=ff393b13058a82130919f3aec0bdd28a5304493aaa262f6"
           "ad8355f5c8b78c2c2", "the raw body by length, NUL included");
    is_str(lawfficient(p, SW_SECRET, SW_T, "abc", 1),
           "t=1614265330,v1=53ef5345aa2b4cac602db36a125e7c11b2f06ada4d1ba76"
           "7b0039c9a0e2914d7", "only `len` bytes are signed");
}

static void test_bad_secrets(apr_pool_t *p)
{
    static const struct {
        const char *secret, *name;
    } bad[] = {
        { "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "no whsec_ prefix" },
        { "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "prefix in capitals" },
        { "whsec", "prefix cut short" },
        { "whsec_", "nothing after the prefix" },
        { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "31 characters" },
        { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-w", "url-safe alphabet" },
        { "whsec_MfKQ9r8GKYqrTwjUPD8I PZIo2LaLaSw", "a space inside" },
        { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS=w", "= before the end" },
        { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaL===", "three = of padding" },
        { "whsec_====", "only padding" },
        { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", "trailing newline" },
    };
    const char *h;
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        h = "untouched";
        ok(leads_sign_standard(p, bad[i].secret, "m", 1, "x", 1, &h)
           == APR_EINVAL && strcmp(h, "untouched") == 0, bad[i].name);
        ok(leads_sign_lawfficient(p, bad[i].secret, 1, "x", 1, &h)
           == APR_EINVAL, "  ... refused by the Lawfficient signer too");
        ok(leads_whsec_check(bad[i].secret) != NULL,
           "  ... and by the check");
    }
    ok(leads_sign_standard(p, NULL, "m", 1, "x", 1, &h) == APR_EINVAL,
       "NULL secret");
    is_str(leads_whsec_check("sk_abc"),
           "a webhook secret starts with whsec_", "check says: prefix");
    is_str(leads_whsec_check("whsec_ab!d"),
           "the part after whsec_ is not valid base64",
           "check says: base64");
}

static void test_check(void)
{
    ok(leads_whsec_check(SW_SECRET) == NULL, "24-byte secret accepted");
    ok(leads_whsec_check("whsec_a2tra2tra2tra2tra2tra2tra2tra2traw==")
       == NULL, "25 bytes, padded: accepted");
    is_str(leads_whsec_check("whsec_a2tra2tra2tra2tra2tra2tra2tra2s="),
           "a webhook secret encodes 24 to 64 bytes", "23 bytes: too short");
    ok(leads_whsec_check("whsec_"
                         "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tr"
                         "a2tra2tra2tra2tra2tra2tra2tra2tra2traw==")
       == NULL, "64 bytes accepted");
    ok(leads_whsec_check("whsec_"
                         "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tr"
                         "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=")
       != NULL, "65 bytes: too long");
}

static void test_generate(apr_pool_t *p)
{
    const char *a = NULL, *b = NULL, *h = NULL;
    unsigned char raw[64];

    is_int(leads_whsec_generate(p, &a), APR_SUCCESS, "secret generated");
    ok(strncmp(a, "whsec_", 6) == 0, "whsec_ prefix");
    is_int(strlen(a), 6 + 32, "24 bytes = 32 base64 characters");
    ok(LEADS_WHSEC_RANDOM_BYTES >= 24, "24+ random bytes (docs/api.md §9.1)");
    is_int(apr_base64_decode_binary(raw, a + 6), 24, "decodes to 24 bytes");
    ok(leads_whsec_check(a) == NULL, "passes the check");
    is_int(leads_sign_standard(p, a, "m", 1, "x", 1, &h), APR_SUCCESS,
           "usable for the Standard Webhooks signature");
    is_int(leads_sign_lawfficient(p, a, 1, "x", 1, &h), APR_SUCCESS,
           "usable for the Lawfficient signature");
    leads_whsec_generate(p, &b);
    ok(strcmp(a, b) != 0, "two secrets differ");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_standard_webhooks(p);
    test_lawfficient(p);
    leads_sign_init();                  /* the fetched HMAC: the same */
    test_standard_webhooks(p);
    test_lawfficient(p);
    leads_sign_release();               /* let go: looked up per call again */
    test_standard_webhooks(p);
    test_bad_secrets(p);
    test_check();
    test_generate(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
