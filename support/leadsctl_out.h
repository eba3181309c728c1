/* leadsctl's output: an id alone or one JSON object for `add`, a
 * tab-separated table or a JSON array for `list`. Everything on stdout is
 * the result; messages go to stderr (leadsctl_cmd.h). */
#ifndef LEADSCTL_OUT_H
#define LEADSCTL_OUT_H

#include <jansson.h>

#include "leadsctl_cmd.h"
#include "leadsctl_db.h"

typedef enum {
    LEADSCTL_COL_TEXT,
    LEADSCTL_COL_INT,
    LEADSCTL_COL_BOOL,                  /* t/f, 1/0 from the driver */
    LEADSCTL_COL_JSON                   /* stored JSON text */
} leadsctl_col_type_e;

typedef struct {
    const char *name;
    leadsctl_col_type_e type;
} leadsctl_column_t;

/* The result of an add: the id alone, or {"id": …, "<secret_name>": …}.
 * `secret_name` may be NULL. */
int leadsctl_print_added(const leadsctl_cmd_t *cmd, const char *id,
                         const char *secret_name, const char *secret);

/* The result of a change to one object: nothing, or with --json
 * {"id": …, "<field>": <bool>}. */
int leadsctl_print_changed(const leadsctl_cmd_t *cmd, const char *id,
                           const char *field, int value);

/* A list: a tab-separated header and rows, or a JSON array of objects.
 * `cols` has rows->ncols entries. */
int leadsctl_print_rows(const leadsctl_cmd_t *cmd, const leadsctl_column_t *cols,
                        const leadsctl_rows_t *rows);

/* Any JSON value on one line (stolen reference: decref'd here). */
int leadsctl_print_json(json_t *value);

/* Non-zero when a boolean as a driver returns it is true. */
int leadsctl_bool_value(const char *s);

#endif
