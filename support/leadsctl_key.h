/* leadsctl's API key commands. */
#ifndef LEADSCTL_KEY_H
#define LEADSCTL_KEY_H

#include "leadsctl_cmd.h"

int leadsctl_key_add(leadsctl_cmd_t *cmd);
int leadsctl_key_disable(leadsctl_cmd_t *cmd);
int leadsctl_key_enable(leadsctl_cmd_t *cmd);
int leadsctl_key_delete(leadsctl_cmd_t *cmd);
int leadsctl_key_list(leadsctl_cmd_t *cmd);

#endif
