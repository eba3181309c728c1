/* The rate-limit table in an anonymous (or, failing that, file-backed)
 * shared memory segment behind a global mutex. mod_auth_digest does the
 * same for its client list. */
#include <string.h>

#include "httpd.h"
#include "apr_shm.h"
#include "apr_global_mutex.h"
#include "apr_strings.h"
#include "http_log.h"
#include "util_mutex.h"

#include "leads_ratelimit.h"
#include "leads_shm.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

static apr_shm_t *shm;
static apr_global_mutex_t *shm_mutex;
static leads_rl_slot_t *rl_slots;

int leads_shm_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, LEADS_SHM_MUTEX, NULL, APR_LOCK_DEFAULT, 0);
}

static apr_status_t shm_cleanup(void *unused)
{
    (void)unused;
    if (shm) {
        apr_shm_destroy(shm);
    }
    shm = NULL;
    rl_slots = NULL;
    shm_mutex = NULL;
    return APR_SUCCESS;
}

int leads_shm_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_size_t size = sizeof(leads_rl_slot_t) * LEADS_RL_SLOTS;
    apr_status_t rv;

    rv = apr_shm_create(&shm, size, NULL, pconf);
    if (rv == APR_ENOTIMPL) {
        const char *file = ap_runtime_dir_relative(pconf, "mod_leads.shm");

        apr_shm_remove(file, pconf);
        rv = apr_shm_create(&shm, size, file, pconf);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, LEADSLOGNO(00001)
                     "cannot create the shared memory for rate limits");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, NULL, shm_cleanup, apr_pool_cleanup_null);
    rl_slots = apr_shm_baseaddr_get(shm);
    memset(rl_slots, 0, size);

    rv = ap_global_mutex_create(&shm_mutex, NULL, LEADS_SHM_MUTEX, NULL, s,
                                pconf, 0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, LEADSLOGNO(00002)
                     "cannot create the %s mutex", LEADS_SHM_MUTEX);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

void leads_shm_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;

    if (!shm_mutex) {
        return;
    }
    rv = apr_global_mutex_child_init(&shm_mutex,
                                     apr_global_mutex_lockfile(shm_mutex),
                                     pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, LEADSLOGNO(00003)
                     "cannot attach the %s mutex in a child; rate limits "
                     "are off in this child", LEADS_SHM_MUTEX);
        shm_mutex = NULL;
    }
}

int leads_shm_rate_hit(request_rec *r, const char *key_id, int limit,
                       apr_interval_time_t window)
{
    apr_uint64_t id = leads_rl_id(key_id);
    int retry_after;

    if (!rl_slots || !shm_mutex
        || apr_global_mutex_lock(shm_mutex) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, LEADSLOGNO(00004)
                      "rate limit table unavailable; request not counted");
        return 0;
    }
    retry_after = leads_rl_hit(rl_slots, LEADS_RL_SLOTS, id, r->request_time,
                               limit, window);
    apr_global_mutex_unlock(shm_mutex);
    return retry_after;
}
