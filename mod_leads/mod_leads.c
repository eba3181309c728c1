/* mod_leads: POST /api/leads for law firms, on Apache httpd 2.4.
 *
 * The module record and the hooks it plugs into. The work is elsewhere:
 * leads_config.c (directives), leads_handler.c (the request), leads_db.c and
 * leads_store.c (SQL through mod_dbd), leads_shm.c (rate limits shared by
 * all children), leads_profile.c (per-child firm cache), leads_maint.c (the
 * watchdog thread), and the httpd-free core (leads_validate.c and friends). */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"

#include "leads_check.h"
#include "leads_config.h"
#include "leads_conftree.h"
#include "leads_db_gate.h"
#include "leads_handler.h"
#include "leads_health.h"
#include "leads_metrics.h"
#include "leads_key.h"
#include "leads_profile.h"
#include "leads_redact.h"
#include "leads_shm.h"
#include "leads_sign.h"
#include "leads_status.h"
#include "leads_db.h"
#include "leads_maint.h"
#include "mod_leads.h"

static int leads_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    return leads_shm_pre_config(pconf);
}

/* The configuration's end (a restart unloads the module): the algorithms
 * looked up for it go with it. */
static apr_status_t release_algorithms(void *unused)
{
    (void)unused;
    leads_key_release();
    leads_sign_release();
    return APR_SUCCESS;
}

static int leads_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    (void)ptemp;
    /* The first pass only checks the configuration. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    leads_key_init();
    leads_sign_init();
    apr_pool_cleanup_register(pconf, NULL, release_algorithms,
                              apr_pool_cleanup_null);
    if (!leads_db_init()) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, LEADSLOGNO(00005)
                     "mod_dbd is not loaded: every request will get 503 "
                     "until 'LoadModule dbd_module' and DBDriver are set");
    }
    leads_conftree_read_locations(pconf);
    leads_metrics_post_config(pconf, s);
    if (leads_maint_post_config(pconf, s) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return leads_shm_post_config(pconf, s);
}

static void leads_child_init(apr_pool_t *pchild, server_rec *s)
{
    leads_db_gate_child_init(pchild, s);
    leads_shm_child_init(pchild, s);
    leads_profile_child_init(pchild, s);
    leads_maint_child_init(pchild, s);
}

static void leads_register_hooks(apr_pool_t *p)
{
    static const char *const after_dbd[] = { "mod_dbd.c", NULL };
    /* watchdog callbacks must be registered before mod_watchdog starts them */
    static const char *const before_watchdog[] = { "mod_watchdog.c", NULL };

    (void)p;
    ap_hook_pre_config(leads_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(leads_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(leads_post_config, after_dbd, before_watchdog,
                        APR_HOOK_MIDDLE);
    ap_hook_child_init(leads_child_init, after_dbd, NULL, APR_HOOK_MIDDLE);
    /* before anything can log the request's headers */
    ap_hook_post_read_request(leads_redact_authorization, NULL, NULL,
                              APR_HOOK_REALLY_FIRST);
    ap_hook_handler(leads_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(leads_metrics_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(leads_health_handler, NULL, NULL, APR_HOOK_MIDDLE);
    leads_status_register();
}

AP_DECLARE_MODULE(leads) = {
    STANDARD20_MODULE_STUFF,
    NULL,
    NULL,
    leads_create_srv_cfg,
    leads_merge_srv_cfg,
    leads_cmds,
    leads_register_hooks,
    AP_MODULE_FLAG_NONE
};
