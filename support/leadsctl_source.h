/* leadsctl's ingestion source commands. */
#ifndef LEADSCTL_SOURCE_H
#define LEADSCTL_SOURCE_H

#include "leadsctl_cmd.h"

int leadsctl_source_add(leadsctl_cmd_t *cmd);
int leadsctl_source_disable(leadsctl_cmd_t *cmd);
int leadsctl_source_enable(leadsctl_cmd_t *cmd);
int leadsctl_source_delete(leadsctl_cmd_t *cmd);
int leadsctl_source_list(leadsctl_cmd_t *cmd);

#endif
