/* One anonymous (or, failing that, file-backed) shared memory segment per
 * generation behind a global mutex; mod_auth_digest keeps its client list
 * the same way. Layout: wh_stats | rate-limit slots | ring. */
#include <string.h>

#include "httpd.h"
#include "apr_shm.h"
#include "apr_global_mutex.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_log.h"
#include "util_mutex.h"

#include "leads_config.h"
#include "leads_outbox.h"
#include "leads_ratelimit.h"
#include "leads_shm.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

static apr_shm_t *shm;
static apr_global_mutex_t *shm_mutex;
static leads_wh_stats_t *wh_stats;
static leads_rl_slot_t *rl_slots;
static leads_ring_t *ring;
/* This generation's owner of fresh leases: set in the parent before any
 * fork, so its children and its deliverer agree on it. */
static const char *fresh_owner;

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
    wh_stats = NULL;
    rl_slots = NULL;
    ring = NULL;
    shm_mutex = NULL;
    return APR_SUCCESS;
}

static apr_size_t aligned(apr_size_t n)
{
    return APR_ALIGN_DEFAULT(n);
}

int leads_shm_post_config(apr_pool_t *pconf, server_rec *s)
{
    const leads_srv_cfg_t *cfg = ap_get_module_config(s->module_config,
                                                      &leads_module);
    apr_size_t stats_size = aligned(sizeof(leads_wh_stats_t));
    apr_size_t rl_size = aligned(sizeof(leads_rl_slot_t) * LEADS_RL_SLOTS);
    apr_size_t ring_size = leads_ring_size((apr_uint32_t)cfg->wh_queue_size);
    char *base;
    apr_status_t rv;

    rv = apr_shm_create(&shm, stats_size + rl_size + ring_size, NULL, pconf);
    if (rv == APR_ENOTIMPL) {
        const char *file = ap_runtime_dir_relative(pconf, "mod_leads.shm");

        apr_shm_remove(file, pconf);
        rv = apr_shm_create(&shm, stats_size + rl_size + ring_size, file,
                            pconf);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, LEADSLOGNO(00001)
                     "cannot create the shared memory segment");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, NULL, shm_cleanup, apr_pool_cleanup_null);
    /* the parent's host:pid:nonce and ":f": unique to this generation of
     * this httpd among the hosts sharing the database */
    fresh_owner = apr_pstrcat(pconf, leads_outbox_owner(pconf), ":f", NULL);
    base = apr_shm_baseaddr_get(shm);
    memset(base, 0, stats_size + rl_size);
    wh_stats = (leads_wh_stats_t *)base;
    rl_slots = (leads_rl_slot_t *)(base + stats_size);
    rv = leads_ring_init(base + stats_size + rl_size, ring_size,
                         (apr_uint32_t)cfg->wh_queue_size, &ring);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, LEADSLOGNO(00006)
                     "cannot lay out the webhook ring of %d slots",
                     cfg->wh_queue_size);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

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
                     "and webhook wake-ups are off in this child",
                     LEADS_SHM_MUTEX);
        shm_mutex = NULL;
    }
}

static int lock(void)
{
    return shm && shm_mutex && apr_global_mutex_lock(shm_mutex) == APR_SUCCESS;
}

static void unlock(void)
{
    apr_global_mutex_unlock(shm_mutex);
}

int leads_shm_rate_hit(request_rec *r, const char *key_id, int limit,
                       apr_interval_time_t window)
{
    apr_uint64_t id = leads_rl_id(key_id);
    int retry_after;

    if (!lock()) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, LEADSLOGNO(00004)
                      "rate limit table unavailable; request not counted");
        return 0;
    }
    retry_after = leads_rl_hit(rl_slots, LEADS_RL_SLOTS, id, apr_time_now(),
                               limit, window);
    unlock();
    return retry_after;
}

int leads_shm_rate_check(request_rec *r, const char *key_id, int limit,
                         apr_interval_time_t window)
{
    int retry_after;

    if (!lock()) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, LEADSLOGNO(00004)
                      "rate limit table unavailable; request not counted");
        return 0;
    }
    retry_after = leads_rl_check(rl_slots, LEADS_RL_SLOTS,
                                 leads_rl_id(key_id), apr_time_now(), limit,
                                 window);
    unlock();
    return retry_after;
}

const char *leads_shm_fresh_owner(void)
{
    return shm ? fresh_owner : NULL;
}

int leads_shm_ring_room(void)
{
    int room;

    if (!shm || !lock()) {
        return 0;
    }
    room = leads_ring_depth(ring) < leads_ring_capacity(ring);
    unlock();
    return room;
}

apr_status_t leads_shm_ring_push(server_rec *s, const char *event_id)
{
    apr_status_t rv;

    if (!lock()) {
        return APR_EGENERAL;
    }
    rv = leads_ring_push(ring, event_id);
    unlock();
    if (rv == APR_ENOSPC) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, LEADSLOGNO(00007)
                     "webhook ring full: event %s is left to the sweep",
                     event_id);
    }
    return rv;
}

apr_status_t leads_shm_ring_pop(char id[LEADS_RING_ID_SIZE])
{
    apr_status_t rv;

    if (!lock()) {
        return APR_EAGAIN;
    }
    rv = leads_ring_pop(ring, id);
    unlock();
    return rv;
}

void leads_shm_stats_add(int delivered, int retried, int failed,
                         int in_flight, int queued)
{
    if (!lock()) {
        return;
    }
    wh_stats->delivered += (apr_uint64_t)delivered;
    wh_stats->retried += (apr_uint64_t)retried;
    wh_stats->failed += (apr_uint64_t)failed;
    wh_stats->in_flight = (apr_uint32_t)in_flight;
    wh_stats->queued = (apr_uint32_t)queued;
    unlock();
}

int leads_shm_snapshot(leads_ring_stats_t *rs, leads_wh_stats_t *wh)
{
    if (!lock()) {
        return 0;
    }
    leads_ring_stats(ring, rs);
    *wh = *wh_stats;
    unlock();
    return 1;
}
