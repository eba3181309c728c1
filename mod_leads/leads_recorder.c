/* Writing finished webhook attempts off the sending thread.
 *
 * Under load one batch's finish took hundreds of milliseconds, and while
 * the deliverer waited for it libcurl was not driven: transfers sat
 * answered and unread, and deliveries fell behind the creates. Here the
 * sender only appends outcomes to `in`; this thread swaps `in` for the
 * empty `work`, writes it, and clears it. Each of the two lists lives in
 * a pool with an allocator of its own, and a pool is only ever touched
 * by the thread that holds its list (the swap is under the lock), so no
 * allocator is shared between threads. */
#include "httpd.h"
#include "apr_strings.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#include "apr_thread_proc.h"
#include "http_log.h"

#include "leads_db.h"
#include "leads_outbox.h"
#include "leads_recorder.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

struct leads_recorder_t {
    server_rec *s;
    apr_pool_t *root;                   /* the thread, lock and conditions */
    apr_thread_t *thread;
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *has_work;        /* `in` got outcomes, or stopping */
    apr_pool_t *in_pool, *work_pool;
    apr_array_header_t *in, *work;      /* leads_outbox_result_t */
    int working;                        /* outcomes in the batch being written */
    int stopping;
};

static apr_pool_t *own_pool(void)
{
    apr_pool_t *p;

    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    return p;
}

static apr_array_header_t *new_list(apr_pool_t *p)
{
    return apr_array_make(p, 64, sizeof(leads_outbox_result_t));
}

void leads_recorder_write(server_rec *s, leads_db_t *db,
                          const apr_array_header_t *results)
{
    if (!db || leads_outbox_finish(db, results) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, LEADSLOGNO(00062)
                     "%d webhook attempt(s) not recorded; they are sent "
                     "again when their leases expire", results->nelts);
    }
    else if (leads_outbox_mark_failing(db, results) != APR_SUCCESS) {
        /* only delays auto-disabling: the next failure marks it */
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, LEADSLOGNO(00121)
                     "failing webhook endpoints not marked");
    }
}

static void record(leads_recorder_t *rec)
{
    leads_db_t *db;

    if (leads_db_open(rec->work_pool, rec->s, &db) != APR_SUCCESS) {
        db = NULL;
    }
    leads_recorder_write(rec->s, db, rec->work);
    if (db) {
        leads_db_close(db);
    }
}

static void *APR_THREAD_FUNC recorder_main(apr_thread_t *thd, void *data)
{
    leads_recorder_t *rec = data;
    apr_array_header_t *list;
    apr_pool_t *pool;

    apr_thread_mutex_lock(rec->lock);
    for (;;) {
        while (rec->in->nelts == 0 && !rec->stopping) {
            apr_thread_cond_wait(rec->has_work, rec->lock);
        }
        if (rec->in->nelts == 0) {
            break;                      /* stopping, all written */
        }
        list = rec->in, rec->in = rec->work, rec->work = list;
        pool = rec->in_pool, rec->in_pool = rec->work_pool;
        rec->work_pool = pool;
        rec->working = rec->work->nelts;
        apr_thread_mutex_unlock(rec->lock);

        record(rec);
        apr_pool_clear(rec->work_pool);
        rec->work = new_list(rec->work_pool);

        apr_thread_mutex_lock(rec->lock);
        rec->working = 0;
    }
    apr_thread_mutex_unlock(rec->lock);
    /* a plain return, not apr_thread_exit(): pthread_exit()'s unwinding
     * leaves ASan's stack poisoning behind (SANITIZE=1 saw the thread's
     * end as a stack-buffer-underflow); the join needs no exit value */
    (void)thd;
    return NULL;
}

apr_status_t leads_recorder_start(server_rec *s, leads_recorder_t **out)
{
    apr_pool_t *root = own_pool();
    leads_recorder_t *rec = apr_pcalloc(root, sizeof(*rec));
    apr_status_t rv;

    rec->s = s;
    rec->root = root;
    rec->in_pool = own_pool();
    rec->work_pool = own_pool();
    rec->in = new_list(rec->in_pool);
    rec->work = new_list(rec->work_pool);
    rv = apr_thread_mutex_create(&rec->lock, APR_THREAD_MUTEX_DEFAULT, root);
    if (rv == APR_SUCCESS) {
        rv = apr_thread_cond_create(&rec->has_work, root);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_thread_create(&rec->thread, NULL, recorder_main, rec, root);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, LEADSLOGNO(00127)
                     "webhook recorder thread not started; the deliverer "
                     "records its attempts itself");
        apr_pool_destroy(rec->in_pool);
        apr_pool_destroy(rec->work_pool);
        apr_pool_destroy(root);
        *out = NULL;
        return rv;
    }
    *out = rec;
    return APR_SUCCESS;
}

static const char *copy(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

void leads_recorder_add(leads_recorder_t *rec,
                        const apr_array_header_t *results)
{
    int i;

    if (results->nelts == 0) {
        return;
    }
    apr_thread_mutex_lock(rec->lock);
    for (i = 0; i < results->nelts; i++) {
        const leads_outbox_result_t *from =
            &APR_ARRAY_IDX(results, i, leads_outbox_result_t);
        leads_outbox_result_t *to = apr_array_push(rec->in);

        *to = *from;
        to->id = copy(rec->in_pool, from->id);
        to->endpoint_id = copy(rec->in_pool, from->endpoint_id);
        to->event_id = copy(rec->in_pool, from->event_id);
        to->token = copy(rec->in_pool, from->token);
        to->error = copy(rec->in_pool, from->error);
        to->status = copy(rec->in_pool, from->status);
    }
    apr_thread_cond_signal(rec->has_work);
    apr_thread_mutex_unlock(rec->lock);
}

int leads_recorder_pending(leads_recorder_t *rec)
{
    int n;

    apr_thread_mutex_lock(rec->lock);
    n = rec->in->nelts + rec->working;
    apr_thread_mutex_unlock(rec->lock);
    return n;
}

void leads_recorder_stop(leads_recorder_t *rec)
{
    apr_status_t ignored;

    apr_thread_mutex_lock(rec->lock);
    rec->stopping = 1;
    apr_thread_cond_signal(rec->has_work);
    apr_thread_mutex_unlock(rec->lock);
    apr_thread_join(&ignored, rec->thread);
    apr_pool_destroy(rec->in_pool);
    apr_pool_destroy(rec->work_pool);
    apr_pool_destroy(rec->root);
}
