/* Ingestion mode (docs/api.md §6): a source's key turns POST /api/leads into an
 * inbound webhook with the source's field mapping and externalId dedupe. */
#ifndef LEADS_INGEST_H
#define LEADS_INGEST_H

#include "leads_request.h"

/* Look up a lik_ key (never cached: disabling a source bites at once). */
int leads_ingest_authenticate(leads_ctx_t *ctx);

/* Map the payload to an API-shaped lead in ctx->lead_in; mapping problems
 * go to `problems`. */
int leads_ingest_map(leads_ctx_t *ctx, apr_array_header_t *problems);

/* Name each problem's payload path (the validator knows only lead fields). */
void leads_ingest_annotate(leads_ctx_t *ctx, apr_array_header_t *problems);

/* 200 {"status":"duplicate"} when the source already has this externalId. */
int leads_ingest_known(leads_ctx_t *ctx);

/* The answers: 201 created, 200 duplicate. */
int leads_ingest_created(leads_ctx_t *ctx, const char *lead_id);
int leads_ingest_duplicate(leads_ctx_t *ctx, const char *lead_id);

#endif
