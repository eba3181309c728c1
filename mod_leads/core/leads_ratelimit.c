/* Per-key trailing-window rate limit (docs/api.md §3). Each key's window is kept
 * as a ring of LEADS_RL_BUCKETS counters: constant memory per key, and a
 * hit expires within one bucket's width of the exact trailing window, so
 * Retry-After is never longer than the window itself. */
#include <string.h>

#include "leads_ratelimit.h"

#define RL_MAX_PROBES 8

apr_uint64_t leads_rl_id(const char *key_id)
{
    apr_uint64_t h = APR_UINT64_C(14695981039346656037);     /* FNV-1a 64 */
    const unsigned char *c;

    for (c = (const unsigned char *)key_id; *c; c++) {
        h ^= *c;
        h *= APR_UINT64_C(1099511628211);
    }
    return h != 0 ? h : 1;              /* 0 marks a free slot */
}

static int rl_probes(int nslots)
{
    return nslots < RL_MAX_PROBES ? nslots : RL_MAX_PROBES;
}

leads_rl_slot_t *leads_rl_find(leads_rl_slot_t *slots, int nslots,
                               apr_uint64_t id)
{
    int home = (int)(id % (apr_uint64_t)nslots);
    int i;

    for (i = 0; i < rl_probes(nslots); i++) {
        leads_rl_slot_t *s = &slots[(home + i) % nslots];

        if (s->id == id) {
            return s;
        }
    }
    return NULL;
}

/* The slot of `id`, claiming a free one or evicting the key hit least
 * recently when the probe run is full. Probing is bounded: O(1). */
static leads_rl_slot_t *rl_slot_for(leads_rl_slot_t *slots, int nslots,
                                    apr_uint64_t id)
{
    leads_rl_slot_t *s = leads_rl_find(slots, nslots, id), *pick = NULL;
    int home = (int)(id % (apr_uint64_t)nslots);
    int i;

    if (s) {
        return s;
    }
    for (i = 0; i < rl_probes(nslots); i++) {
        s = &slots[(home + i) % nslots];
        if (s->id == 0) {
            pick = s;
            break;
        }
        if (!pick || s->last_hit < pick->last_hit) {
            pick = s;
        }
    }
    memset(pick, 0, sizeof(*pick));
    pick->id = id;
    return pick;
}

/* Move the ring forward to bucket `n`, emptying the buckets it passes. */
static void rl_advance(leads_rl_slot_t *s, apr_int64_t n)
{
    apr_int64_t b;

    if (n <= s->head) {
        return;                         /* same bucket, or the clock went back */
    }
    if (n - s->head >= LEADS_RL_BUCKETS) {
        memset(s->count, 0, sizeof(s->count));
    }
    else {
        for (b = s->head + 1; b <= n; b++) {
            s->count[b % LEADS_RL_BUCKETS] = 0;
        }
    }
    s->head = n;
}

static apr_uint64_t rl_total(const leads_rl_slot_t *s)
{
    apr_uint64_t sum = 0;
    int i;

    for (i = 0; i < LEADS_RL_BUCKETS; i++) {
        sum += s->count[i];
    }
    return sum;
}

/* Microseconds until enough of the oldest buckets leave the window for one
 * more request to fit. Bucket b leaves when bucket b + BUCKETS begins. */
static apr_interval_time_t rl_wait(const leads_rl_slot_t *s, apr_time_t now,
                                   apr_interval_time_t width, int limit)
{
    apr_uint64_t total = rl_total(s);
    apr_int64_t b;

    for (b = s->head - LEADS_RL_BUCKETS + 1; b <= s->head; b++) {
        total -= s->count[((b % LEADS_RL_BUCKETS) + LEADS_RL_BUCKETS)
                          % LEADS_RL_BUCKETS];
        if (total + 1 <= (apr_uint64_t)limit) {
            return (b + LEADS_RL_BUCKETS) * width - now;
        }
    }
    return (s->head + LEADS_RL_BUCKETS) * width - now;
}

static apr_interval_time_t rl_width(apr_interval_time_t window)
{
    return window / LEADS_RL_BUCKETS > 0 ? window / LEADS_RL_BUCKETS : 1;
}

/* Whole seconds (at least 1) until one more request fits, for
 * Retry-After. */
static int rl_retry_after(const leads_rl_slot_t *s, apr_time_t now,
                          apr_interval_time_t width, int limit)
{
    apr_interval_time_t wait = rl_wait(s, now, width, limit);
    apr_int64_t seconds = (wait + APR_USEC_PER_SEC - 1) / APR_USEC_PER_SEC;

    return seconds >= 1 ? (int)seconds : 1;
}

int leads_rl_hit(leads_rl_slot_t *slots, int nslots, apr_uint64_t id,
                 apr_time_t now, int limit, apr_interval_time_t window)
{
    apr_interval_time_t width;
    leads_rl_slot_t *s;

    if (limit <= 0 || window <= 0 || nslots <= 0) {
        return 0;                       /* limiting is off */
    }
    width = rl_width(window);
    s = rl_slot_for(slots, nslots, id);
    rl_advance(s, now / width);
    if (rl_total(s) + 1 <= (apr_uint64_t)limit) {
        s->count[s->head % LEADS_RL_BUCKETS]++;
        s->last_hit = now;
        return 0;
    }
    /* a throttled key stays recent: evicting it first would give it a
     * fresh quota */
    s->last_hit = now;
    return rl_retry_after(s, now, width, limit);
}

int leads_rl_check(leads_rl_slot_t *slots, int nslots, apr_uint64_t id,
                   apr_time_t now, int limit, apr_interval_time_t window)
{
    apr_interval_time_t width = rl_width(window);
    leads_rl_slot_t *s;

    if (limit <= 0 || window <= 0 || nslots <= 0
        || !(s = leads_rl_find(slots, nslots, id))) {
        return 0;
    }
    rl_advance(s, now / width);
    if (rl_total(s) + 1 <= (apr_uint64_t)limit) {
        return 0;
    }
    return rl_retry_after(s, now, width, limit);
}
