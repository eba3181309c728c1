/* The request context's answers and errors, for the handler and its
 * steps alike. */
#include "httpd.h"
#include "apr_strings.h"
#include "http_log.h"

#include "leads_request.h"
#include "leads_shm.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

int leads_fail(leads_ctx_t *ctx, leads_err_e code, const char *message)
{
    ctx->err.code = code;
    ctx->err.message = message;
    ctx->answer = NULL;
    return 1;
}

int leads_answer(leads_ctx_t *ctx, int status, const char *text)
{
    ctx->status = status;
    ctx->answer = text;
    return 1;
}

int leads_fail_db(leads_ctx_t *ctx, apr_status_t rv)
{
    if (rv == LEADS_DB_DOWN) {
        return leads_fail(ctx, LEADS_ERR_UNAVAILABLE, NULL);
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, ctx->r, LEADSLOGNO(00040)
                  "database error, answering 500 (request %s)",
                  leads_request_id(ctx->r));
    return leads_fail(ctx, LEADS_ERR_INTERNAL, NULL);
}

/* Unknown keys are counted per client address (mod_remoteip's when
 * loaded), so guessing costs the database nothing once over the limit. */
static const char *auth_failure_id(request_rec *r)
{
    return apr_pstrcat(r->pool, "addr:", r->useragent_ip, NULL);
}

int leads_fail_auth(leads_ctx_t *ctx)
{
    const leads_srv_cfg_t *cfg = ctx->cfg;

    if (cfg->auth_fail_limit > 0) {
        leads_shm_rate_hit(ctx->r, auth_failure_id(ctx->r),
                           cfg->auth_fail_limit, cfg->auth_fail_window);
    }
    return leads_fail(ctx, LEADS_ERR_INVALID_KEY, NULL);
}

int leads_check_auth_failures(leads_ctx_t *ctx)
{
    const leads_srv_cfg_t *cfg = ctx->cfg;
    int retry_after;

    if (cfg->auth_fail_limit <= 0) {
        return 0;
    }
    retry_after = leads_shm_rate_check(ctx->r, auth_failure_id(ctx->r),
                                       cfg->auth_fail_limit,
                                       cfg->auth_fail_window);
    if (retry_after > 0) {
        apr_table_setn(ctx->r->err_headers_out, "Retry-After",
                       apr_itoa(ctx->r->pool, retry_after));
        return leads_fail(ctx, LEADS_ERR_RATE_LIMITED,
                          "Too many requests with unknown keys from this "
                          "address.");
    }
    return 0;
}
