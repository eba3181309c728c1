/* Periodic work in two mod_watchdog threads, each one per host
 * (singletons), away from the request path: the deliverer, and
 * maintenance. */
#ifndef LEADS_MAINT_H
#define LEADS_MAINT_H

#include "httpd.h"

#define LEADS_WATCHDOG_NAME "_leads_"          /* the deliverer */
#define LEADS_MAINT_WATCHDOG_NAME "_leads_maint_"

/* post_config (ordered before mod_watchdog's): register the callbacks.
 * Returns OK, logging a warning when mod_watchdog is missing. */
int leads_maint_post_config(apr_pool_t *pconf, server_rec *s);

/* child_init, after mod_dbd's: make the child's exit wait for the
 * watchdog thread to finish the callback it is in, and keep it out after. */
void leads_maint_child_init(apr_pool_t *pchild, server_rec *s);

#endif
