/* leadsctl: firms and what a firm sets up for its leads — pipeline stages,
 * members (assignees) and custom fields. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_time.h>
#include <jansson.h>

#include "leads_contact.h"
#include "leads_text.h"
#include "leads_uuid.h"
#include "leads_validate.h"
#include "leadsctl_cmd.h"
#include "leadsctl_db.h"
#include "leadsctl_firm.h"
#include "leadsctl_out.h"
#include "leadsctl_rows.h"

/* Longest accepted text per column, in characters (the schema's sizes). */
#define FIRM_NAME_MAX    400
#define STAGE_KEY_MAX    100
#define STAGE_NAME_MAX   200
#define MEMBER_TEXT_MAX  400
#define FIELD_NAME_MAX   100
#define CHOICE_MAX       1000

static const leadsctl_column_t firm_columns[] = {
    { "id", LEADSCTL_COL_TEXT }, { "name", LEADSCTL_COL_TEXT }
};

static const leadsctl_column_t stage_columns[] = {
    { "id", LEADSCTL_COL_TEXT }, { "key", LEADSCTL_COL_TEXT },
    { "name", LEADSCTL_COL_TEXT }, { "position", LEADSCTL_COL_INT },
    { "closed", LEADSCTL_COL_BOOL }
};

static const leadsctl_column_t member_columns[] = {
    { "id", LEADSCTL_COL_TEXT }, { "name", LEADSCTL_COL_TEXT },
    { "email", LEADSCTL_COL_TEXT }
};

static const leadsctl_column_t field_columns[] = {
    { "id", LEADSCTL_COL_TEXT }, { "name", LEADSCTL_COL_TEXT },
    { "type", LEADSCTL_COL_TEXT }, { "required", LEADSCTL_COL_BOOL },
    { "choices", LEADSCTL_COL_JSON }
};

static int new_id(const leadsctl_cmd_t *cmd, const char **id)
{
    if (leads_uuid_v7(cmd->pool, apr_time_now(), id) != APR_SUCCESS) {
        return leadsctl_fail("%s: cannot generate an id", cmd->name);
    }
    return LEADSCTL_OK;
}

/* ---- firm ---------------------------------------------------------------- */

int leadsctl_firm_add(leadsctl_cmd_t *cmd)
{
    const char *name = NULL, *id = NULL;
    int rc;

    if ((rc = leadsctl_opt_text(cmd, "name", 1, FIRM_NAME_MAX, &name))
        || (rc = new_id(cmd, &id))) {
        return rc;
    }
    if (leadsctl_db_exec(cmd->db, NULL,
                         "INSERT INTO firms (id, name) VALUES (%s, %s)",
                         id, name, NULL)) {
        return leadsctl_db_fail(cmd, "inserting the firm");
    }
    return leadsctl_print_added(cmd, id, NULL, NULL);
}

int leadsctl_firm_list(leadsctl_cmd_t *cmd)
{
    leadsctl_rows_t *rows;

    if (leadsctl_db_select(cmd->db, &rows,
                           "SELECT id, name FROM firms ORDER BY id", NULL)) {
        return leadsctl_db_fail(cmd, "reading");
    }
    return leadsctl_print_rows(cmd, firm_columns, rows);
}

/* ---- stage --------------------------------------------------------------- */

/* --position: a whole number in int range, written in decimal. */
static int parse_position(const leadsctl_cmd_t *cmd, const char *raw,
                          const char **out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(raw, &end, 10);
    if (*raw == '\0' || *end != '\0' || errno != 0
        || v < INT_MIN || v > INT_MAX) {
        return leadsctl_usage_error(cmd, "--position must be an integer,"
                                    " not '%s'", raw);
    }
    *out = apr_ltoa(cmd->pool, v);
    return LEADSCTL_OK;
}

/* Without --position a stage goes after the firm's last one. */
static int next_position(const leadsctl_cmd_t *cmd, const char *firm,
                         const char **out)
{
    leadsctl_rows_t *rows;

    if (leadsctl_db_select(cmd->db, &rows,
                           "SELECT COALESCE(MAX(position) + 1, 0)"
                           " FROM stages WHERE firm_id = %s", firm, NULL)) {
        return leadsctl_db_fail(cmd, "reading the stage positions");
    }
    *out = apr_pstrdup(cmd->pool, leadsctl_rows_get(rows, 0, 0));
    if (**out == '\0') {
        *out = "0";
    }
    return LEADSCTL_OK;
}

int leadsctl_stage_add(leadsctl_cmd_t *cmd)
{
    const leadsctl_dialect_t *sql = cmd->db->sql;
    const char *firm = NULL, *key = NULL, *name = NULL, *id = NULL;
    const char *position = NULL;
    const char *raw_position = leadsctl_opt(cmd, "position");
    leadsctl_rows_t *rows;
    int rc;

    if ((rc = leadsctl_opt_text(cmd, "key", 1, STAGE_KEY_MAX, &key))
        || (rc = leadsctl_opt_text(cmd, "name", 1, STAGE_NAME_MAX, &name))
        || (raw_position
            && (rc = parse_position(cmd, raw_position, &position)))
        || (rc = leadsctl_firm_resolve(cmd, &firm))) {
        return rc;
    }
    if (leadsctl_db_select(cmd->db, &rows, sql->stage_key_exists,
                           firm, key, NULL)) {
        return leadsctl_db_fail(cmd, "looking up the stage key");
    }
    if (rows->rows->nelts > 0) {
        return leadsctl_fail("%s: the firm already has a stage with key %s",
                             cmd->name, key);
    }
    if ((position == NULL && (rc = next_position(cmd, firm, &position)))
        || (rc = new_id(cmd, &id))) {
        return rc;
    }
    if (leadsctl_db_exec(cmd->db, NULL, sql->stage_insert, id, firm, key,
                         name, position,
                         leadsctl_flag(cmd, "closed") ? "1" : "0", NULL)) {
        return leadsctl_db_fail(cmd, "inserting the stage");
    }
    return leadsctl_print_added(cmd, id, NULL, NULL);
}

int leadsctl_stage_list(leadsctl_cmd_t *cmd)
{
    return leadsctl_list_for_firm(cmd, cmd->db->sql->stage_list, stage_columns);
}

/* ---- member -------------------------------------------------------------- */

int leadsctl_member_add(leadsctl_cmd_t *cmd)
{
    const char *firm = NULL, *name = NULL, *email = NULL, *id = NULL;
    const char *issue;
    int rc;

    if ((rc = leadsctl_opt_text(cmd, "name", 0, MEMBER_TEXT_MAX, &name))
        || (rc = leadsctl_opt_text(cmd, "email", 0, MEMBER_TEXT_MAX,
                                   &email))) {
        return rc;
    }
    /* Stored as the API stores a lead's email: checked and lowercased. */
    if (email && (issue = leads_email_normalize(cmd->pool, email, &email))) {
        return leadsctl_usage_error(cmd, "--email: %s", issue);
    }
    if ((rc = leadsctl_firm_resolve(cmd, &firm))
        || (rc = new_id(cmd, &id))) {
        return rc;
    }
    if (leadsctl_db_exec(cmd->db, NULL,
                         "INSERT INTO members (id, firm_id, name, email)"
                         " VALUES (%s, %s, %s, %s)",
                         id, firm, name ? name : "", email ? email : "",
                         NULL)) {
        return leadsctl_db_fail(cmd, "inserting the member");
    }
    return leadsctl_print_added(cmd, id, NULL, NULL);
}

int leadsctl_member_list(leadsctl_cmd_t *cmd)
{
    return leadsctl_list_for_firm(cmd, "SELECT id, name, email FROM members"
                         " WHERE firm_id = %s ORDER BY id", member_columns);
}

/* ---- field --------------------------------------------------------------- */

/* --choices A,B,C as the JSON array text stored in fields.choices: each
 * choice trimmed, non-empty, without control characters, no repeats. */
static int parse_choices(const leadsctl_cmd_t *cmd, const char *raw,
                         const char **out)
{
    json_t *list = json_array();
    char *copy = apr_pstrdup(cmd->pool, raw);
    char *text = NULL;
    int rc = LEADSCTL_OK;

    for (;;) {
        char *comma = strchr(copy, ',');
        const char *choice;
        json_t *s;
        size_t i;
        json_t *seen;

        if (comma) {
            *comma = '\0';
        }
        choice = leads_text_trim(cmd->pool, copy);
        s = json_string(choice);
        if (s == NULL || *choice == '\0' || leads_text_has_control(choice)
            || leads_text_length(choice) > CHOICE_MAX) {
            json_decref(s);
            rc = leadsctl_usage_error(cmd, "--choices: each choice must be"
                                      " non-empty text (at most %d"
                                      " characters)", CHOICE_MAX);
            break;
        }
        json_array_foreach(list, i, seen) {
            if (json_equal(seen, s)) {
                rc = leadsctl_usage_error(cmd, "--choices: '%s' is listed"
                                          " twice", choice);
                break;
            }
        }
        if (rc != LEADSCTL_OK) {
            json_decref(s);
            break;
        }
        json_array_append_new(list, s);
        if (comma == NULL) {
            break;
        }
        copy = comma + 1;
    }
    if (rc == LEADSCTL_OK) {
        text = json_dumps(list, JSON_COMPACT);
        if (text == NULL) {
            rc = leadsctl_fail("%s: cannot encode the choices", cmd->name);
        }
        else {
            *out = apr_pstrdup(cmd->pool, text);
            free(text);
        }
    }
    json_decref(list);
    return rc;
}

int leadsctl_field_add(leadsctl_cmd_t *cmd)
{
    const char *firm = NULL, *name = NULL, *id = NULL;
    const char *type_raw = leadsctl_opt(cmd, "type");
    const char *raw_choices = leadsctl_opt(cmd, "choices");
    const char *choices = "[]";
    leadsctl_rows_t *rows;
    int type, rc;

    if ((rc = leadsctl_opt_text(cmd, "name", 1, FIELD_NAME_MAX, &name))) {
        return rc;
    }
    if (type_raw == NULL) {
        return leadsctl_usage_error(cmd, "--type is required");
    }
    type = leads_field_type_parse(type_raw);
    if (type < 0) {
        return leadsctl_usage_error(cmd, "unknown --type '%s' (text, number,"
                                    " boolean, date or choice)", type_raw);
    }
    if (type == LEADS_FIELD_CHOICE && raw_choices == NULL) {
        return leadsctl_usage_error(cmd, "--type choice needs --choices");
    }
    if (type != LEADS_FIELD_CHOICE && raw_choices != NULL) {
        return leadsctl_usage_error(cmd, "--choices is only for --type"
                                    " choice");
    }
    if ((raw_choices && (rc = parse_choices(cmd, raw_choices, &choices)))
        || (rc = leadsctl_firm_resolve(cmd, &firm))) {
        return rc;
    }
    if (leadsctl_db_select(cmd->db, &rows, "SELECT id FROM fields"
                           " WHERE firm_id = %s AND name = %s",
                           firm, name, NULL)) {
        return leadsctl_db_fail(cmd, "looking up the field");
    }
    if (rows->rows->nelts > 0) {
        return leadsctl_fail("%s: the firm already has a field named %s",
                             cmd->name, name);
    }
    if ((rc = new_id(cmd, &id))) {
        return rc;
    }
    if (leadsctl_db_exec(cmd->db, NULL,
                         "INSERT INTO fields"
                         " (id, firm_id, name, type, choices, required)"
                         " VALUES (%s, %s, %s, %s, %s, %s)",
                         id, firm, name,
                         leads_field_type_name((leads_field_type_e)type),
                         choices, leadsctl_flag(cmd, "required") ? "1" : "0",
                         NULL)) {
        return leadsctl_db_fail(cmd, "inserting the field");
    }
    return leadsctl_print_added(cmd, id, NULL, NULL);
}

int leadsctl_field_list(leadsctl_cmd_t *cmd)
{
    return leadsctl_list_for_firm(cmd, "SELECT id, name, type, required, choices"
                         " FROM fields WHERE firm_id = %s ORDER BY id",
                         field_columns);
}
