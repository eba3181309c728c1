/* leadsctl: a firm's API keys (docs/api.md §2). The key is shown once, at
 * creation; the database keeps its SHA-256 and last four characters. */
#include <string.h>

#include <apr_strings.h>
#include <apr_time.h>

#include "leads_key.h"
#include "leads_text.h"
#include "leads_uuid.h"
#include "leadsctl_cmd.h"
#include "leadsctl_db.h"
#include "leadsctl_key.h"
#include "leadsctl_out.h"
#include "leadsctl_rows.h"

#define KEY_NAME_MAX 400

/* The scopes a key may carry, in the order the stored list uses. */
static const char *const known_scopes[] = { "leads:write", "leads:read" };
#define NSCOPES (sizeof(known_scopes) / sizeof(known_scopes[0]))

static const leadsctl_column_t key_columns[] = {
    { "id", LEADSCTL_COL_TEXT }, { "name", LEADSCTL_COL_TEXT },
    { "last4", LEADSCTL_COL_TEXT }, { "scopes", LEADSCTL_COL_TEXT },
    { "enabled", LEADSCTL_COL_BOOL }
};

/* --scopes a,b as the normalised stored list: known scopes only, each
 * once, in known_scopes order. */
static int parse_scopes(const leadsctl_cmd_t *cmd, const char **out)
{
    const char *raw = leadsctl_opt(cmd, "scopes");
    int wanted[NSCOPES] = { 0 };
    char *copy, *item, *last = NULL;
    const char *list = NULL;
    apr_size_t i;

    if (raw == NULL) {
        return leadsctl_usage_error(cmd, "--scopes is required");
    }
    copy = apr_pstrdup(cmd->pool, raw);
    for (item = apr_strtok(copy, ",", &last); item;
         item = apr_strtok(NULL, ",", &last)) {
        const char *scope = leads_text_trim(cmd->pool, item);
        for (i = 0; i < NSCOPES; i++) {
            if (strcmp(scope, known_scopes[i]) == 0) {
                wanted[i] = 1;
                break;
            }
        }
        if (i == NSCOPES && *scope) {
            return leadsctl_usage_error(cmd, "unknown scope '%s' (leads:write,"
                                        " leads:read)", scope);
        }
    }
    for (i = 0; i < NSCOPES; i++) {
        if (wanted[i]) {
            list = list ? apr_pstrcat(cmd->pool, list, ",", known_scopes[i],
                                      NULL)
                        : known_scopes[i];
        }
    }
    if (list == NULL) {
        return leadsctl_usage_error(cmd, "--scopes names no scope");
    }
    *out = list;
    return LEADSCTL_OK;
}

int leadsctl_key_add(leadsctl_cmd_t *cmd)
{
    const char *firm = NULL, *name = NULL, *scopes = NULL, *id = NULL;
    const char *key = NULL, *hash;
    int rc;

    if ((rc = parse_scopes(cmd, &scopes))
        || (rc = leadsctl_opt_text(cmd, "name", 0, KEY_NAME_MAX, &name))
        || (rc = leadsctl_firm_resolve(cmd, &firm))) {
        return rc;
    }
    if (leads_uuid_v7(cmd->pool, apr_time_now(), &id) != APR_SUCCESS
        || leads_key_generate(cmd->pool, LEADS_API_KEY_PREFIX, &key)
           != APR_SUCCESS) {
        return leadsctl_fail("%s: cannot generate the key", cmd->name);
    }
    /* a NULL among the values would end the list early */
    if (!(hash = leads_sha256_hex(cmd->pool, key, strlen(key)))) {
        return leadsctl_fail("%s: cannot hash the key", cmd->name);
    }
    if (leadsctl_db_exec(cmd->db, NULL,
                         "INSERT INTO api_keys"
                         " (id, firm_id, name, key_hash, last4, scopes, enabled)"
                         " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                         id, firm, name ? name : "",
                         hash,
                         leads_key_last4(cmd->pool, key), scopes, "1",
                         NULL)) {
        return leadsctl_db_fail(cmd, "inserting the key");
    }
    return leadsctl_print_added(cmd, id, "key", key);
}

int leadsctl_key_disable(leadsctl_cmd_t *cmd)
{
    return leadsctl_set_enabled(cmd, "api_keys", "key", 0);
}

int leadsctl_key_enable(leadsctl_cmd_t *cmd)
{
    return leadsctl_set_enabled(cmd, "api_keys", "key", 1);
}

int leadsctl_key_delete(leadsctl_cmd_t *cmd)
{
    return leadsctl_delete_row(cmd, "api_keys", "key");
}

int leadsctl_key_list(leadsctl_cmd_t *cmd)
{
    return leadsctl_list_for_firm(cmd, "SELECT id, name, last4, scopes,"
                                  " enabled"
                                  " FROM api_keys WHERE firm_id = %s"
                                  " ORDER BY id", key_columns);
}
