/* Webhook secrets and signatures (docs/api.md §9.1, §9.3): HMAC-SHA256 from OpenSSL
 * libcrypto, base64 and hex from APR. */
#include <string.h>

#include <apr_base64.h>
#include <apr_escape.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/opensslv.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/core_names.h>
#include <openssl/params.h>
#endif

#include "leads_sign.h"

#define WHSEC_PREFIX_LEN (sizeof(LEADS_WHSEC_PREFIX) - 1)
#define SHA256_BYTES     32

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Bytes encoded by padded standard base64 text `b64`, or 0 when it is not
 * such text. apr_base64_decode() stops quietly at the first character
 * outside the alphabet, so a damaged secret would yield a short key and
 * wrong signatures without a word: the text is checked first. */
static apr_size_t b64_decoded_len(const char *b64)
{
    apr_size_t n = strlen(b64), pad = 0;

    if (n == 0 || n % 4 != 0) {
        return 0;
    }
    while (pad < 2 && b64[n - 1 - pad] == '=') {
        pad++;
    }
    if (strspn(b64, b64_alphabet) != n - pad) {
        return 0;
    }
    return n / 4 * 3 - pad;
}

/* The part after "whsec_", or NULL when the prefix is missing. */
static const char *whsec_b64(const char *secret)
{
    if (secret == NULL
        || strncmp(secret, LEADS_WHSEC_PREFIX, WHSEC_PREFIX_LEN) != 0) {
        return NULL;
    }
    return secret + WHSEC_PREFIX_LEN;
}

/* Bytes of the key in a well-formed secret, 0 for any other string. */
static apr_size_t whsec_key_len(const char *secret)
{
    const char *b64 = whsec_b64(secret);

    return b64 != NULL ? b64_decoded_len(b64) : 0;
}

/* The Standard Webhooks key: the bytes the base64 after "whsec_" encodes. */
static apr_status_t whsec_key(apr_pool_t *p, const char *secret,
                              unsigned char **key, apr_size_t *keylen)
{
    const char *b64 = whsec_b64(secret);
    apr_size_t n = whsec_key_len(secret);

    if (n == 0) {
        return APR_EINVAL;
    }
    *key = apr_palloc(p, apr_base64_decode_len(b64));
    *keylen = (apr_size_t)apr_base64_decode_binary(*key, b64);
    return *keylen == n ? APR_SUCCESS : APR_EINVAL;
}

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
/* OpenSSL 3 looks an algorithm up in its provider store on every one-shot
 * call: the HMAC is fetched once instead. */
static EVP_MAC *hmac_alg;

void leads_sign_init(void)
{
    if (!hmac_alg) {
        hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
    }
}

void leads_sign_release(void)
{
    EVP_MAC_free(hmac_alg);
    hmac_alg = NULL;
}

/* HMAC-SHA256 over `prefix` followed by `len` bytes of `body`. */
static apr_status_t hmac_sha256(apr_pool_t *p, const void *key,
                                apr_size_t keylen, const char *prefix,
                                const char *body, apr_size_t len,
                                unsigned char md[SHA256_BYTES])
{
    EVP_MAC *alg = hmac_alg ? hmac_alg : EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = alg ? EVP_MAC_CTX_new(alg) : NULL;
    static char digest[] = "SHA256";
    OSSL_PARAM params[2];
    size_t mdlen = 0;
    int ok;

    (void)p;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    ok = ctx && EVP_MAC_init(ctx, key, keylen, params)
         && EVP_MAC_update(ctx, (const unsigned char *)prefix, strlen(prefix))
         && (len == 0
             || EVP_MAC_update(ctx, (const unsigned char *)body, len))
         && EVP_MAC_final(ctx, md, &mdlen, SHA256_BYTES)
         && mdlen == SHA256_BYTES;
    EVP_MAC_CTX_free(ctx);
    if (alg != hmac_alg) {
        EVP_MAC_free(alg);
    }
    return ok ? APR_SUCCESS : APR_EGENERAL;
}
#else
void leads_sign_init(void)
{
}

void leads_sign_release(void)
{
}

/* HMAC-SHA256 over `prefix` followed by `len` bytes of `body`, joined in
 * one buffer for the one-shot HMAC() of OpenSSL 1.1. */
static apr_status_t hmac_sha256(apr_pool_t *p, const void *key,
                                apr_size_t keylen, const char *prefix,
                                const char *body, apr_size_t len,
                                unsigned char md[SHA256_BYTES])
{
    apr_size_t plen = strlen(prefix);
    unsigned char *msg = apr_palloc(p, plen + len + 1);
    unsigned int mdlen = 0;

    memcpy(msg, prefix, plen);
    if (len > 0) {
        memcpy(msg + plen, body, len);
    }
    if (HMAC(EVP_sha256(), key, (int)keylen, msg, plen + len, md, &mdlen)
            == NULL || mdlen != SHA256_BYTES) {
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}
#endif

apr_status_t leads_whsec_generate(apr_pool_t *p, const char **secret)
{
    unsigned char raw[LEADS_WHSEC_RANDOM_BYTES];
    char *out = apr_palloc(p, WHSEC_PREFIX_LEN
                              + apr_base64_encode_len(sizeof(raw)));
    apr_status_t rv;

    rv = apr_generate_random_bytes(raw, sizeof(raw));
    if (rv != APR_SUCCESS) {
        return rv;
    }
    memcpy(out, LEADS_WHSEC_PREFIX, WHSEC_PREFIX_LEN);
    apr_base64_encode_binary(out + WHSEC_PREFIX_LEN, raw, sizeof(raw));
    *secret = out;
    return APR_SUCCESS;
}

const char *leads_whsec_check(const char *secret)
{
    apr_size_t n;

    if (whsec_b64(secret) == NULL) {
        return "a webhook secret starts with " LEADS_WHSEC_PREFIX;
    }
    n = whsec_key_len(secret);
    if (n == 0) {
        return "the part after " LEADS_WHSEC_PREFIX
               " is not valid base64";
    }
    if (n < LEADS_WHSEC_MIN_BYTES || n > LEADS_WHSEC_MAX_BYTES) {
        return "a webhook secret encodes 24 to 64 bytes";
    }
    return NULL;
}

apr_status_t leads_sign_lawfficient(apr_pool_t *p, const char *secret,
                                    apr_int64_t t, const char *body,
                                    apr_size_t len, const char **header)
{
    unsigned char md[SHA256_BYTES];
    apr_status_t rv;

    /* Keyed with the string itself, but only a well-formed one. */
    if (whsec_key_len(secret) == 0) {
        return APR_EINVAL;
    }
    rv = hmac_sha256(p, secret, strlen(secret),
                     apr_psprintf(p, "%" APR_INT64_T_FMT ".", t),
                     body, len, md);
    if (rv == APR_SUCCESS) {
        *header = apr_psprintf(p, "t=%" APR_INT64_T_FMT ",v1=%s", t,
                               apr_pescape_hex(p, md, sizeof(md), 0));
    }
    return rv;
}

apr_status_t leads_sign_standard(apr_pool_t *p, const char *secret,
                                 const char *msg_id, apr_int64_t t,
                                 const char *body, apr_size_t len,
                                 const char **header)
{
    unsigned char md[SHA256_BYTES];
    unsigned char *key;
    apr_size_t keylen;
    char *b64;
    apr_status_t rv;

    if (msg_id == NULL) {
        return APR_EINVAL;
    }
    rv = whsec_key(p, secret, &key, &keylen);
    if (rv == APR_SUCCESS) {
        rv = hmac_sha256(p, key, keylen,
                         apr_psprintf(p, "%s.%" APR_INT64_T_FMT ".",
                                      msg_id, t),
                         body, len, md);
    }
    if (rv == APR_SUCCESS) {
        b64 = apr_palloc(p, apr_base64_encode_len(sizeof(md)));
        apr_base64_encode_binary(b64, md, sizeof(md));
        *header = apr_pstrcat(p, "v1,", b64, NULL);
    }
    return rv;
}
