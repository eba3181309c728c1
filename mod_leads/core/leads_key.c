/* Secret keys: generation, hashing for storage, Bearer parsing
 * (docs/api.md §2). */
#include <string.h>
#include <strings.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "leads_key.h"

static const char base62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#define BASE62_SIZE 62
/* The largest multiple of 62 that fits in a byte: bytes at or above it
 * are drawn again, so every character is equally likely. */
#define BASE62_ACCEPT_BELOW (256 / BASE62_SIZE * BASE62_SIZE)

apr_status_t leads_key_generate(apr_pool_t *p, const char *prefix,
                                const char **key)
{
    apr_size_t plen = strlen(prefix);
    char *out = apr_palloc(p, plen + LEADS_KEY_RANDOM_CHARS + 1);
    char *o = out + plen;
    unsigned char buf[64];
    apr_status_t rv;
    apr_size_t i;

    memcpy(out, prefix, plen);
    while (o < out + plen + LEADS_KEY_RANDOM_CHARS) {
        rv = apr_generate_random_bytes(buf, sizeof(buf));
        if (rv != APR_SUCCESS) {
            return rv;
        }
        for (i = 0; i < sizeof(buf)
                    && o < out + plen + LEADS_KEY_RANDOM_CHARS; i++) {
            if (buf[i] < BASE62_ACCEPT_BELOW) {
                *o++ = base62[buf[i] % BASE62_SIZE];
            }
        }
    }
    *o = '\0';
    *key = out;
    return APR_SUCCESS;
}

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
/* OpenSSL 3 looks EVP_sha256() up in its provider store on every digest;
 * fetched once, a request's three hashes cost less. */
static EVP_MD *sha256_alg;

void leads_key_init(void)
{
    if (!sha256_alg) {
        sha256_alg = EVP_MD_fetch(NULL, "SHA256", NULL);
    }
}

void leads_key_release(void)
{
    EVP_MD_free(sha256_alg);
    sha256_alg = NULL;
}

static const EVP_MD *sha256(void)
{
    return sha256_alg ? sha256_alg : EVP_sha256();
}
#else
void leads_key_init(void)
{
}

void leads_key_release(void)
{
}

static const EVP_MD *sha256(void)
{
    return EVP_sha256();
}
#endif

const char *leads_sha256_hex(apr_pool_t *p, const void *data, apr_size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    char *out;

    if (!EVP_Digest(data, len, md, &mdlen, sha256(), NULL)) {
        return NULL;
    }
    out = apr_palloc(p, 2 * mdlen + 1);
    for (i = 0; i < mdlen; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0F];
    }
    out[2 * mdlen] = '\0';
    return out;
}

const char *leads_key_last4(apr_pool_t *p, const char *key)
{
    apr_size_t len = strlen(key);

    return apr_pstrdup(p, len > 4 ? key + len - 4 : key);
}

/* RFC 6750 §2.1: "Bearer" 1*SP token. A token with white space in it is
 * not one we could have issued, so it is refused here, not looked up. */
const char *leads_bearer_token(apr_pool_t *p, const char *authorization)
{
    const char *token;

    if (authorization == NULL
        || strncasecmp(authorization, "Bearer", 6) != 0
        || authorization[6] != ' ') {
        return NULL;
    }
    token = authorization + 6;
    while (*token == ' ') {
        token++;
    }
    if (*token == '\0' || strpbrk(token, " \t\r\n\f\v") != NULL) {
        return NULL;
    }
    return apr_pstrdup(p, token);
}
