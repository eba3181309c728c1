/* mod_status: the webhook ring and deliverer on /server-status. */
#ifndef LEADS_STATUS_H
#define LEADS_STATUS_H

#include "httpd.h"

/* Register with mod_status's optional hook (from register_hooks). */
void leads_status_register(void);

#endif
