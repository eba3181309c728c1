/* What leadsctl's commands share: failing with a message and an exit
 * code, and their options, parsed from the command line and read back. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "leads_text.h"
#include "leadsctl_cmd.h"

/* ---- Messages ------------------------------------------------------------ */

int leadsctl_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("leadsctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return LEADSCTL_FAIL;
}

int leadsctl_usage_error(const leadsctl_cmd_t *cmd, const char *fmt, ...)
{
    va_list ap;

    fputs("leadsctl: ", stderr);
    if (cmd && cmd->name) {
        fprintf(stderr, "%s: ", cmd->name);
    }
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return LEADSCTL_USAGE;
}

int leadsctl_db_fail(const leadsctl_cmd_t *cmd, const char *what)
{
    return leadsctl_fail("%s: %s: %s", cmd->name, what, cmd->db->error);
}

/* ---- Options ------------------------------------------------------------- */

const char *leadsctl_opt(const leadsctl_cmd_t *cmd, const char *name)
{
    return apr_table_get(cmd->opts, name);
}

int leadsctl_flag(const leadsctl_cmd_t *cmd, const char *name)
{
    return apr_table_get(cmd->opts, name) != NULL;
}

static int valid_utf8(const char *s)
{
    json_t *j = json_string(s);

    json_decref(j);
    return j != NULL;
}

int leadsctl_opt_text(const leadsctl_cmd_t *cmd, const char *name,
                      int required, apr_size_t max, const char **out)
{
    const char *raw = leadsctl_opt(cmd, name);
    const char *v;

    *out = NULL;
    if (raw == NULL) {
        return required ? leadsctl_usage_error(cmd, "--%s is required", name)
                        : LEADSCTL_OK;
    }
    if (!valid_utf8(raw)) {
        return leadsctl_usage_error(cmd, "--%s is not valid UTF-8", name);
    }
    v = leads_text_trim(cmd->pool, raw);
    if (*v == '\0') {
        return leadsctl_usage_error(cmd, "--%s must not be empty", name);
    }
    if (leads_text_length(v) > max) {
        return leadsctl_usage_error(cmd, "--%s is longer than %lu characters",
                                    name, (unsigned long)max);
    }
    if (leads_text_has_control(v)) {
        return leadsctl_usage_error(cmd, "--%s contains control characters",
                                    name);
    }
    *out = v;
    return LEADSCTL_OK;
}

/* How `name` is declared in a command's option list: 0 unknown, 1 flag,
 * 2 value, 3 repeatable value. */
static int option_kind(const char *spec, const char *name)
{
    apr_size_t n = strlen(name);
    const char *p = spec;

    while (*p) {
        const char *end = strchr(p, ' ');
        apr_size_t len = end ? (apr_size_t)(end - p) : strlen(p);

        if (len >= n && strncmp(p, name, n) == 0) {
            const char *rest = p + n;
            apr_size_t left = len - n;
            if (left == 0) {
                return 1;
            }
            if (left == 1 && rest[0] == '=') {
                return 2;
            }
            if (left == 2 && rest[0] == '=' && rest[1] == '*') {
                return 3;
            }
        }
        p += len;
        while (*p == ' ') {
            p++;
        }
    }
    return 0;
}

int leadsctl_cmd_parse(leadsctl_cmd_t *cmd, const char *options, int nargs,
                       int argc, const char *const *argv)
{
    apr_array_header_t *args = apr_array_make(cmd->pool, 2,
                                              sizeof(const char *));
    int i, only_args = 0;

    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *eq, *name, *value = NULL;
        int kind;

        if (only_args || a[0] != '-' || a[1] != '-' || a[2] == '\0') {
            if (!only_args && strcmp(a, "--") == 0) {
                only_args = 1;
                continue;
            }
            APR_ARRAY_PUSH(args, const char *) = a;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            cmd->json = 1;
            continue;
        }
        eq = strchr(a, '=');
        name = eq ? apr_pstrndup(cmd->pool, a + 2, eq - a - 2) : a + 2;
        kind = option_kind(options, name);
        if (kind == 0) {
            return leadsctl_usage_error(cmd, "unknown option --%s", name);
        }
        if (kind == 1) {
            if (eq) {
                return leadsctl_usage_error(cmd, "--%s takes no value", name);
            }
            value = "";
        }
        else if (eq) {
            value = eq + 1;
        }
        else if (i + 1 < argc) {
            value = argv[++i];
        }
        else {
            return leadsctl_usage_error(cmd, "--%s needs a value", name);
        }
        if (kind != 3 && apr_table_get(cmd->opts, name)) {
            return leadsctl_usage_error(cmd, "--%s given twice", name);
        }
        apr_table_add(cmd->opts, name, value);
    }
    if (args->nelts != nargs) {
        return leadsctl_usage_error(cmd, "expected %d argument%s, got %d",
                                    nargs, nargs == 1 ? "" : "s",
                                    args->nelts);
    }
    cmd->args = args;
    return LEADSCTL_OK;
}
