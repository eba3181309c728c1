/* Per-key trailing-window rate limit: the arithmetic over a table of slots.
 * The table lives in shared memory; the caller holds the mutex. */
#ifndef LEADS_RATELIMIT_H
#define LEADS_RATELIMIT_H

#include <apr.h>
#include <apr_time.h>

typedef struct {
    apr_uint64_t id;            /* hash of the key id; 0 = free */
    apr_time_t window_start;    /* start of the current fixed window */
    apr_uint32_t current;       /* hits in the current window */
    apr_uint32_t previous;      /* hits in the window before it */
} leads_rl_slot_t;

/* Stable 64-bit hash (never 0) of a key id. */
apr_uint64_t leads_rl_id(const char *key_id);

/* Count one request for `id` at `now`: the trailing `window` is estimated
 * from the current and previous fixed windows. Returns 0 when allowed,
 * otherwise the whole seconds (>= 1) to put in Retry-After; a refused
 * request is not counted. Full tables evict the stalest slot. */
int leads_rl_hit(leads_rl_slot_t *slots, int nslots, apr_uint64_t id,
                 apr_time_t now, int limit, apr_interval_time_t window);

#endif
