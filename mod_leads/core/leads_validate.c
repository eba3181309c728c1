/* Validation of a lead payload (docs/api.md §4.2, §4.3). Every problem is collected, one
 * per field, so a client fixes its request in one round trip. */
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "leads_contact.h"
#include "leads_json.h"
#include "leads_phone.h"
#include "leads_text.h"
#include "leads_time.h"
#include "leads_uuid.h"
#include "leads_validate.h"

#define NAME_MAX_CHARS 100
#define TEXT_MAX_CHARS 1000

static const char *const top_level_fields[] = {
    "first_name", "last_name", "source", "email", "phone", "assignee_id",
    "data", NULL
};

static const char *const field_type_names[] = {
    "text", "number", "boolean", "date", "choice", NULL
};

static const char issue_required[] = "is required";
static const char issue_not_string[] = "must be a string";
static const char issue_control[] = "must not contain control characters";

void leads_problem_add(apr_array_header_t *problems, const char *field,
                       const char *issue)
{
    leads_problem_t *pr = apr_array_push(problems);

    pr->field = field;
    pr->issue = issue;
}

static int json_is_absent(const json_t *v)
{
    return v == NULL || json_is_null(v);
}

/* jansson strings may hold U+0000 (with JSON_ALLOW_NUL); C string
 * functions would silently cut them short, so they count as control. */
static int json_string_has_nul(const json_t *v)
{
    return strlen(json_string_value(v)) != json_string_length(v);
}

/* The trimmed string at `key`, NULL when absent or null. Sets *issue when
 * the value is present but not a usable string. */
static const char *trimmed_member(apr_pool_t *p, json_t *obj, const char *key,
                                  const char **issue)
{
    json_t *v = json_object_get(obj, key);

    *issue = NULL;
    if (json_is_absent(v)) {
        return NULL;
    }
    if (!json_is_string(v)) {
        *issue = issue_not_string;
        return NULL;
    }
    if (json_string_has_nul(v)) {
        *issue = issue_control;
        return NULL;
    }
    return leads_text_trim(p, json_string_value(v));
}

static const char *name_issue(const char *s)
{
    if (s == NULL) {
        return issue_required;
    }
    if (*s == '\0') {
        return "must not be empty";
    }
    if (leads_text_length(s) > NAME_MAX_CHARS) {
        return "must be at most 100 characters";
    }
    if (leads_text_has_control(s)) {
        return issue_control;
    }
    return NULL;
}

/* first_name, last_name, source: required, 1..100 characters, no
 * control characters. Returns the trimmed value, "" on a problem. */
static const char *check_name(apr_pool_t *p, json_t *body, const char *key,
                              apr_array_header_t *problems)
{
    const char *issue;
    const char *s = trimmed_member(p, body, key, &issue);

    if (issue == NULL) {
        issue = name_issue(s);
    }
    if (issue != NULL) {
        leads_problem_add(problems, key, issue);
        return "";
    }
    return s;
}

typedef const char *(*contact_normalize_fn)(apr_pool_t *p, const char *in,
                                            const char *region,
                                            const char **normalized);

static const char *email_normalize(apr_pool_t *p, const char *in,
                                   const char *region,
                                   const char **normalized)
{
    (void)region;
    return leads_email_normalize(p, in, normalized);
}

/* email or phone: optional, trimmed, normalised when non-empty. Returns
 * the stored value ("" when absent); *given says whether the client sent
 * something non-empty, which is what the contact rule asks for. */
static const char *check_contact(apr_pool_t *p, json_t *body, const char *key,
                                 contact_normalize_fn normalize,
                                 const char *region, int *given,
                                 apr_array_header_t *problems)
{
    const char *issue;
    const char *s = trimmed_member(p, body, key, &issue);
    const char *normalized = "";

    *given = issue != NULL || (s != NULL && *s != '\0');
    if (issue == NULL && s != NULL && *s != '\0') {
        issue = normalize(p, s, region, &normalized);
    }
    if (issue != NULL) {
        leads_problem_add(problems, key, issue);
        return "";
    }
    return normalized;
}

static const char *check_assignee(apr_pool_t *p, json_t *body,
                                  apr_array_header_t *problems)
{
    json_t *v = json_object_get(body, "assignee_id");
    const char *uuid = NULL;

    if (json_is_absent(v)) {
        return NULL;
    }
    if (!json_is_string(v) || json_string_has_nul(v)
        || !leads_uuid_parse(p, json_string_value(v), &uuid)) {
        leads_problem_add(problems, "assignee_id", "must be a UUID");
        return NULL;
    }
    return uuid;
}

static void check_unknown_fields(apr_pool_t *p, json_t *body,
                                 apr_array_header_t *problems)
{
    const char *key;
    json_t *v;

    json_object_foreach(body, key, v) {
        if (!leads_text_in_list(top_level_fields, key)) {
            leads_problem_add(problems, apr_pstrdup(p, key), "unknown field");
        }
    }
}

const leads_field_def_t *
leads_field_def_find(const apr_array_header_t *fields, const char *name)
{
    int i;

    for (i = 0; fields != NULL && i < fields->nelts; i++) {
        const leads_field_def_t *def =
            &APR_ARRAY_IDX(fields, i, leads_field_def_t);

        if (strcmp(def->name, name) == 0) {
            return def;
        }
    }
    return NULL;
}

/* Text fields are free-form notes: line breaks and tabs are fine (CR too,
 * as HTML forms send CRLF), any other control character is not. */
static int text_has_control(apr_pool_t *p, const char *s)
{
    char *copy = apr_pstrdup(p, s);
    char *c;

    for (c = copy; *c; c++) {
        if (*c == '\n' || *c == '\r' || *c == '\t') {
            *c = ' ';
        }
    }
    return leads_text_has_control(copy);
}

static const char *check_text(apr_pool_t *p, const json_t *v)
{
    if (!json_is_string(v)) {
        return issue_not_string;
    }
    if (json_string_has_nul(v) || text_has_control(p, json_string_value(v))) {
        return issue_control;
    }
    if (leads_text_length(json_string_value(v)) > TEXT_MAX_CHARS) {
        return "must be at most 1000 characters";
    }
    return NULL;
}

/* "NNNN-NN-NN": tells a malformed date from an impossible one. */
static int date_shaped(const char *s)
{
    int i;

    for (i = 0; i < 10; i++) {
        if (i == 4 || i == 7 ? s[i] != '-' : !apr_isdigit(s[i])) {
            return 0;
        }
    }
    return s[10] == '\0';
}

static const char *check_date(const json_t *v)
{
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;

    if (s == NULL || json_string_has_nul(v) || !date_shaped(s)) {
        return "must be a date (YYYY-MM-DD)";
    }
    if (!leads_date_valid(s)) {
        return "must be a real calendar date";
    }
    return NULL;
}

static const char *choices_issue(apr_pool_t *p,
                                 const apr_array_header_t *choices)
{
    const char *list = "";
    int i;

    for (i = 0; choices != NULL && i < choices->nelts; i++) {
        list = apr_pstrcat(p, list, i > 0 ? ", " : "",
                           APR_ARRAY_IDX(choices, i, const char *), NULL);
    }
    return apr_pstrcat(p, "must be one of: ", list, NULL);
}

static const char *check_choice(apr_pool_t *p, const leads_field_def_t *def,
                                const json_t *v)
{
    int i;

    if (!json_is_string(v) || json_string_has_nul(v)) {
        return choices_issue(p, def->choices);
    }
    for (i = 0; def->choices != NULL && i < def->choices->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(def->choices, i, const char *),
                   json_string_value(v)) == 0) {
            return NULL;
        }
    }
    return choices_issue(p, def->choices);
}

/* The issue with a non-null value of a defined field, or NULL. */
static const char *check_field_value(apr_pool_t *p,
                                     const leads_field_def_t *def,
                                     const json_t *v)
{
    switch (def->type) {
    case LEADS_FIELD_TEXT:
        return check_text(p, v);
    case LEADS_FIELD_NUMBER:
        return json_is_number(v) ? NULL : "must be a number";
    case LEADS_FIELD_BOOLEAN:
        return json_is_boolean(v) ? NULL : "must be a boolean";
    case LEADS_FIELD_DATE:
        return check_date(v);
    case LEADS_FIELD_CHOICE:
        return check_choice(p, def, v);
    }
    return "has an unknown field type";
}

/* Stores the defined fields of `data` in out->data, lists the others in
 * out->ignored, and reports wrong values. */
static void check_data_values(apr_pool_t *p, json_t *data,
                              const apr_array_header_t *fields,
                              leads_lead_t *out, apr_array_header_t *problems)
{
    const leads_field_def_t *def;
    const char *key, *issue;
    json_t *v;

    json_object_foreach(data, key, v) {
        def = leads_field_def_find(fields, key);
        if (def == NULL) {
            APR_ARRAY_PUSH(out->ignored, const char *) =
                apr_pstrcat(p, "data.", key, NULL);
        }
        else if (json_is_null(v)) {
            continue;                   /* counts as absent */
        }
        else if ((issue = check_field_value(p, def, v)) != NULL) {
            leads_problem_add(problems, apr_pstrcat(p, "data.", key, NULL), issue);
        }
        else {
            json_object_set(out->data, key, v);
        }
    }
}

static void check_data_required(apr_pool_t *p, json_t *data,
                                const apr_array_header_t *fields,
                                apr_array_header_t *problems)
{
    int i;

    for (i = 0; fields != NULL && i < fields->nelts; i++) {
        const leads_field_def_t *def =
            &APR_ARRAY_IDX(fields, i, leads_field_def_t);

        if (def->required
            && json_is_absent(json_object_get(data, def->name))) {
            leads_problem_add(problems, apr_pstrcat(p, "data.", def->name, NULL),
                        issue_required);
        }
    }
}

static void check_data(apr_pool_t *p, json_t *body,
                       const apr_array_header_t *fields, leads_lead_t *out,
                       apr_array_header_t *problems)
{
    json_t *data = json_object_get(body, "data");

    out->data = json_object();
    leads_json_pool_owns(p, out->data);
    if (!json_is_absent(data) && !json_is_object(data)) {
        leads_problem_add(problems, "data", "must be an object");
        return;
    }
    if (json_is_object(data)) {
        check_data_values(p, data, fields, out, problems);
    }
    check_data_required(p, json_is_object(data) ? data : NULL, fields,
                        problems);
}

int leads_validate_lead(apr_pool_t *p, json_t *body,
                        const leads_validate_opts_t *opts,
                        leads_lead_t *out, apr_array_header_t *problems)
{
    int before = problems->nelts;
    int email_given, phone_given;

    out->first_name = check_name(p, body, "first_name", problems);
    out->last_name = check_name(p, body, "last_name", problems);
    out->source = check_name(p, body, "source", problems);
    out->email = check_contact(p, body, "email", email_normalize, NULL,
                               &email_given, problems);
    out->phone = check_contact(p, body, "phone", leads_phone_normalize,
                               opts->phone_region, &phone_given, problems);
    if (!email_given && !phone_given) {
        leads_problem_add(problems, "email", "email or phone is required");
    }
    out->assignee_id = check_assignee(p, body, problems);
    if (!opts->allow_unknown_top_level) {
        check_unknown_fields(p, body, problems);
    }
    out->ignored = apr_array_make(p, 4, sizeof(const char *));
    check_data(p, body, opts->fields, out, problems);
    return problems->nelts - before;
}

int leads_field_type_parse(const char *name)
{
    int i;

    for (i = 0; field_type_names[i] != NULL; i++) {
        if (strcmp(field_type_names[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

const char *leads_field_type_name(leads_field_type_e type)
{
    if ((unsigned)type > LEADS_FIELD_CHOICE) {
        return NULL;
    }
    return field_type_names[type];
}
