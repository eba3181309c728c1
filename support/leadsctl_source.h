/* leadsctl's ingestion source commands. */
#ifndef LEADSCTL_SOURCE_H
#define LEADSCTL_SOURCE_H

#include "leadsctl_cmd.h"

/* Every --map TARGET=PATH of the command, checked by the module's own
 * rules, as the JSON text stored in sources.mapping (forms share it).
 * Returns an exit code. */
int leadsctl_source_mapping(const leadsctl_cmd_t *cmd, const char **out);

/* A new source's id (UUIDv7), key (`prefix` and random characters) and
 * the key's SHA-256 as stored. Returns an exit code. */
int leadsctl_source_new_key(const leadsctl_cmd_t *cmd, const char *prefix,
                            const char **id, const char **key,
                            const char **hash);

int leadsctl_source_add(leadsctl_cmd_t *cmd);
int leadsctl_source_disable(leadsctl_cmd_t *cmd);
int leadsctl_source_enable(leadsctl_cmd_t *cmd);
int leadsctl_source_delete(leadsctl_cmd_t *cmd);
int leadsctl_source_list(leadsctl_cmd_t *cmd);

#endif
