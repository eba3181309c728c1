/* leadsctl's webhook endpoint and delivery commands. */
#ifndef LEADSCTL_WEBHOOK_H
#define LEADSCTL_WEBHOOK_H

#include "leadsctl_cmd.h"

int leadsctl_webhook_add(leadsctl_cmd_t *cmd);
int leadsctl_webhook_disable(leadsctl_cmd_t *cmd);
int leadsctl_webhook_enable(leadsctl_cmd_t *cmd);
int leadsctl_webhook_list(leadsctl_cmd_t *cmd);
int leadsctl_webhook_deliveries(leadsctl_cmd_t *cmd);
int leadsctl_webhook_retry(leadsctl_cmd_t *cmd);
int leadsctl_webhook_rotate_secret(leadsctl_cmd_t *cmd);
int leadsctl_webhook_replay(leadsctl_cmd_t *cmd);
int leadsctl_webhook_attempts(leadsctl_cmd_t *cmd);
int leadsctl_webhook_update(leadsctl_cmd_t *cmd);
int leadsctl_webhook_delete(leadsctl_cmd_t *cmd);

#endif
