/* The shared memory of all children: the per-key rate-limit table, the
 * webhook wake-up ring and the deliverer's counters, behind one global
 * mutex (`Mutex leads-shm …` tunes it). */
#ifndef LEADS_SHM_H
#define LEADS_SHM_H

#include "httpd.h"

#include "leads_ring.h"

#define LEADS_SHM_MUTEX     "leads-shm"
#define LEADS_RL_SLOTS      4096

/* What mod_status shows of the deliverer. */
typedef struct {
    apr_uint64_t delivered;
    apr_uint64_t retried;               /* attempts that failed, to retry */
    apr_uint64_t failed;                /* deliveries whose schedule ran out */
    apr_uint32_t in_flight;
    apr_uint32_t queued;                /* leased, waiting for a slot */
} leads_wh_stats_t;

/* pre_config: make the mutex configurable with `Mutex leads-shm …`. */
int leads_shm_pre_config(apr_pool_t *pconf);

/* post_config: create the segment and the mutex for this generation. */
int leads_shm_post_config(apr_pool_t *pconf, server_rec *s);

/* child_init: re-attach the mutex in the child. */
void leads_shm_child_init(apr_pool_t *pchild, server_rec *s);

/* Count a request for `key_id`. Returns 0 when it may go on, else the
 * seconds for Retry-After. Allows the request if shared memory is missing. */
int leads_shm_rate_hit(request_rec *r, const char *key_id, int limit,
                       apr_interval_time_t window);

/* As leads_shm_rate_hit(), without counting this request. */
int leads_shm_rate_check(request_rec *r, const char *key_id, int limit,
                         apr_interval_time_t window);

/* The owner creates lease their fresh deliveries to: this generation's
 * deliverer. NULL without shared memory. */
const char *leads_shm_fresh_owner(void);

/* Non-zero when the ring has room for one more event. Without room a
 * create writes its deliveries unleased, for the sweep. */
int leads_shm_ring_room(void);

/* Hand the deliverer an event whose outbox rows just committed, leased
 * to leads_shm_fresh_owner(). Not APR_SUCCESS when the ring filled
 * meanwhile (or the lock failed): the caller gives the leases up
 * (leads_store_unlease_event()) so the sweep sends the rows. */
apr_status_t leads_shm_ring_push(server_rec *s, const char *event_id);

/* The next event for the deliverer; APR_EAGAIN when the ring is empty. */
apr_status_t leads_shm_ring_pop(char id[LEADS_RING_ID_SIZE]);

/* Add to the deliverer's counters and set its in-flight and queued
 * gauges. */
void leads_shm_stats_add(int delivered, int retried, int failed,
                         int in_flight, int queued);

/* A consistent copy for mod_status; non-zero when shared memory exists. */
int leads_shm_snapshot(leads_ring_stats_t *ring, leads_wh_stats_t *wh);

#endif
