/* Periodic maintenance in a mod_watchdog thread: one per host (singleton),
 * away from the request path. */
#ifndef LEADS_MAINT_H
#define LEADS_MAINT_H

#include "httpd.h"

#define LEADS_WATCHDOG_NAME "_leads_"

/* post_config (ordered before mod_watchdog's): register the callbacks.
 * Returns OK, logging a warning when mod_watchdog is missing. */
int leads_maint_post_config(apr_pool_t *pconf, server_rec *s);

/* child_init, after mod_dbd's: make the child's exit wait for the
 * watchdog thread to finish the callback it is in, and keep it out after. */
void leads_maint_child_init(apr_pool_t *pchild, server_rec *s);

#endif
