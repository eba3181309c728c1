/* Idempotency-Key (docs/api.md §5), as steps of the handler: the header's syntax
 * and scope; the fingerprint; the remembered answer when the key is taken
 * (0 when the record had expired and is gone); and, for a request that
 * fails, the remembered answer if the key was used before. */
#ifndef LEADS_IDEMPOTENCY_H
#define LEADS_IDEMPOTENCY_H

#include "leads_request.h"

int leads_check_idempotency_key(leads_ctx_t *ctx);
int leads_prepare_idempotency(leads_ctx_t *ctx);
int leads_answer_after_conflict(leads_ctx_t *ctx);
int leads_answer_if_key_known(leads_ctx_t *ctx);

#endif
