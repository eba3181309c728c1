/* leadsctl's output: an id alone or one JSON object for `add`, a
 * tab-separated table or a JSON array for `list`. Everything on stdout is
 * the result; messages go to stderr (leadsctl_cmd.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "leadsctl_cmd.h"
#include "leadsctl_db.h"
#include "leadsctl_out.h"

int leadsctl_bool_value(const char *s)
{
    return s && (s[0] == 't' || s[0] == 'T' || s[0] == '1' || s[0] == 'y');
}

int leadsctl_print_json(json_t *value)
{
    char *text;
    int rc = LEADSCTL_OK;

    text = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (text == NULL) {
        rc = leadsctl_fail("cannot encode the result as JSON");
    }
    else {
        printf("%s\n", text);
        free(text);
    }
    json_decref(value);
    return rc;
}

int leadsctl_print_added(const leadsctl_cmd_t *cmd, const char *id,
                         const char *secret_name, const char *secret)
{
    json_t *obj;

    if (!cmd->json) {
        printf("%s\n", secret_name ? secret : id);
        return LEADSCTL_OK;
    }
    obj = json_object();
    json_object_set_new(obj, "id", json_string(id));
    if (secret_name) {
        json_object_set_new(obj, secret_name, json_string(secret));
    }
    return leadsctl_print_json(obj);
}

int leadsctl_print_changed(const leadsctl_cmd_t *cmd, const char *id,
                           const char *field, int value)
{
    json_t *obj;

    if (!cmd->json) {
        return LEADSCTL_OK;
    }
    obj = json_object();
    json_object_set_new(obj, "id", json_string(id));
    json_object_set_new(obj, field, json_boolean(value));
    return leadsctl_print_json(obj);
}

/* One value as the JSON its column type says; stored JSON that does not
 * parse is shown as the text it is. */
static json_t *column_json(const leadsctl_column_t *col, const char *v)
{
    json_t *parsed;

    switch (col->type) {
    case LEADSCTL_COL_INT:
        return json_integer(strtoll(v, NULL, 10));
    case LEADSCTL_COL_BOOL:
        return json_boolean(leadsctl_bool_value(v));
    case LEADSCTL_COL_JSON:
        parsed = json_loads(v, JSON_DECODE_ANY, NULL);
        return parsed ? parsed : json_string(v);
    case LEADSCTL_COL_TEXT:
    default:
        return json_string(v);
    }
}

static const char *column_text(const leadsctl_column_t *col, const char *v)
{
    if (col->type == LEADSCTL_COL_BOOL) {
        return leadsctl_bool_value(v) ? "true" : "false";
    }
    return v;
}

int leadsctl_print_rows(const leadsctl_cmd_t *cmd, const leadsctl_column_t *cols,
                        const leadsctl_rows_t *rows)
{
    int i, c;

    if (cmd->json) {
        json_t *list = json_array();
        for (i = 0; i < rows->rows->nelts; i++) {
            json_t *obj = json_object();
            for (c = 0; c < rows->ncols; c++) {
                json_object_set_new(obj, cols[c].name,
                                    column_json(&cols[c],
                                                leadsctl_rows_get(rows, i, c)));
            }
            json_array_append_new(list, obj);
        }
        return leadsctl_print_json(list);
    }
    for (c = 0; c < rows->ncols; c++) {
        printf("%s%s", c ? "\t" : "", cols[c].name);
    }
    printf("\n");
    for (i = 0; i < rows->rows->nelts; i++) {
        for (c = 0; c < rows->ncols; c++) {
            printf("%s%s", c ? "\t" : "",
                   column_text(&cols[c], leadsctl_rows_get(rows, i, c)));
        }
        printf("\n");
    }
    return LEADSCTL_OK;
}
