/* What several leadsctl commands do with rows: the firm of --firm, a list
 * of a firm's rows, and the row named by the positional argument (look it
 * up, enable or disable it, delete it). */
#ifndef LEADSCTL_ROWS_H
#define LEADSCTL_ROWS_H

#include "leadsctl_cmd.h"
#include "leadsctl_out.h"

/* --firm ID: must be a UUID naming an existing firm; *firm_id gets the
 * canonical id. Returns an exit code. */
int leadsctl_firm_resolve(const leadsctl_cmd_t *cmd, const char **firm_id);

/* Run `sql` (one %s: the --firm id, checked to exist) and print its rows. */
int leadsctl_list_for_firm(leadsctl_cmd_t *cmd, const char *sql,
                           const leadsctl_column_t *cols);

/* The positional argument as the canonical id of an existing row of
 * `table` (a constant): "no such <what>" when it is not a UUID or names no
 * row. */
int leadsctl_resolve_arg(const leadsctl_cmd_t *cmd, const char *table,
                         const char *what, const char **id);

/* `<noun> disable|enable ID` for a `table` with an `enabled` column. */
int leadsctl_set_enabled(leadsctl_cmd_t *cmd, const char *table,
                         const char *what, int enabled);

/* `<noun> delete ID`: "no such <what>" when no row went. */
int leadsctl_delete_row(leadsctl_cmd_t *cmd, const char *table,
                        const char *what);

#endif
