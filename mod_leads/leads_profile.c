/* A per-child cache of firm profiles. An entry owns a pool; requests hold a
 * reference while they use it, so a newer entry can replace it without
 * freeing memory under a reader. */
#include "httpd.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "http_log.h"

#include "leads_profile.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

/* Past this many entries, stale ones are dropped when a new one arrives. */
#define PROFILE_CACHE_SOFT_MAX 1024

typedef struct {
    apr_pool_t *pool;
    const char *firm_id;
    apr_time_t expires;
    int refs;
    int replaced;                       /* no longer in the table */
    leads_profile_t profile;
} profile_entry_t;

static apr_pool_t *cache_pool;
static apr_hash_t *cache;
#if APR_HAS_THREADS
static apr_thread_mutex_t *cache_lock;
#endif

static void lock(void)
{
#if APR_HAS_THREADS
    if (cache_lock) {
        apr_thread_mutex_lock(cache_lock);
    }
#endif
}

static void unlock(void)
{
#if APR_HAS_THREADS
    if (cache_lock) {
        apr_thread_mutex_unlock(cache_lock);
    }
#endif
}

/* Entry pools are filled by request threads while others allocate from
 * their siblings: give the cache an allocator of its own, with a mutex. */
void leads_profile_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_allocator_t *alloc;

    if (apr_allocator_create(&alloc) != APR_SUCCESS) {
        return;
    }
    apr_pool_create_ex(&cache_pool, pchild, NULL, alloc);
    apr_allocator_owner_set(alloc, cache_pool);
    apr_pool_tag(cache_pool, "leads_profile_cache");
#if APR_HAS_THREADS
    {
        apr_thread_mutex_t *alloc_lock;

        if (apr_thread_mutex_create(&alloc_lock, APR_THREAD_MUTEX_DEFAULT,
                                    cache_pool) != APR_SUCCESS
            || apr_thread_mutex_create(&cache_lock, APR_THREAD_MUTEX_DEFAULT,
                                       cache_pool) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, LEADSLOGNO(00020)
                         "cannot create the profile cache locks; caching "
                         "is off");
            return;
        }
        apr_allocator_mutex_set(alloc, alloc_lock);
    }
#else
    (void)s;
#endif
    cache = apr_hash_make(cache_pool);
}

static apr_status_t load(request_rec *r, leads_db_t *db, apr_pool_t *p,
                         const char *firm_id, leads_profile_t *prof)
{
    apr_status_t rv;

    rv = leads_store_first_open_stage(db, p, firm_id, &prof->stage_id,
                                      &prof->stage_key, &prof->stage_name);
    if (rv == LEADS_DB_NOT_FOUND) {
        prof->stage_id = NULL;
    }
    else if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = leads_store_fields(db, p, firm_id, &prof->fields);
    if (rv == APR_SUCCESS) {
        rv = leads_store_members(db, p, firm_id, &prof->members);
    }

    (void)r;
    return rv;
}

/* Called with the lock held. */
static void entry_release_locked(profile_entry_t *e)
{
    if (--e->refs == 0 && e->replaced) {
        apr_pool_destroy(e->pool);
    }
}

static apr_status_t entry_release(void *data)
{
    lock();
    entry_release_locked(data);
    unlock();
    return APR_SUCCESS;
}

/* Called with the lock held. */
static void drop_stale_locked(apr_time_t now)
{
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(NULL, cache); hi; hi = apr_hash_next(hi)) {
        profile_entry_t *e = apr_hash_this_val(hi);

        if (e->expires <= now) {
            apr_hash_set(cache, e->firm_id, APR_HASH_KEY_STRING, NULL);
            e->replaced = 1;
            entry_release_locked(e);    /* the table's reference */
        }
    }
}

/* Take a reference to a fresh cached entry, if there is one. */
static profile_entry_t *cached(const char *firm_id, apr_time_t now)
{
    profile_entry_t *e;

    lock();
    e = apr_hash_get(cache, firm_id, APR_HASH_KEY_STRING);
    if (e && e->expires > now) {
        e->refs++;
    }
    else {
        e = NULL;
    }
    unlock();
    return e;
}

static apr_status_t load_into_cache(request_rec *r, leads_db_t *db,
                                    const char *firm_id,
                                    apr_interval_time_t ttl,
                                    profile_entry_t **out)
{
    profile_entry_t *e, *old;
    apr_pool_t *pool;
    apr_time_t now = apr_time_now();
    apr_status_t rv;

    lock();
    apr_pool_create(&pool, cache_pool);
    unlock();
    e = apr_pcalloc(pool, sizeof(*e));
    e->pool = pool;
    e->firm_id = apr_pstrdup(pool, firm_id);
    rv = load(r, db, pool, firm_id, &e->profile);
    lock();
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(pool);
        unlock();
        return rv;
    }
    e->expires = now + ttl;
    e->refs = 2;                        /* the table's and the caller's */
    if (apr_hash_count(cache) >= PROFILE_CACHE_SOFT_MAX) {
        drop_stale_locked(now);
    }
    old = apr_hash_get(cache, e->firm_id, APR_HASH_KEY_STRING);
    apr_hash_set(cache, e->firm_id, APR_HASH_KEY_STRING, e);
    if (old) {
        old->replaced = 1;
        entry_release_locked(old);
    }
    unlock();
    *out = e;
    return APR_SUCCESS;
}

apr_status_t leads_profile_get(request_rec *r, leads_db_t *db,
                               const char *firm_id, apr_interval_time_t ttl,
                               const leads_profile_t **out)
{
    profile_entry_t *e;
    apr_status_t rv;

    if (ttl <= 0 || !cache) {
        leads_profile_t *prof = apr_pcalloc(r->pool, sizeof(*prof));

        rv = load(r, db, r->pool, firm_id, prof);
        *out = prof;
        return rv;
    }
    e = cached(firm_id, apr_time_now());
    if (!e) {
        rv = load_into_cache(r, db, firm_id, ttl, &e);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    apr_pool_cleanup_register(r->pool, e, entry_release,
                              apr_pool_cleanup_null);
    *out = &e->profile;
    return APR_SUCCESS;
}
