/* Callbacks on two mod_watchdog singleton threads (one child per host
 * each): the webhook deliverer on one, every 100 ms; on the other the
 * maintenance rounds (outbox figures, retention, failing endpoints,
 * expired Idempotency-Key records), so that a slow round under a backlog
 * never stalls deliveries and no request ever pays for a scan.
 * mod_proxy_hcheck registers the same way. */
#include <pthread.h>
#include <time.h>

#include "httpd.h"
#include "apr_portable.h"
#include "apr_thread_rwlock.h"
#include "http_core.h"
#include "http_log.h"
#include "mod_watchdog.h"

#include "leads_config.h"
#include "leads_db.h"
#include "leads_deliver.h"
#include "leads_maint.h"
#include "leads_metrics.h"
#include "leads_outbox.h"
#include "leads_store.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

#define PURGE_INTERVAL      apr_time_from_sec(60)
#define OUTBOX_STATS_INTERVAL apr_time_from_sec(5)
#define PURGE_MAX_BATCHES   10          /* x 1000 rows per round */
#define WEBHOOK_OPS_INTERVAL apr_time_from_sec(5)
#define EXPIRE_MAX_BATCHES  4           /* x 500 deliveries per round */

/* mod_watchdog's threads outlive the child's pool and are never joined
 * in a child: the child exits while they run. Destroying mod_dbd's
 * connection pool under a connection in use aborts the child
 * (apr_reslist's assertion), and libraries torn down by exit()
 * (OpenSSL's atexit cleanup) must not be in use on these threads then.
 * So every callback runs holding busy_lock for reading (the two threads
 * side by side), and a pre-cleanup of pchild (before its subpools go)
 * marks the child exiting and takes it for writing, so no callback
 * starts after. Holding it, it stops the deliverer if its thread has not
 * (the recorder's thread with it); then it waits a bounded time for
 * each thread to end, its thread-local destructors included.
 * Told to stop, a thread returns (mod_watchdog then releases the
 * singleton, and a child of the new generation takes over at once). */
static apr_thread_rwlock_t *busy_lock;
static volatile int child_exiting;
static int one_process;

enum { WD_DELIVER, WD_MAINT, WD_THREADS };
static apr_os_thread_t wd_thread[WD_THREADS];   /* ran our callbacks */
static volatile int wd_thread_known[WD_THREADS];

#define THREAD_END_WAIT 3               /* seconds, both threads */

static APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *wd_get_instance;
static APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *wd_register;

/* The thread told to stop ends by itself (mod_watchdog sees the MPM
 * stopping); wait for it so it does not run its destructors alongside
 * exit(). In one-process mode mod_watchdog joins it itself. */
static void wait_for_thread_end(void)
{
#ifdef __linux__
    struct timespec until;
    int i;

    if (one_process) {
        return;
    }
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += THREAD_END_WAIT;
    for (i = 0; i < WD_THREADS; i++) {
        if (wd_thread_known[i]) {
            pthread_timedjoin_np(wd_thread[i], NULL, &until);
        }
    }
#endif
}

static apr_status_t maint_child_exit(void *unused)
{
    (void)unused;
    child_exiting = 1;
    if (busy_lock) {
        /* callbacks under way end first; none starts after. The
         * deliverer's thread may not have stopped it yet. */
        apr_thread_rwlock_wrlock(busy_lock);
        leads_deliver_child_exit();
        apr_thread_rwlock_unlock(busy_lock);
    }
    wait_for_thread_end();
    return APR_SUCCESS;
}

void leads_maint_child_init(apr_pool_t *pchild, server_rec *s)
{
    (void)s;
    apr_pool_pre_cleanup_register(pchild, NULL, maint_child_exit);
}

static int maint_enter(void)
{
    if (child_exiting || !busy_lock) {
        return 0;
    }
    apr_thread_rwlock_rdlock(busy_lock);
    if (child_exiting) {
        apr_thread_rwlock_unlock(busy_lock);
        return 0;
    }
    return 1;
}

static void maint_leave(void)
{
    apr_thread_rwlock_unlock(busy_lock);
}

/* Purge with the main server's database; `pool` is cleared after each
 * call, so the connection is closed before returning. */
static void purge_idempotency(server_rec *s, apr_pool_t *pool)
{
    leads_db_t *db;
    apr_status_t rv;
    int batch, purged = 0, total = 0;

    rv = leads_db_open(pool, s, &db);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, rv, s, LEADSLOGNO(00050)
                     "maintenance: no database connection, purge skipped");
        return;
    }
    for (batch = 0; batch < PURGE_MAX_BATCHES; batch++) {
        rv = leads_store_idem_purge(db, apr_time_now(), &purged);
        if (rv != APR_SUCCESS) {
            break;
        }
        total += purged;
        if (purged < 1000) {
            break;
        }
    }
    leads_db_close(db);
    if (total > 0) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, LEADSLOGNO(00051)
                     "maintenance: purged %d expired Idempotency-Key records",
                     total);
    }
}

/* The outbox as the metrics show it, read here (one host's thread, every
 * OUTBOX_STATS_INTERVAL) so that no scrape ever costs the database. */
static void read_outbox_stats(server_rec *s, apr_pool_t *pool)
{
    leads_outbox_stats_t st;
    leads_db_t *db;

    if (leads_db_open(pool, s, &db) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, LEADSLOGNO(00054)
                     "maintenance: no database connection for the outbox "
                     "figures");
        return;
    }
    if (leads_outbox_stats(db, &st) == APR_SUCCESS) {
        leads_metrics_set_outbox(st.pending, st.oldest_seconds,
                                 st.endpoints_disabled, st.held);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, LEADSLOGNO(00054)
                     "maintenance: the outbox figures could not be read");
    }
    leads_db_close(db);
}

/* Endpoints failing for LeadsWebhookDisableAfter are disabled: their
 * pending deliveries are held until `leadsctl webhook enable`. */
static void disable_failing(server_rec *s, leads_db_t *db, apr_pool_t *pool)
{
    const leads_srv_cfg_t *cfg = ap_get_module_config(s->module_config,
                                                      &leads_module);
    apr_array_header_t *off;
    int i;

    if (leads_outbox_disable_failing(db, pool,
                                     apr_time_now() - cfg->wh_disable_after,
                                     &off) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, LEADSLOGNO(00122)
                     "maintenance: failing webhook endpoints not checked");
        return;
    }
    for (i = 0; i < off->nelts; i++) {
        const leads_endpoint_off_t *e = &APR_ARRAY_IDX(off, i,
                                                       leads_endpoint_off_t);

        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, LEADSLOGNO(00123)
                     "webhook endpoint %s disabled: every attempt has "
                     "failed since %s (LeadsWebhookDisableAfter); its "
                     "pending deliveries are held until 'leadsctl webhook "
                     "enable %s'", e->id, e->failing_since, e->id);
    }
}

/* LeadsWebhookRetention: finished deliveries and their attempts go, a
 * few bounded statements per round so no lock is held for long. */
static void expire_deliveries(server_rec *s, leads_db_t *db)
{
    const leads_srv_cfg_t *cfg = ap_get_module_config(s->module_config,
                                                      &leads_module);
    apr_time_t cutoff = apr_time_now() - cfg->wh_retention;
    int batch, deleted = 0, total = 0;

    for (batch = 0; batch < EXPIRE_MAX_BATCHES; batch++) {
        if (leads_outbox_expire(db, cutoff, &deleted) != APR_SUCCESS) {
            break;
        }
        total += deleted;
        if (deleted < 500) {
            break;
        }
    }
    if (total > 0) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, LEADSLOGNO(00124)
                     "maintenance: %d finished webhook deliveries older "
                     "than LeadsWebhookRetention deleted", total);
    }
}

static apr_status_t webhook_ops_watchdog(int state, void *data,
                                         apr_pool_t *pool)
{
    server_rec *s = data;
    leads_db_t *db;

    if (state != AP_WATCHDOG_STATE_RUNNING) {
        return APR_SUCCESS;
    }
    if (leads_db_open(pool, s, &db) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, LEADSLOGNO(00125)
                     "maintenance: no database connection for the webhook "
                     "endpoints");
        return APR_SUCCESS;
    }
    disable_failing(s, db, pool);
    expire_deliveries(s, db);
    leads_db_close(db);
    return APR_SUCCESS;
}

static apr_status_t stats_watchdog(int state, void *data, apr_pool_t *pool)
{
    if (state == AP_WATCHDOG_STATE_RUNNING) {
        read_outbox_stats(data, pool);
    }
    return APR_SUCCESS;
}

static apr_status_t purge_watchdog(int state, void *data, apr_pool_t *pool)
{
    if (state == AP_WATCHDOG_STATE_RUNNING) {
        purge_idempotency(data, pool);
    }
    return APR_SUCCESS;
}

/* Every callback's call under busy_lock, and none once the child is
 * exiting; `which` thread it runs on is noted for the child's exit. */
static apr_status_t guarded(int which, ap_watchdog_callback_fn_t *fn,
                            int state, void *data, apr_pool_t *pool)
{
    if (state == AP_WATCHDOG_STATE_STARTING) {
        wd_thread[which] = apr_os_thread_current();
        wd_thread_known[which] = 1;
#ifdef __linux__
        if (which == WD_MAINT) {        /* `top -H` tells it apart */
            pthread_setname_np(pthread_self(), "leads-maint");
        }
#endif
    }
    if (maint_enter()) {
        fn(state, data, pool);
        maint_leave();
    }
    /* Anything but success would stop the callback for good. */
    return APR_SUCCESS;
}

static apr_status_t maint_purge_cb(int state, void *data, apr_pool_t *pool)
{
    return guarded(WD_MAINT, purge_watchdog, state, data, pool);
}

static apr_status_t maint_stats_cb(int state, void *data, apr_pool_t *pool)
{
    return guarded(WD_MAINT, stats_watchdog, state, data, pool);
}

static apr_status_t maint_webhook_ops_cb(int state, void *data,
                                        apr_pool_t *pool)
{
    return guarded(WD_MAINT, webhook_ops_watchdog, state, data, pool);
}

static apr_status_t maint_deliver_cb(int state, void *data, apr_pool_t *pool)
{
    return guarded(WD_DELIVER, leads_deliver_watchdog, state, data, pool);
}

int leads_maint_post_config(apr_pool_t *pconf, server_rec *s)
{
    ap_watchdog_t *deliver_wd, *maint_wd;
    apr_status_t rv;

    one_process = ap_exists_config_define("ONE_PROCESS")
                  || ap_exists_config_define("DEBUG");
    /* made before any child starts a watchdog thread (STARTING may run
     * before our child_init); inherited by every child */
    if (!busy_lock
        && apr_thread_rwlock_create(&busy_lock, s->process->pool)
           != APR_SUCCESS) {
        busy_lock = NULL;
    }
    wd_get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    wd_register = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (!wd_get_instance || !wd_register) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, LEADSLOGNO(00052)
                     "mod_watchdog is not available: webhooks will not be "
                     "delivered and expired Idempotency-Key records not "
                     "purged");
        return OK;
    }
    rv = leads_deliver_global_init(s);
    if (rv == APR_SUCCESS) {
        rv = wd_get_instance(&deliver_wd, LEADS_WATCHDOG_NAME, 0, 1, pconf);
    }
    if (rv == APR_SUCCESS) {
        rv = wd_get_instance(&maint_wd, LEADS_MAINT_WATCHDOG_NAME, 0, 1,
                             pconf);
    }
    if (rv == APR_SUCCESS) {
        rv = wd_register(maint_wd, OUTBOX_STATS_INTERVAL, s, maint_stats_cb);
    }
    if (rv == APR_SUCCESS) {
        rv = wd_register(maint_wd, PURGE_INTERVAL, s, maint_purge_cb);
    }
    if (rv == APR_SUCCESS) {
        rv = wd_register(maint_wd, WEBHOOK_OPS_INTERVAL, s,
                         maint_webhook_ops_cb);
    }
    if (rv == APR_SUCCESS) {
        rv = wd_register(deliver_wd, AP_WD_TM_SLICE, s, maint_deliver_cb);
    }

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, LEADSLOGNO(00053)
                     "cannot register the maintenance watchdog");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}
