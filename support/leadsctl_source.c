/* leadsctl: a firm's ingestion sources (docs/api.md §6.1). A source has a name (the
 * lead's `source`), an ingestion key shown once at creation (stored as its
 * SHA-256 and last four characters, like an API key) and a mapping from
 * lead fields to paths in the source's payload. */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_time.h>
#include <jansson.h>

#include "leads_key.h"
#include "leads_mapping.h"
#include "leads_uuid.h"
#include "leadsctl_cmd.h"
#include "leadsctl_db.h"
#include "leadsctl_out.h"
#include "leadsctl_rows.h"
#include "leadsctl_source.h"

/* The name becomes each lead's `source`, which the API takes up to 100
 * characters (docs/api.md §4.2). */
#define SOURCE_NAME_MAX  100

static const leadsctl_column_t source_columns[] = {
    { "id", LEADSCTL_COL_TEXT }, { "name", LEADSCTL_COL_TEXT },
    { "last4", LEADSCTL_COL_TEXT }, { "enabled", LEADSCTL_COL_BOOL },
    { "mapping", LEADSCTL_COL_JSON }
};

/* ---- Mapping ------------------------------------------------------------- */

/* The module reads the mapping with leads_mapping_parse() on every
 * request: store only one it accepts. */
static int mapping_accepted(const leadsctl_cmd_t *cmd, const char *text)
{
    leads_mapping_t *parsed;
    const char *issue = leads_mapping_parse(cmd->pool, text, &parsed);

    return issue ? leadsctl_usage_error(cmd, "--map: %s", issue)
                 : LEADSCTL_OK;
}

/* Every --map TARGET=PATH, in the order given, as the JSON object text
 * stored in sources.mapping. A target may be mapped once; targets and
 * paths are judged by the module's own rules (leads_mapping.h), each
 * --map on its own for the message. */
int leadsctl_source_mapping(const leadsctl_cmd_t *cmd, const char **out)
{
    const apr_array_header_t *opts = apr_table_elts(cmd->opts);
    const apr_table_entry_t *e = (const apr_table_entry_t *)opts->elts;
    json_t *map = json_object();
    char *text;
    int i, rc = LEADSCTL_OK;

    for (i = 0; i < opts->nelts && rc == LEADSCTL_OK; i++) {
        const char *eq, *target, *path, *issue;
        json_t *whole;

        if (strcmp(e[i].key, "map") != 0) {
            continue;
        }
        eq = strchr(e[i].val, '=');
        if (eq == NULL) {
            rc = leadsctl_usage_error(cmd, "--map '%s': expected"
                                      " TARGET=PATH", e[i].val);
            break;
        }
        target = apr_pstrndup(cmd->pool, e[i].val, eq - e[i].val);
        path = eq + 1;
        /* json_string() refuses text that is not UTF-8. */
        whole = json_string(e[i].val);
        if (whole == NULL) {
            rc = leadsctl_usage_error(cmd, "--map is not valid UTF-8");
        }
        else if (!leads_mapping_target_valid(target)) {
            rc = leadsctl_usage_error(cmd, "--map %s: not a lead field (%s)",
                                      e[i].val,
                                      leads_mapping_targets_text(cmd->pool));
        }
        else if ((issue = leads_mapping_path_issue(path)) != NULL) {
            rc = leadsctl_usage_error(cmd, "--map %s: the path %s", e[i].val,
                                      issue);
        }
        else if (json_object_get(map, target) != NULL) {
            rc = leadsctl_usage_error(cmd, "--map: %s is mapped twice",
                                      target);
        }
        else {
            json_object_set_new(map, target, json_string(path));
        }
        json_decref(whole);
    }
    if (rc == LEADSCTL_OK) {
        /* jansson keeps an object's keys in insertion order. */
        text = json_dumps(map, JSON_COMPACT);
        if (text == NULL) {
            rc = leadsctl_fail("%s: cannot encode the mapping", cmd->name);
        }
        else {
            *out = apr_pstrdup(cmd->pool, text);
            free(text);
            rc = mapping_accepted(cmd, *out);
        }
    }
    json_decref(map);
    return rc;
}

/* ---- source -------------------------------------------------------------- */

int leadsctl_source_new_key(const leadsctl_cmd_t *cmd, const char *prefix,
                            const char **id, const char **key,
                            const char **hash)
{
    if (leads_uuid_v7(cmd->pool, apr_time_now(), id) != APR_SUCCESS
        || leads_key_generate(cmd->pool, prefix, key) != APR_SUCCESS) {
        return leadsctl_fail("%s: cannot generate the key", cmd->name);
    }
    /* a NULL among the values would end the list early */
    if (!(*hash = leads_sha256_hex(cmd->pool, *key, strlen(*key)))) {
        return leadsctl_fail("%s: cannot hash the key", cmd->name);
    }
    return LEADSCTL_OK;
}

int leadsctl_source_add(leadsctl_cmd_t *cmd)
{
    const char *firm = NULL, *name = NULL, *mapping = NULL, *id = NULL;
    const char *key = NULL, *hash;
    int rc;

    if ((rc = leadsctl_opt_text(cmd, "name", 1, SOURCE_NAME_MAX, &name))
        || (rc = leadsctl_source_mapping(cmd, &mapping))
        || (rc = leadsctl_firm_resolve(cmd, &firm))) {
        return rc;
    }
    if ((rc = leadsctl_source_new_key(cmd, LEADS_INGEST_KEY_PREFIX, &id,
                                      &key, &hash))) {
        return rc;
    }
    if (leadsctl_db_exec(cmd->db, NULL,
                         "INSERT INTO sources"
                         " (id, firm_id, name, key_hash, last4, mapping, enabled)"
                         " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                         id, firm, name,
                         hash,
                         leads_key_last4(cmd->pool, key), mapping, "1",
                         NULL)) {
        return leadsctl_db_fail(cmd, "inserting the source");
    }
    return leadsctl_print_added(cmd, id, "key", key);
}

int leadsctl_source_disable(leadsctl_cmd_t *cmd)
{
    return leadsctl_set_enabled(cmd, "sources", "source", 0);
}

int leadsctl_source_enable(leadsctl_cmd_t *cmd)
{
    return leadsctl_set_enabled(cmd, "sources", "source", 1);
}

/* The source's leads stay; their source_id becomes NULL (the schema's
 * ON DELETE SET NULL), and its key stops working at once. */
int leadsctl_source_delete(leadsctl_cmd_t *cmd)
{
    return leadsctl_delete_row(cmd, "sources", "source");
}

int leadsctl_source_list(leadsctl_cmd_t *cmd)
{
    return leadsctl_list_for_firm(cmd, "SELECT id, name, last4, enabled,"
                                  " mapping FROM sources WHERE firm_id = %s"
                                  " ORDER BY id", source_columns);
}
