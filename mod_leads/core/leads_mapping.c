/* Ingestion mapping (docs/api.md §6.3). The mapping only moves values into the
 * shape of an API-mode body and turns numbers into text where a string is
 * wanted; judging the values is left to leads_validate_lead(), so both
 * modes accept and refuse exactly the same leads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "leads_json.h"
#include "leads_mapping.h"
#include "leads_text.h"

#define DATA_PREFIX     "data."
#define DATA_PREFIX_LEN (sizeof(DATA_PREFIX) - 1)

/* The lead fields that take a string, in the order they are produced. */
static const char *const text_targets[] = {
    "first_name", "last_name", "email", "phone", "assignee_id", NULL
};

static const char target_external_id[] = "external_id";
static const char default_external_id_path[] = "externalId";

static const char issue_control[] = "must not contain control characters";

/* Where a payload comes from: exactly one of the two is set. */
typedef struct {
    json_t *payload;
    const leads_form_t *form;
} body_t;

int leads_mapping_target_valid(const char *target)
{
    return leads_text_in_list(text_targets, target)
        || strcmp(target, target_external_id) == 0
        || (strncmp(target, DATA_PREFIX, DATA_PREFIX_LEN) == 0
            && target[DATA_PREFIX_LEN] != '\0');
}

const char *leads_mapping_targets_text(apr_pool_t *p)
{
    const char *text = "";
    int i;

    for (i = 0; text_targets[i] != NULL; i++) {
        text = apr_pstrcat(p, text, text_targets[i], ", ", NULL);
    }
    return apr_pstrcat(p, text, target_external_id, " or " DATA_PREFIX
                       "<field>", NULL);
}

/* The same rules leads_json_path() applies, said once when the mapping is
 * stored rather than as a silent miss on every request. */
const char *leads_mapping_path_issue(const char *path)
{
    apr_size_t len = strlen(path), i;
    int segments = 1;

    if (len == 0) {
        return "must not be empty";
    }
    if (len > LEADS_PATH_MAX_BYTES) {
        return "must be at most 256 bytes";
    }
    if (leads_text_has_control(path)) {
        return issue_control;
    }
    for (i = 0; i < len; i++) {
        if (path[i] == '.') {
            segments++;
        }
    }
    if (path[0] == '.' || path[len - 1] == '.' || strstr(path, "..")) {
        return "must not have an empty segment";
    }
    if (segments > LEADS_PATH_MAX_SEGMENTS) {
        return "must have at most 16 segments";
    }
    return NULL;
}

static const char *mapping_rules(apr_pool_t *p, json_t *root,
                                 leads_mapping_t *m)
{
    leads_mapping_rule_t *rule;
    const char *target, *issue;
    json_t *v;

    json_object_foreach(root, target, v) {
        if (!leads_mapping_target_valid(target)) {
            return apr_psprintf(p, "mapping: unknown target \"%s\"", target);
        }
        if (!json_is_string(v)) {
            return apr_psprintf(p, "mapping: the path for %s must be a "
                                "string", target);
        }
        issue = leads_mapping_path_issue(json_string_value(v));
        if (issue != NULL) {
            return apr_psprintf(p, "mapping: the path for %s %s", target,
                                issue);
        }
        rule = apr_array_push(m->rules);
        rule->target = apr_pstrdup(p, target);
        rule->path = apr_pstrdup(p, json_string_value(v));
    }
    return NULL;
}

const char *leads_mapping_parse(apr_pool_t *p, const char *json_text,
                                leads_mapping_t **out)
{
    leads_mapping_t *m = apr_palloc(p, sizeof(*m));
    const char *issue = NULL;
    json_error_t err;
    json_t *root;

    *out = NULL;
    m->rules = apr_array_make(p, 8, sizeof(leads_mapping_rule_t));
    if (json_text == NULL || *leads_text_trim(p, json_text) == '\0') {
        *out = m;
        return NULL;
    }
    /* duplicate targets would make one of the two paths silently lost */
    root = json_loads(json_text, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        return apr_psprintf(p, "mapping: not valid JSON: %s", err.text);
    }
    issue = json_is_object(root) ? mapping_rules(p, root, m)
                                 : "mapping: must be a JSON object";
    json_decref(root);
    if (issue == NULL) {
        *out = m;
    }
    return issue;
}

const char *leads_mapping_path(const leads_mapping_t *m, const char *target)
{
    int i;

    for (i = 0; m != NULL && i < m->rules->nelts; i++) {
        const leads_mapping_rule_t *rule =
            &APR_ARRAY_IDX(m->rules, i, leads_mapping_rule_t);

        if (strcmp(rule->target, target) == 0) {
            return rule->path;
        }
    }
    return strcmp(target, target_external_id) == 0 ? default_external_id_path
                                                   : target;
}

/* The value at `path` (a new reference), NULL when missing. A form value
 * is a JSON string. */
static json_t *body_get(const body_t *b, const char *path)
{
    const char *s;

    if (b->form != NULL) {
        s = leads_form_get(b->form, path);
        return s != NULL ? json_string(s) : NULL;
    }
    return json_incref(leads_json_path(b->payload, path));
}

/* The path for `target`, remembered as its origin. */
static const char *origin_path(apr_pool_t *p, const leads_mapping_t *m,
                               const char *target, leads_mapped_t *out)
{
    const char *path = apr_pstrdup(p, leads_mapping_path(m, target));

    apr_hash_set(out->origins, apr_pstrdup(p, target), APR_HASH_KEY_STRING,
                 path);
    return path;
}

/* Short text that reads back as the same number: 4155550100 and
 * 4155550100.0 both give "4155550100", 0.1 gives "0.1". The C library's
 * %g, not apr_psprintf()'s, which writes "-.1" and "1.e+20". */
static const char *number_text(apr_pool_t *p, const json_t *v)
{
    char buf[32];
    double d;

    if (json_is_integer(v)) {
        return apr_psprintf(p, "%" APR_INT64_T_FMT,
                            (apr_int64_t)json_integer_value(v));
    }
    d = json_real_value(v);
    snprintf(buf, sizeof(buf), "%.15g", d);
    if (strtod(buf, NULL) != d) {
        snprintf(buf, sizeof(buf), "%.17g", d);
    }
    return apr_pstrdup(p, buf);
}

/* The text of a number or boolean, NULL for anything else. */
static const char *scalar_text(apr_pool_t *p, const json_t *v)
{
    if (json_is_number(v)) {
        return number_text(p, v);
    }
    if (json_is_boolean(v)) {
        return json_is_true(v) ? "true" : "false";
    }
    return NULL;
}

static void map_text_field(apr_pool_t *p, const leads_mapping_t *m,
                           const body_t *b, const char *target,
                           leads_mapped_t *out)
{
    json_t *v = body_get(b, origin_path(p, m, target, out));
    const char *text = scalar_text(p, v);

    if (text != NULL) {
        json_decref(v);
        v = json_string(text);
    }
    if (v != NULL && !json_is_null(v)) {
        json_object_set(out->lead, target, v);
    }
    json_decref(v);
}

/* A string external id, trimmed; *id stays NULL when it is empty. */
static const char *external_id_text(apr_pool_t *p, const json_t *v,
                                    const char **id)
{
    const char *s = json_string_value(v);

    if (strlen(s) != json_string_length(v)) {
        return issue_control;           /* an embedded U+0000 */
    }
    s = leads_text_trim(p, s);
    if (leads_text_has_control(s)) {
        return issue_control;
    }
    if (leads_text_length(s) > LEADS_EXTERNAL_ID_MAX_CHARS) {
        return "must be at most 255 characters";
    }
    *id = *s != '\0' ? s : NULL;
    return NULL;
}

static void map_external_id(apr_pool_t *p, const leads_mapping_t *m,
                            const body_t *b, leads_mapped_t *out,
                            apr_array_header_t *problems)
{
    json_t *v = body_get(b, origin_path(p, m, target_external_id, out));
    const char *issue = NULL;

    if (json_is_string(v)) {
        issue = external_id_text(p, v, &out->external_id);
    }
    else if (json_is_number(v)) {
        out->external_id = number_text(p, v);
    }
    else if (v != NULL && !json_is_null(v)) {
        /* a boolean is no identifier: surely a wrong path */
        issue = "must be a string or a number";
    }
    if (issue != NULL) {
        leads_problem_add(problems, target_external_id, issue);
    }
    json_decref(v);
}

/* A JSON number for text that is exactly one, else NULL. jansson's parser
 * is the JSON grammar, so "0x10", "inf" or "1e999" are not numbers. */
static json_t *form_number(const char *s)
{
    json_t *v = json_loads(s, JSON_DECODE_ANY, NULL);

    if (v != NULL && !json_is_number(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

static json_t *form_boolean(const char *s)
{
    static const char *const yes[] = { "true", "1", "on", "yes", NULL };
    static const char *const no[] = { "false", "0", "off", "no", NULL };
    int i;

    for (i = 0; yes[i] != NULL; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            return json_true();
        }
        if (strcasecmp(s, no[i]) == 0) {
            return json_false();
        }
    }
    return NULL;
}

/* A form string `v` (stolen) as the type of the firm's field: typed when
 * it converts, the string itself when not (the validator then says what
 * is wrong), NULL when empty for a non-text field. */
static json_t *form_typed(apr_pool_t *p, const leads_field_def_t *def,
                          json_t *v)
{
    const char *s;
    json_t *typed = NULL;

    if (def == NULL || def->type == LEADS_FIELD_TEXT) {
        return v;
    }
    s = leads_text_trim(p, json_string_value(v));
    if (*s == '\0') {
        json_decref(v);
        return NULL;
    }
    if (def->type == LEADS_FIELD_NUMBER) {
        typed = form_number(s);
    }
    else if (def->type == LEADS_FIELD_BOOLEAN) {
        typed = form_boolean(s);
    }
    if (typed == NULL) {
        return v;
    }
    json_decref(v);
    return typed;
}

static void map_data_field(apr_pool_t *p, const leads_mapping_t *m,
                           const body_t *b, const char *name,
                           const apr_array_header_t *fields, json_t *data,
                           leads_mapped_t *out)
{
    const char *target = apr_pstrcat(p, DATA_PREFIX, name, NULL);
    json_t *v = body_get(b, origin_path(p, m, target, out));

    if (v != NULL && b->form != NULL) {
        v = form_typed(p, leads_field_def_find(fields, name), v);
    }
    if (v != NULL && !json_is_null(v)) {
        json_object_set(data, name, v);
    }
    json_decref(v);
}

static int mapping_has(const leads_mapping_t *m, const char *target)
{
    int i;

    for (i = 0; m != NULL && i < m->rules->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(m->rules, i, leads_mapping_rule_t).target,
                   target) == 0) {
            return 1;
        }
    }
    return 0;
}

/* data.<field>: the mapped targets first, in the mapping's order, then
 * the firm's fields the mapping leaves to their default path. */
static void map_data(apr_pool_t *p, const leads_mapping_t *m, const body_t *b,
                     const apr_array_header_t *fields, leads_mapped_t *out)
{
    json_t *data = json_object();
    const char *target;
    int i;

    for (i = 0; m != NULL && i < m->rules->nelts; i++) {
        target = APR_ARRAY_IDX(m->rules, i, leads_mapping_rule_t).target;
        if (strncmp(target, DATA_PREFIX, DATA_PREFIX_LEN) == 0) {
            map_data_field(p, m, b, target + DATA_PREFIX_LEN, fields, data,
                           out);
        }
    }
    for (i = 0; fields != NULL && i < fields->nelts; i++) {
        const char *name = APR_ARRAY_IDX(fields, i, leads_field_def_t).name;

        if (!mapping_has(m, apr_pstrcat(p, DATA_PREFIX, name, NULL))) {
            map_data_field(p, m, b, name, fields, data, out);
        }
    }
    if (json_object_size(data) > 0) {
        json_object_set(out->lead, "data", data);
    }
    json_decref(data);
}

static int mapping_apply(apr_pool_t *p, const leads_mapping_t *m,
                         const body_t *b, const apr_array_header_t *fields,
                         leads_mapped_t *out, apr_array_header_t *problems)
{
    int before = problems->nelts;
    int i;

    out->lead = json_object();
    leads_json_pool_owns(p, out->lead);
    out->external_id = NULL;
    out->origins = apr_hash_make(p);
    for (i = 0; text_targets[i] != NULL; i++) {
        map_text_field(p, m, b, text_targets[i], out);
    }
    map_external_id(p, m, b, out, problems);
    map_data(p, m, b, fields, out);
    return problems->nelts - before;
}

int leads_mapping_apply_json(apr_pool_t *p, const leads_mapping_t *m,
                             json_t *payload,
                             const apr_array_header_t *fields,
                             leads_mapped_t *out,
                             apr_array_header_t *problems)
{
    body_t b = { payload, NULL };

    return mapping_apply(p, m, &b, fields, out, problems);
}

int leads_mapping_apply_form(apr_pool_t *p, const leads_mapping_t *m,
                             const leads_form_t *form,
                             const apr_array_header_t *fields,
                             leads_mapped_t *out,
                             apr_array_header_t *problems)
{
    body_t b = { NULL, form };

    return mapping_apply(p, m, &b, fields, out, problems);
}

const char *leads_mapping_label(apr_pool_t *p, const leads_mapped_t *mapped,
                                const char *field)
{
    const char *origin = apr_hash_get(mapped->origins, field,
                                      APR_HASH_KEY_STRING);

    if (origin == NULL || strcmp(origin, field) == 0) {
        return field;
    }
    return apr_pstrcat(p, field, " (from ", origin, ")", NULL);
}
