/* leadsctl's web form commands (docs/api.md §10). */
#ifndef LEADSCTL_FORM_H
#define LEADSCTL_FORM_H

#include "leadsctl_cmd.h"

int leadsctl_form_add(leadsctl_cmd_t *cmd);
int leadsctl_form_disable(leadsctl_cmd_t *cmd);
int leadsctl_form_enable(leadsctl_cmd_t *cmd);
int leadsctl_form_delete(leadsctl_cmd_t *cmd);
int leadsctl_form_list(leadsctl_cmd_t *cmd);

#endif
