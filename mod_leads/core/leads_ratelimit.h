/* Per-key trailing-window rate limit: the arithmetic over a table of slots.
 * The table lives in shared memory; the caller holds the mutex. */
#ifndef LEADS_RATELIMIT_H
#define LEADS_RATELIMIT_H

#include <apr.h>
#include <apr_time.h>

/* The window is counted in this many buckets: a hit leaves the trailing
 * window at most window/LEADS_RL_BUCKETS late. */
#define LEADS_RL_BUCKETS 60

typedef struct {
    apr_uint64_t id;                    /* hash of the key id; 0 = free */
    apr_int64_t head;                   /* absolute number of the newest bucket */
    apr_time_t last_hit;                /* for eviction */
    apr_uint32_t count[LEADS_RL_BUCKETS];
} leads_rl_slot_t;

/* Stable 64-bit hash (never 0) of a key id. */
apr_uint64_t leads_rl_id(const char *key_id);

/* Count one request for `id` at `now` against `limit` requests in the
 * trailing `window`. Returns 0 when allowed, otherwise the whole seconds
 * (>= 1, never more than the window rounded up) until a request fits, for
 * Retry-After; a refused request is not counted. A full probe run evicts
 * the key hit least recently. */
int leads_rl_hit(leads_rl_slot_t *slots, int nslots, apr_uint64_t id,
                 apr_time_t now, int limit, apr_interval_time_t window);

/* As leads_rl_hit(), without counting: would one more hit be refused?
 * For limits on failures, counted with leads_rl_hit() once they happen. */
int leads_rl_check(leads_rl_slot_t *slots, int nslots, apr_uint64_t id,
                   apr_time_t now, int limit, apr_interval_time_t window);

/* The slot holding `id`, or NULL (for tests and status). */
leads_rl_slot_t *leads_rl_find(leads_rl_slot_t *slots, int nslots,
                               apr_uint64_t id);

#endif
