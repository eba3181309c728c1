/* `SetHandler leads-health`: for load balancers, no key. 200 with the
 * schema version when a pooled connection answers and the schema is the
 * one the module needs; 503 with the reason otherwise. */
#ifndef LEADS_HEALTH_H
#define LEADS_HEALTH_H

#include "httpd.h"

int leads_health_handler(request_rec *r);

#endif
