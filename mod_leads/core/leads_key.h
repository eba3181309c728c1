/* Secret keys: generation, hashing for storage, Bearer parsing
 * (docs/api.md §2). */
#ifndef LEADS_KEY_H
#define LEADS_KEY_H

#include <apr_pools.h>

#define LEADS_API_KEY_PREFIX    "lak_"
#define LEADS_INGEST_KEY_PREFIX "lik_"
#define LEADS_FORM_KEY_PREFIX   "lpk_"     /* publishable: docs/api.md §10 */
#define LEADS_KEY_RANDOM_CHARS  40

/* prefix + LEADS_KEY_RANDOM_CHARS base62 characters from a CSPRNG. */
apr_status_t leads_key_generate(apr_pool_t *p, const char *prefix,
                                const char **key);

/* Looks SHA-256 up once, before threads start (mod_leads' post_config);
 * without it each hash looks it up for itself. leads_key_release() lets
 * it go (the configuration's end: a restart loads the module anew). */
void leads_key_init(void);
void leads_key_release(void);

/* Lowercase hex SHA-256 of `len` bytes (OpenSSL libcrypto). */
const char *leads_sha256_hex(apr_pool_t *p, const void *data, apr_size_t len);

/* The last four characters, kept for display. */
const char *leads_key_last4(apr_pool_t *p, const char *key);

/* The token of an "Authorization: Bearer <token>" value (scheme is
 * case-insensitive), or NULL when the value is not a Bearer credential. */
const char *leads_bearer_token(apr_pool_t *p, const char *authorization);

#endif
