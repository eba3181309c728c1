/* Shared memory for the per-key rate limit, one table for all children. */
#ifndef LEADS_SHM_H
#define LEADS_SHM_H

#include "httpd.h"

#define LEADS_SHM_MUTEX     "leads-shm"
#define LEADS_RL_SLOTS      4096

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

#endif
