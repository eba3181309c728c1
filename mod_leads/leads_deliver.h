/* The webhook deliverer: a mod_watchdog singleton callback that drains the
 * shared-memory ring, sweeps the outbox table, and sends with libcurl. */
#ifndef LEADS_DELIVER_H
#define LEADS_DELIVER_H

#include "httpd.h"

/* post_config, in the parent before any fork: libcurl's global setup. */
apr_status_t leads_deliver_global_init(server_rec *s);

/* The watchdog callback, called through leads_maint.c (under its lock);
 * `data` is the main server_rec. */
apr_status_t leads_deliver_watchdog(int state, void *data, apr_pool_t *pool);

/* The child is exiting and no callback runs or will run again (called
 * through leads_maint.c, holding its lock for writing): stop the
 * deliverer if its thread did not, and join the recorder's thread. */
void leads_deliver_child_exit(void);

#endif
