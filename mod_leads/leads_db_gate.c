/* See leads_db_gate.h. */
#include "httpd.h"
#include "ap_mpm.h"
#include "apr_hash.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#include "http_config.h"

#include "leads_conftree.h"
#include "leads_db_gate.h"
#include "mod_leads.h"

struct leads_db_gate {
    int size;                           /* DBDMax */
    int held;
    int first_waiting;                  /* background threads waiting */
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *freed;
};

static apr_hash_t *by_server;           /* server_rec * -> gate */
static volatile int exiting;

/* Waiters give up at once: the child is going. */
static apr_status_t gates_exiting(void *unused)
{
    apr_hash_index_t *hi;

    (void)unused;
    exiting = 1;
    for (hi = apr_hash_first(NULL, by_server); hi; hi = apr_hash_next(hi)) {
        leads_db_gate_t *g = apr_hash_this_val(hi);

        apr_thread_mutex_lock(g->lock);
        apr_thread_cond_broadcast(g->freed);
        apr_thread_mutex_unlock(g->lock);
    }
    return APR_SUCCESS;
}

static leads_db_gate_t *gate_new(apr_pool_t *p, int size)
{
    leads_db_gate_t *g = apr_pcalloc(p, sizeof(*g));

    g->size = size;
    if (apr_thread_mutex_create(&g->lock, APR_THREAD_MUTEX_DEFAULT, p)
        != APR_SUCCESS
        || apr_thread_cond_create(&g->freed, p) != APR_SUCCESS) {
        return NULL;                    /* no gate: mod_dbd's own wait */
    }
    return g;
}

void leads_db_gate_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_pool_t *p = s->process->pool;
    apr_hash_t *by_pool = apr_hash_make(pchild);
    int threaded = 0;

    ap_mpm_query(AP_MPMQ_IS_THREADED, &threaded);
    by_server = apr_hash_make(p);
    for (; s; s = s->next) {
        leads_dbd_limits_t lim;
        leads_db_gate_t *g;

        leads_conftree_dbd_limits(pchild, s, &lim);
        g = apr_hash_get(by_pool, lim.pool_key, APR_HASH_KEY_STRING);
        if (!g && (g = gate_new(p, threaded ? lim.max : 1)) != NULL) {
            apr_hash_set(by_pool, lim.pool_key, APR_HASH_KEY_STRING, g);
        }
        if (g) {
            apr_hash_set(by_server, s, sizeof(s), g);
        }
    }
    apr_pool_pre_cleanup_register(pchild, NULL, gates_exiting);
}

leads_db_gate_t *leads_db_gate_for(server_rec *s)
{
    return by_server ? apr_hash_get(by_server, s, sizeof(s)) : NULL;
}

apr_status_t leads_db_gate_enter(leads_db_gate_t *g, apr_interval_time_t wait,
                                 int first)
{
    apr_time_t deadline = apr_time_now() + wait;
    int ok;

    apr_thread_mutex_lock(g->lock);
    g->first_waiting += first;
    while (!exiting && (g->held >= g->size
                        || (!first && g->first_waiting > 0))) {
        apr_interval_time_t left = deadline - apr_time_now();

        if (left <= 0) {
            break;
        }
        apr_thread_cond_timedwait(g->freed, g->lock, left);
    }
    ok = g->held < g->size && !exiting;
    if (ok) {
        g->held++;
    }
    if (first) {
        /* the requests it held back look again */
        g->first_waiting--;
        apr_thread_cond_broadcast(g->freed);
    }
    apr_thread_mutex_unlock(g->lock);
    return ok ? APR_SUCCESS : APR_TIMEUP;
}

void leads_db_gate_leave(leads_db_gate_t *g)
{
    apr_thread_mutex_lock(g->lock);
    g->held--;
    /* one woken request could find the place kept for a background
     * thread and sleep again without passing the wake-up on */
    if (g->first_waiting > 0) {
        apr_thread_cond_broadcast(g->freed);
    }
    else {
        apr_thread_cond_signal(g->freed);
    }
    apr_thread_mutex_unlock(g->lock);
}

int leads_db_gate_size(const leads_db_gate_t *g)
{
    return g->size;
}
