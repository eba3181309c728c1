/* Startup checks: `apachectl configtest` fails, naming the fix, on a setup
 * that could only ever answer 503. */
#ifndef LEADS_CHECK_H
#define LEADS_CHECK_H

#include "httpd.h"

/* The check_config hook. */
int leads_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                       apr_pool_t *ptemp, server_rec *s);

#endif
