/* leadsctl status: what the database holds at a glance. */
#ifndef LEADSCTL_STATUS_H
#define LEADSCTL_STATUS_H

#include "leadsctl_cmd.h"

/* The schema version against the latest leadsctl knows, the counts of
 * firms, keys, sources, endpoints and open deliveries, and the age of the
 * oldest pending delivery. Exit 1 when the database cannot be read. */
int leadsctl_status(leadsctl_cmd_t *cmd);

#endif
