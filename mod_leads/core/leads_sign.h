/* Webhook secrets and signatures (docs/api.md §9.1, §9.3).
 *
 * A secret is "whsec_" + base64 of random bytes. Each delivery carries two
 * signatures over the same raw body:
 *   Lawfficient-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
 *       keyed with the secret string as given ("whsec_..." bytes),
 *       over "<t>.<body>";
 *   webhook-signature: v1,<base64 HMAC-SHA256>   (Standard Webhooks)
 *       keyed with the base64-decoded part after "whsec_",
 *       over "<webhook-id>.<t>.<body>".
 * Both signers refuse a secret that is not "whsec_" + valid base64, so a
 * corrupted secret is never used as a key. */
#ifndef LEADS_SIGN_H
#define LEADS_SIGN_H

#include <apr_pools.h>

#define LEADS_WHSEC_PREFIX       "whsec_"
/* Random bytes in a new secret (docs/api.md §9.1: 24). */
#define LEADS_WHSEC_RANDOM_BYTES 24
/* Decoded key sizes leads_whsec_check() accepts (Standard Webhooks). */
#define LEADS_WHSEC_MIN_BYTES    24
#define LEADS_WHSEC_MAX_BYTES    64

/* Looks the HMAC up once, before threads start (mod_leads' post_config);
 * without it each signature looks it up for itself. leads_sign_release()
 * lets it go (the configuration's end: a restart loads the module anew). */
void leads_sign_init(void);
void leads_sign_release(void);

/* A new secret: "whsec_" + base64 of LEADS_WHSEC_RANDOM_BYTES bytes from
 * apr_generate_random_bytes(). */
apr_status_t leads_whsec_generate(apr_pool_t *p, const char **secret);

/* NULL when `secret` is one we could have issued ("whsec_" + padded
 * standard base64 of 24..64 bytes), else why not, for an error message.
 * For secrets given to us; the signers only need valid base64. */
const char *leads_whsec_check(const char *secret);

/* The Lawfficient-Signature header value "t=<t>,v1=<64 hex>" for `body`
 * of `len` bytes signed at unix time `t` (seconds). APR_EINVAL when the
 * secret is not "whsec_" + valid base64. */
apr_status_t leads_sign_lawfficient(apr_pool_t *p, const char *secret,
                                    apr_int64_t t, const char *body,
                                    apr_size_t len, const char **header);

/* The webhook-signature header value "v1,<base64>" for message `msg_id`
 * (the webhook-id header, our event id). APR_EINVAL on a bad secret. */
apr_status_t leads_sign_standard(apr_pool_t *p, const char *secret,
                                 const char *msg_id, apr_int64_t t,
                                 const char *body, apr_size_t len,
                                 const char **header);

#endif
