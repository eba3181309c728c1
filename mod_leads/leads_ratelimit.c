/* Per-key trailing-window rate limit (SPEC §3): two fixed windows per key,
 * the previous one weighted by how much of it still overlaps the trailing
 * window. Constant memory per key, no timestamps per request. */
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

/* The slot of `id`, claiming a free one or evicting the one whose window
 * is oldest (the key least likely to be near its limit) when the probe
 * run is full. Probing is bounded so a full table costs O(1). The caller
 * guarantees nslots > 0, so one of the two is always found. */
static leads_rl_slot_t *rl_slot_for(leads_rl_slot_t *slots, int nslots,
                                    apr_uint64_t id)
{
    leads_rl_slot_t *free_slot = NULL, *oldest = NULL, *s;
    int probes = nslots < RL_MAX_PROBES ? nslots : RL_MAX_PROBES;
    int home = (int)(id % (apr_uint64_t)nslots);
    int i;

    for (i = 0; i < probes; i++) {
        s = &slots[(home + i) % nslots];
        if (s->id == id) {
            return s;
        }
        if (s->id == 0 && free_slot == NULL) {
            free_slot = s;
        }
        if (s->id != 0 && (oldest == NULL
                           || s->window_start < oldest->window_start)) {
            oldest = s;
        }
    }
    s = free_slot != NULL ? free_slot : oldest;
    s->id = id;
    s->window_start = 0;
    s->current = 0;
    s->previous = 0;
    return s;
}

/* Moves the slot to the fixed window holding `now`. Windows are aligned to
 * multiples of `window` so every child computes the same boundaries. A
 * clock that steps back keeps the slot where it is. */
static void rl_roll(leads_rl_slot_t *s, apr_time_t now,
                    apr_interval_time_t window)
{
    apr_time_t start = now - now % window;

    if (start <= s->window_start) {
        return;
    }
    if (start - s->window_start == window) {
        s->previous = s->current;
    }
    else {
        s->previous = 0;
    }
    s->current = 0;
    s->window_start = start;
}

/* Microseconds from `elapsed` into the current window until one more
 * request fits: first while the current window lasts, else in the next
 * one, where this window's count becomes the weighted previous window. */
static double rl_wait(const leads_rl_slot_t *s, double elapsed, int limit,
                      double window)
{
    double room = (double)limit - 1.0 - s->current;
    double at;

    if (room >= 0.0 && s->previous > 0) {
        /* previous * (window - at) / window <= room */
        at = window * (s->previous - room) / s->previous;
        return at > elapsed ? at - elapsed : 0.0;
    }
    /* next window: current * (window - at) / window <= limit - 1 */
    at = s->current > 0
        ? window * (s->current - (limit - 1.0)) / s->current : 0.0;
    return (window - elapsed) + (at > 0.0 ? at : 0.0);
}

/* Whole seconds, rounded up: Retry-After must not be too early. */
static apr_int64_t rl_wait_seconds(double usec)
{
    apr_int64_t whole = (apr_int64_t)usec;

    if ((double)whole < usec) {
        whole++;
    }
    return (whole + APR_USEC_PER_SEC - 1) / APR_USEC_PER_SEC;
}

int leads_rl_hit(leads_rl_slot_t *slots, int nslots, apr_uint64_t id,
                 apr_time_t now, int limit, apr_interval_time_t window)
{
    leads_rl_slot_t *s;
    double elapsed, estimate;
    apr_int64_t wait;

    if (limit <= 0 || window <= 0 || nslots <= 0) {
        return 0;                       /* limiting is off */
    }
    s = rl_slot_for(slots, nslots, id);
    rl_roll(s, now, window);
    elapsed = now > s->window_start ? (double)(now - s->window_start) : 0.0;
    estimate = s->previous * ((double)window - elapsed) / (double)window
               + s->current;
    if (estimate + 1.0 <= (double)limit) {
        s->current++;
        return 0;
    }
    wait = rl_wait_seconds(rl_wait(s, elapsed, limit, (double)window));
    return wait >= 1 ? (int)wait : 1;
}
