/* What several leadsctl commands do with rows: the firm named by --firm
 * and its lists; the row named by a command's argument, looked up,
 * enabled or disabled, deleted. */
#include <apr_strings.h>

#include "leads_uuid.h"
#include "leadsctl_cmd.h"
#include "leadsctl_db.h"
#include "leadsctl_rows.h"

/* ---- The firm of --firm -------------------------------------------------- */

int leadsctl_firm_resolve(const leadsctl_cmd_t *cmd, const char **firm_id)
{
    const char *raw = leadsctl_opt(cmd, "firm");
    leadsctl_rows_t *rows;
    const char *id;

    if (raw == NULL) {
        return leadsctl_usage_error(cmd, "--firm is required");
    }
    /* Not a UUID cannot name a firm; pgsql would reject it as a uuid. */
    if (!leads_uuid_parse(cmd->pool, raw, &id)) {
        return leadsctl_fail("%s: no such firm: %s", cmd->name, raw);
    }
    if (leadsctl_db_select(cmd->db, &rows,
                           "SELECT id FROM firms WHERE id = %s", id, NULL)) {
        return leadsctl_db_fail(cmd, "looking up the firm");
    }
    if (rows->rows->nelts == 0) {
        return leadsctl_fail("%s: no such firm: %s", cmd->name, raw);
    }
    *firm_id = id;
    return LEADSCTL_OK;
}

int leadsctl_list_for_firm(leadsctl_cmd_t *cmd, const char *sql,
                           const leadsctl_column_t *cols)
{
    const char *firm = NULL;
    leadsctl_rows_t *rows;
    int rc;

    if ((rc = leadsctl_firm_resolve(cmd, &firm)) != LEADSCTL_OK) {
        return rc;
    }
    if (leadsctl_db_select(cmd->db, &rows, sql, firm, NULL)) {
        return leadsctl_db_fail(cmd, "reading");
    }
    return leadsctl_print_rows(cmd, cols, rows);
}

/* ---- The row of the argument --------------------------------------------- */

int leadsctl_resolve_arg(const leadsctl_cmd_t *cmd, const char *table,
                         const char *what, const char **id)
{
    const char *raw = APR_ARRAY_IDX(cmd->args, 0, const char *);
    leadsctl_rows_t *rows;
    const char *canonical = NULL;

    /* Not a UUID cannot name a row; pgsql would reject it as a uuid. */
    if (!leads_uuid_parse(cmd->pool, raw, &canonical)) {
        return leadsctl_fail("%s: no such %s: %s", cmd->name, what, raw);
    }
    if (leadsctl_db_select(cmd->db, &rows,
                           apr_pstrcat(cmd->pool, "SELECT id FROM ", table,
                                       " WHERE id = %s", NULL),
                           canonical, NULL)) {
        return leadsctl_db_fail(cmd, apr_pstrcat(cmd->pool, "looking up the ",
                                                 what, NULL));
    }
    if (rows->rows->nelts == 0) {
        return leadsctl_fail("%s: no such %s: %s", cmd->name, what, raw);
    }
    *id = canonical;
    return LEADSCTL_OK;
}

/* Existence is checked first: MySQL counts only rows an UPDATE changed, so
 * enabling an enabled row would look like a missing one. */
int leadsctl_set_enabled(leadsctl_cmd_t *cmd, const char *table,
                         const char *what, int enabled)
{
    const char *id = NULL;
    int rc;

    if ((rc = leadsctl_resolve_arg(cmd, table, what, &id))) {
        return rc;
    }
    if (leadsctl_db_exec(cmd->db, NULL,
                         apr_pstrcat(cmd->pool, "UPDATE ", table,
                                     " SET enabled = %s WHERE id = %s", NULL),
                         enabled ? "1" : "0", id, NULL)) {
        return leadsctl_db_fail(cmd, apr_pstrcat(cmd->pool, "updating the ",
                                                 what, NULL));
    }
    return leadsctl_print_changed(cmd, id, "enabled", enabled);
}

int leadsctl_delete_row(leadsctl_cmd_t *cmd, const char *table,
                        const char *what)
{
    const char *raw = APR_ARRAY_IDX(cmd->args, 0, const char *);
    const char *id = NULL;
    int nrows = 0;

    if (!leads_uuid_parse(cmd->pool, raw, &id)) {
        return leadsctl_fail("%s: no such %s: %s", cmd->name, what, raw);
    }
    if (leadsctl_db_exec(cmd->db, &nrows,
                         apr_pstrcat(cmd->pool, "DELETE FROM ", table,
                                     " WHERE id = %s", NULL), id, NULL)) {
        return leadsctl_db_fail(cmd, apr_pstrcat(cmd->pool, "deleting the ",
                                                 what, NULL));
    }
    if (nrows == 0) {
        return leadsctl_fail("%s: no such %s: %s", cmd->name, what, raw);
    }
    return leadsctl_print_changed(cmd, id, "deleted", 1);
}
