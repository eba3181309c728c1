/* leadsctl's firm, stage, member and field commands. */
#ifndef LEADSCTL_FIRM_H
#define LEADSCTL_FIRM_H

#include "leadsctl_cmd.h"

int leadsctl_firm_add(leadsctl_cmd_t *cmd);
int leadsctl_firm_list(leadsctl_cmd_t *cmd);
int leadsctl_stage_add(leadsctl_cmd_t *cmd);
int leadsctl_stage_list(leadsctl_cmd_t *cmd);
int leadsctl_member_add(leadsctl_cmd_t *cmd);
int leadsctl_member_list(leadsctl_cmd_t *cmd);
int leadsctl_field_add(leadsctl_cmd_t *cmd);
int leadsctl_field_list(leadsctl_cmd_t *cmd);

#endif
