/* Ingestion mode: the same endpoint as API mode, but the key names a
 * source, the body (JSON or a form) goes through the source's mapping, and
 * externalId makes a repeat answer 200 with the original lead. */
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"
#include "http_log.h"

#include "leads_ingest.h"
#include "leads_json.h"
#include "leads_key.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

int leads_ingest_authenticate(leads_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    const char *hash = leads_sha256_hex(r->pool, ctx->token,
                                        strlen(ctx->token));
    apr_status_t rv = leads_store_source_by_hash(ctx->db, hash, &ctx->source);

    /* a form's key works only as one, an ingestion key never as one */
    if (rv == LEADS_DB_NOT_FOUND
        || (rv == APR_SUCCESS
            && (strcmp(ctx->source.kind, "form") == 0) != ctx->web_form)) {
        return leads_fail_auth(ctx);
    }
    if (rv != APR_SUCCESS) {
        return leads_fail_db(ctx, rv);
    }
    if (!ctx->source.enabled) {
        return leads_fail(ctx, LEADS_ERR_KEY_DISABLED,
                          "The ingestion source is disabled.");
    }
    ctx->firm_id = ctx->source.firm_id;
    ctx->key_id = ctx->source.id;
    return 0;
}

int leads_ingest_map(leads_ctx_t *ctx, apr_array_header_t *problems)
{
    request_rec *r = ctx->r;
    const apr_array_header_t *fields = ctx->profile->fields;
    leads_mapping_t *mapping;
    const char *err = leads_mapping_parse(r->pool, ctx->source.mapping,
                                          &mapping);

    if (err) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LEADSLOGNO(00070)
                      "source %s has a mapping mod_leads cannot use: %s",
                      ctx->source.id, err);
        return leads_fail(ctx, LEADS_ERR_INTERNAL, NULL);
    }
    if (ctx->form) {
        leads_mapping_apply_form(r->pool, mapping, ctx->form_body, fields,
                                 &ctx->mapped, problems);
    }
    else {
        leads_mapping_apply_json(r->pool, mapping, ctx->body, fields,
                                 &ctx->mapped, problems);
    }
    /* docs/api.md §6.1: the lead's source is the source's name */
    json_object_set_new(ctx->mapped.lead, "source",
                        json_string(ctx->source.name));
    ctx->lead_in = ctx->mapped.lead;
    return 0;
}

void leads_ingest_annotate(leads_ctx_t *ctx, apr_array_header_t *problems)
{
    int i;

    for (i = 0; i < problems->nelts; i++) {
        leads_problem_t *pr = &APR_ARRAY_IDX(problems, i, leads_problem_t);

        if (!pr->path && ctx->mapped.origins) {
            pr->path = apr_hash_get(ctx->mapped.origins, pr->field,
                                    APR_HASH_KEY_STRING);
        }
    }
}

int leads_ingest_known(leads_ctx_t *ctx)
{
    const char *lead_id;
    apr_status_t rv;

    if (!ctx->mapped.external_id) {
        return 0;                       /* no externalId: no dedupe */
    }
    rv = leads_store_lead_by_external(ctx->db, ctx->source.id,
                                      ctx->mapped.external_id, &lead_id);
    if (rv == LEADS_DB_NOT_FOUND) {
        return 0;
    }
    if (rv != APR_SUCCESS) {
        return leads_fail_db(ctx, rv);
    }
    return leads_ingest_duplicate(ctx, lead_id);
}

static int ingest_answer(leads_ctx_t *ctx, int status, const char *what,
                         const char *lead_id)
{
    json_t *body = json_pack("{s:s, s:s}", "status", what, "leadId", lead_id);
    const char *text = leads_json_text(ctx->r->pool, body);

    json_decref(body);
    if (!text) {
        return leads_fail(ctx, LEADS_ERR_INTERNAL, NULL);
    }
    return leads_answer(ctx, status, text);
}

int leads_ingest_created(leads_ctx_t *ctx, const char *lead_id)
{
    return ingest_answer(ctx, HTTP_CREATED, "created", lead_id);
}

int leads_ingest_duplicate(leads_ctx_t *ctx, const char *lead_id)
{
    ctx->duplicate = 1;
    return ingest_answer(ctx, HTTP_OK, "duplicate", lead_id);
}
