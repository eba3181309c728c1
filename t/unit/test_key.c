/* Secret keys: generation, SHA-256 for storage, Bearer parsing. */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "leads_key.h"
#include "tap.h"

static int all_base62(const char *s)
{
    return strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "abcdefghijklmnopqrstuvwxyz") == strlen(s);
}

static void test_generate(apr_pool_t *p)
{
    const char *a = NULL, *b = NULL;
    int seen[256] = { 0 };
    int i, distinct = 0;
    const char *c;

    is_int(leads_key_generate(p, LEADS_API_KEY_PREFIX, &a), APR_SUCCESS,
           "API key generated");
    ok(strncmp(a, "lak_", 4) == 0, "lak_ prefix");
    is_int(strlen(a), 4 + LEADS_KEY_RANDOM_CHARS, "prefix + 40 characters");
    ok(LEADS_KEY_RANDOM_CHARS >= 32, "at least 32 random characters (docs/api.md §2)");
    ok(all_base62(a + 4), "base62 alphabet");
    leads_key_generate(p, LEADS_INGEST_KEY_PREFIX, &b);
    ok(strncmp(b, "lik_", 4) == 0 && all_base62(b + 4), "lik_ prefix");
    ok(strcmp(a + 4, b + 4) != 0, "two keys differ");

    /* 100 keys = 4000 draws: every one of the 62 symbols shows up */
    for (i = 0; i < 100; i++) {
        leads_key_generate(p, "", &a);
        for (c = a; *c; c++) {
            distinct += !seen[(unsigned char)*c]++;
        }
    }
    is_int(distinct, 62, "the whole alphabet is used");
}

static void test_sha256(apr_pool_t *p)
{
    is_str(leads_sha256_hex(p, "abc", 3),
           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
           "SHA-256 of abc");
    is_str(leads_sha256_hex(p, "", 0),
           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
           "SHA-256 of nothing");
    ok(strcmp(leads_sha256_hex(p, "a\0b", 3), leads_sha256_hex(p, "a", 1))
       != 0, "bytes after NUL are hashed");
}

static void test_last4(apr_pool_t *p)
{
    is_str(leads_key_last4(p, "lak_abcdefWXYZ"), "WXYZ", "last four");
    is_str(leads_key_last4(p, "abcd"), "abcd", "exactly four");
    is_str(leads_key_last4(p, "ab"), "ab", "shorter: all of it");
}

static void test_bearer(apr_pool_t *p)
{
    is_str(leads_bearer_token(p, "Bearer lak_abc123"), "lak_abc123",
           "Bearer token");
    is_str(leads_bearer_token(p, "bearer lak_abc123"), "lak_abc123",
           "scheme lowercase");
    is_str(leads_bearer_token(p, "BEARER lak_abc123"), "lak_abc123",
           "scheme uppercase");
    is_str(leads_bearer_token(p, "Bearer    lak_abc123"), "lak_abc123",
           "several spaces");
    ok(leads_bearer_token(p, "Bearer") == NULL, "no token");
    ok(leads_bearer_token(p, "Bearer ") == NULL, "empty token");
    ok(leads_bearer_token(p, "Bearer   ") == NULL, "only spaces");
    ok(leads_bearer_token(p, "Bearerlak_abc") == NULL, "no space");
    ok(leads_bearer_token(p, "Bearer\tlak_abc") == NULL, "tab, not space");
    ok(leads_bearer_token(p, "Bearer lak_abc extra") == NULL,
       "space inside the token");
    ok(leads_bearer_token(p, "Bearer lak_abc\t") == NULL, "tab in token");
    ok(leads_bearer_token(p, "Basic dXNlcjpwYXNz") == NULL, "Basic scheme");
    ok(leads_bearer_token(p, "Bearers lak_abc") == NULL, "longer scheme");
    ok(leads_bearer_token(p, "") == NULL, "empty header");
    ok(leads_bearer_token(p, NULL) == NULL, "no header");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_generate(p);
    test_sha256(p);
    leads_key_init();                   /* the fetched digest: the same */
    test_sha256(p);
    leads_key_release();                /* let go: looked up per call again */
    test_sha256(p);
    test_last4(p);
    test_bearer(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
