/* leadsctl: a firm's web forms (docs/api.md §10). A form is a source
 * (kind 'form') whose key, lpk_…, is published in the firm's page: it
 * also has the origins allowed to post, the page a browser is sent to
 * afterwards, a honeypot field, and a captcha provider with its secret
 * (stored as given: the module sends it to the provider; never listed). */
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "leads_captcha.h"
#include "leads_key.h"
#include "leads_origin.h"
#include "leadsctl_cmd.h"
#include "leadsctl_db.h"
#include "leadsctl_form.h"
#include "leadsctl_out.h"
#include "leadsctl_rows.h"
#include "leadsctl_source.h"

/* The name becomes each lead's `source` (100 characters at most). */
#define FORM_NAME_MAX      100
#define FORM_URL_MAX       2000
#define FORM_FIELD_MAX     100
#define FORM_SECRET_MAX    500

static const leadsctl_column_t form_columns[] = {
    { "id", LEADSCTL_COL_TEXT }, { "name", LEADSCTL_COL_TEXT },
    { "last4", LEADSCTL_COL_TEXT }, { "enabled", LEADSCTL_COL_BOOL },
    { "origins", LEADSCTL_COL_TEXT }, { "redirect", LEADSCTL_COL_TEXT },
    { "honeypot", LEADSCTL_COL_TEXT }, { "captcha", LEADSCTL_COL_TEXT },
    { "mapping", LEADSCTL_COL_JSON }
};

/* Every --origin, canonical, space-separated: at least one. */
static int parse_origins(const leadsctl_cmd_t *cmd, const char **out)
{
    const apr_array_header_t *opts = apr_table_elts(cmd->opts);
    const apr_table_entry_t *e = (const apr_table_entry_t *)opts->elts;
    const char *list = "";
    int i;

    for (i = 0; i < opts->nelts; i++) {
        const char *issue, *canonical;

        if (strcmp(e[i].key, "origin") != 0) {
            continue;
        }
        if ((issue = leads_origin_issue(e[i].val)) != NULL) {
            return leadsctl_usage_error(cmd, "--origin '%s' %s (e.g. "
                                        "https://www.firm.example)",
                                        e[i].val, issue);
        }
        canonical = leads_origin_canonical(cmd->pool, e[i].val);
        list = *list ? apr_pstrcat(cmd->pool, list, " ", canonical, NULL)
                     : canonical;
    }
    if (!*list) {
        return leadsctl_usage_error(cmd, "--origin ORIGIN is required (the "
                                    "site the form is on, e.g. "
                                    "https://www.firm.example)");
    }
    *out = list;
    return LEADSCTL_OK;
}

/* An absolute http(s) URL without spaces or control characters. */
static int parse_redirect(const leadsctl_cmd_t *cmd, const char **out)
{
    const char *url = leadsctl_opt(cmd, "redirect");
    const char *c;

    *out = "";
    if (url == NULL) {
        return LEADSCTL_OK;
    }
    for (c = url; *c; c++) {
        if (apr_isspace(*c) || apr_iscntrl(*c)) {
            break;
        }
    }
    if (*c || strlen(url) > FORM_URL_MAX
        || (!(strncmp(url, "https://", 8) == 0 && url[8])
            && !(strncmp(url, "http://", 7) == 0 && url[7]))) {
        return leadsctl_usage_error(cmd, "--redirect must be an absolute "
                                    "http:// or https:// URL without "
                                    "spaces");
    }
    *out = url;
    return LEADSCTL_OK;
}

/* --captcha PROVIDER with --captcha-secret SECRET, or neither. */
static int parse_captcha(const leadsctl_cmd_t *cmd, const char **provider,
                         const char **secret)
{
    const char *name = leadsctl_opt(cmd, "captcha");
    int rc = leadsctl_opt_text(cmd, "captcha-secret", name != NULL,
                               FORM_SECRET_MAX, secret);

    *provider = "";
    if (rc != LEADSCTL_OK) {
        return rc;
    }
    if (name == NULL) {
        if (*secret != NULL) {
            return leadsctl_usage_error(cmd, "--captcha-secret needs "
                                        "--captcha PROVIDER");
        }
        *secret = "";
        return LEADSCTL_OK;
    }
    if (leads_captcha_provider(name) < 0) {
        return leadsctl_usage_error(cmd, "--captcha '%s': not %s", name,
                                    leads_captcha_names());
    }
    *provider = name;
    return LEADSCTL_OK;
}

int leadsctl_form_add(leadsctl_cmd_t *cmd)
{
    const char *firm = NULL, *name = NULL, *mapping = NULL, *id = NULL;
    const char *origins = NULL, *redirect = NULL, *honeypot = NULL;
    const char *captcha = NULL, *captcha_secret = NULL;
    const char *key = NULL, *hash;
    int rc;

    if ((rc = leadsctl_opt_text(cmd, "name", 1, FORM_NAME_MAX, &name))
        || (rc = parse_origins(cmd, &origins))
        || (rc = parse_redirect(cmd, &redirect))
        || (rc = leadsctl_opt_text(cmd, "honeypot", 0, FORM_FIELD_MAX,
                                   &honeypot))
        || (rc = parse_captcha(cmd, &captcha, &captcha_secret))
        || (rc = leadsctl_source_mapping(cmd, &mapping))
        || (rc = leadsctl_firm_resolve(cmd, &firm))) {
        return rc;
    }
    if ((rc = leadsctl_source_new_key(cmd, LEADS_FORM_KEY_PREFIX, &id, &key,
                                      &hash))) {
        return rc;
    }
    if (leadsctl_db_exec(cmd->db, NULL,
                         "INSERT INTO sources"
                         " (id, firm_id, name, key_hash, last4, mapping,"
                         " enabled, kind, origins, redirect_url, honeypot,"
                         " captcha, captcha_secret)"
                         " VALUES (%s, %s, %s, %s, %s, %s, %s, 'form', %s,"
                         " %s, %s, %s, %s)",
                         id, firm, name, hash,
                         leads_key_last4(cmd->pool, key), mapping, "1",
                         origins, redirect, honeypot ? honeypot : "",
                         captcha, captcha_secret, NULL)) {
        return leadsctl_db_fail(cmd, "inserting the form");
    }
    return leadsctl_print_added(cmd, id, "key", key);
}

int leadsctl_form_disable(leadsctl_cmd_t *cmd)
{
    return leadsctl_set_enabled(cmd, "sources", "form", 0);
}

int leadsctl_form_enable(leadsctl_cmd_t *cmd)
{
    return leadsctl_set_enabled(cmd, "sources", "form", 1);
}

/* As a source's: its leads stay, its key stops working at once. */
int leadsctl_form_delete(leadsctl_cmd_t *cmd)
{
    return leadsctl_delete_row(cmd, "sources", "form");
}

int leadsctl_form_list(leadsctl_cmd_t *cmd)
{
    return leadsctl_list_for_firm(cmd, "SELECT id, name, last4, enabled,"
                                  " origins, redirect_url, honeypot, captcha, mapping"
                                  " FROM sources WHERE firm_id = %s"
                                  " AND kind = 'form' ORDER BY id",
                                  form_columns);
}
