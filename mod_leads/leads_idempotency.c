/* Idempotency-Key (docs/api.md §5): the header's check, the body's fingerprint,
 * and the answers when a key is already taken. The key itself is claimed
 * in the create's transaction (leads_store_create_lead). */
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"

#include "leads_headers.h"
#include "leads_idempotency.h"
#include "leads_key.h"

/* docs/api.md §5: 1-255 printable ASCII characters, scoped to the firm
 * (the source, in ingestion mode). */
int leads_check_idempotency_key(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    const char *key = apr_table_get(r->headers_in, "Idempotency-Key");

    if (!key) {
        return 0;
    }
    if (!leads_idempotency_key_valid(key)) {
        return leads_fail(ctx, LEADS_ERR_INVALID_IDEMPOTENCY_KEY, NULL);
    }
    ctx->idem.scope = ctx->mode == LEADS_MODE_API
                      ? apr_pstrcat(r->pool, "firm:", ctx->firm_id, NULL)
                      : apr_pstrcat(r->pool, "source:", ctx->source.id, NULL);
    ctx->idem.key_hash = leads_sha256_hex(r->pool, key, strlen(key));
    return 0;
}

/* The answer stored for this key, if any: replayed when the body is the
 * same (canonically), refused when it is not. */
static int answer_from_record(leads_ctx_t *ctx, const leads_idem_t *found)
{
    if (strcmp(found->fingerprint, ctx->idem.fingerprint) != 0) {
        return leads_fail(ctx, LEADS_ERR_IDEMPOTENCY_KEY_REUSED, NULL);
    }
    ctx->replayed = 1;
    if (found->ignored && *found->ignored) {
        apr_table_setn(ctx->r->err_headers_out, "Lawfficient-Ignored-Fields",
                       found->ignored);
    }
    return leads_answer(ctx, found->status, found->body);
}

/* SHA-256 of the body's canonical form: JSON with keys sorted and no
 * white space, so a re-serialised retry still matches; a form as sent. */
static const char *fingerprint(leads_ctx_t *ctx)
{
    apr_pool_t *p = ctx->r->pool;
    const char *canonical;
    apr_size_t len;
    char *text;

    if (ctx->form) {
        return leads_sha256_hex(p, ctx->raw, ctx->raw_len);
    }
    text = json_dumps(ctx->body, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text) {
        return NULL;
    }
    len = strlen(text);
    canonical = leads_sha256_hex(p, text, len);
    free(text);
    return canonical;
}

/* The key is claimed inside the create's transaction, so the common case
 * costs no extra round trip; a conflict there looks the record up. */
int leads_prepare_idempotency(leads_ctx_t *ctx)
{
    if (!ctx->idem.key_hash) {
        return 0;
    }
    ctx->idem.fingerprint = fingerprint(ctx);
    return ctx->idem.fingerprint ? 0 : leads_fail(ctx, LEADS_ERR_INTERNAL,
                                                   NULL);
}

/* The key is taken: by a request that has finished (answer as it did, or
 * refuse a different body), or by an expired record, deleted by the
 * lookup (return 0: create again). */
int leads_answer_after_conflict(leads_ctx_t *ctx)
{
    leads_idem_t found;
    apr_status_t rv = leads_store_idem_get(ctx->db, ctx->idem.scope,
                                           ctx->idem.key_hash, apr_time_now(),
                                           &found);

    if (rv == LEADS_DB_NOT_FOUND) {
        return 0;
    }
    if (rv != APR_SUCCESS) {
        return leads_fail_db(ctx, rv);
    }
    return answer_from_record(ctx, &found);
}

/* A request that fails now may still repeat one that succeeded with this
 * key: the remembered answer (or idempotency_key_reused) wins over the new
 * error. Only failing requests pay for this lookup. */
int leads_answer_if_key_known(leads_ctx_t *ctx)
{
    leads_error_t err = ctx->err;

    if (!ctx->idem.key_hash || !ctx->idem.fingerprint) {
        return 0;
    }
    if (leads_answer_after_conflict(ctx)) {
        return 1;
    }
    ctx->err = err;                     /* nothing remembered: the error */
    return 0;
}

