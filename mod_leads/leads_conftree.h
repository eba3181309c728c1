/* What the parsed configuration says about other modules' directives, read
 * from the directive tree the way mod_info does: mod_dbd keeps DBDMax in a
 * private struct, and core keeps no record of which section set a
 * handler. */
#ifndef LEADS_CONFTREE_H
#define LEADS_CONFTREE_H

#include "httpd.h"

/* mod_dbd's DBDMax for this server (its own <VirtualHost> section, or the
 * main server's), and the DBDriver/DBDParams that name its pool: servers
 * with the same pool key share one pool in mod_dbd. */
typedef struct {
    int max;
    const char *driver;                 /* "" when DBDriver is not set */
    const char *pool_key;
} leads_dbd_limits_t;

void leads_conftree_dbd_limits(apr_pool_t *p, server_rec *s,
                               leads_dbd_limits_t *out);

/* Whether any section of the configuration says SetHandler leads. */
int leads_conftree_uses_handler(apr_pool_t *p);

/* Record the <Location> paths whose SetHandler is leads (regex sections
 * are left out); call from post_config. */
void leads_conftree_read_locations(apr_pool_t *pconf);

/* The longest recorded location that `uri` lies in, or NULL. */
const char *leads_conftree_location_of(const char *uri);

#endif
