/* leadsctl: a firm's leads as client data (README "Client data and
 * backups"). */
#ifndef LEADSCTL_LEAD_H
#define LEADSCTL_LEAD_H

#include "leadsctl_cmd.h"

/* lead erase --firm ID (--id LEAD_ID | --email EMAIL | --phone PHONE
 * [--region CC]): the matching leads of the firm and every row holding
 * their data, in one transaction; prints the number of leads erased. */
int leadsctl_lead_erase(leadsctl_cmd_t *cmd);

#endif
