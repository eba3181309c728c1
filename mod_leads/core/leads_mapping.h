/* Ingestion mapping (docs/api.md §6.3): an ingestion source's payload, JSON or
 * form, turned into a body shaped like an API-mode request, which the
 * caller then validates with leads_validate_lead() exactly as in API mode
 * (with allow_unknown_top_level). Pure C over jansson and APR, no httpd
 * types, so it is unit-tested directly. */
#ifndef LEADS_MAPPING_H
#define LEADS_MAPPING_H

#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

#include "leads_form.h"
#include "leads_json.h"
#include "leads_validate.h"

/* An external id is at most this many characters. */
#define LEADS_EXTERNAL_ID_MAX_CHARS 255

/* One entry of a stored mapping: lead field <- payload path. */
typedef struct {
    const char *target;                 /* "email", "external_id",
                                         * "data.caseType", … */
    const char *path;                   /* "contact.email", "items.0.v" */
} leads_mapping_rule_t;

typedef struct {
    apr_array_header_t *rules;          /* leads_mapping_rule_t, stored
                                         * order, one per target */
} leads_mapping_t;

/* What a payload maps to. Everything lives in the pool given to the apply
 * function; `lead` is released by a cleanup on that pool (as
 * leads_validate_lead() does for its `data`). */
typedef struct {
    /* {first_name, last_name, email, phone, assignee_id, data:{…}} with
     * only the keys whose path was found (and not null), so the validator
     * says "is required" where a required one is missing. Never `source`:
     * the caller sets it to the source's name. `data` is absent when no
     * data field was found. */
    json_t *lead;
    /* The external id as text (trimmed), NULL when absent or empty. */
    const char *external_id;
    /* Lead field as the validator names it ("email", "data.caseType",
     * "external_id") -> the path that was looked up for it, found or not
     * ("contact.email", or the default "email"). */
    apr_hash_t *origins;
} leads_mapped_t;

/* Non-zero when `target` is a lead field a mapping may fill: first_name,
 * last_name, email, phone, assignee_id, external_id, or data.<field> for
 * any non-empty field name (a firm may define the field after the
 * mapping; data the firm does not define is dropped at ingestion). */
int leads_mapping_target_valid(const char *target);

/* The targets leads_mapping_target_valid() accepts, as text for a
 * message: "first_name, …, external_id or data.<field>". */
const char *leads_mapping_targets_text(apr_pool_t *p);

/* NULL when `path` may be a mapping's path, else why not ("must not be
 * empty", …): a non-empty string of at most LEADS_PATH_MAX_SEGMENTS
 * non-empty dot-separated segments, at most LEADS_PATH_MAX_BYTES bytes,
 * no control characters; what leads_json_path() follows. A plain form
 * field name is such a path. */
const char *leads_mapping_path_issue(const char *path);

/* Parse a stored mapping, a JSON object {"target": "path", …}: each target
 * valid (leads_mapping_target_valid()) and mapped at most once, each path
 * a string without an issue (leads_mapping_path_issue()). NULL or "" text
 * is the empty mapping (every target by default).
 *
 * Returns NULL and sets *out, or a message for the operator (the first
 * problem found) and leaves *out NULL. */
const char *leads_mapping_parse(apr_pool_t *p, const char *json_text,
                                leads_mapping_t **out);

/* The path for `target`: the mapped one, else the default, which is the
 * target's own name ("email" -> "email", "data.x" -> "data.x", i.e.
 * payload["data"]["x"] in JSON) except "externalId" for external_id.
 * `m` may be NULL (no mapping). */
const char *leads_mapping_path(const leads_mapping_t *m, const char *target);

/* Map a JSON payload (`payload` is only read). Looked up: the five lead
 * fields, external_id, every data.<field> target of the mapping, and by
 * default data.<name> for each of the firm's `fields` (leads_field_def_t,
 * may be NULL) the mapping does not cover. Other payload members are
 * ignored.
 *
 * Values: for a string field, a string is passed as it is (the validator
 * checks it), a number or boolean becomes its text (4155550100 ->
 * "4155550100"), null is absent, an object or array is passed as it is
 * (the validator says "must be a string"). A data value is passed as it
 * is; the validator type-checks it. The external id may be a string or a
 * number (as text); empty after trimming is absent.
 *
 * Appends a leads_problem_t to `problems` for each value the mapping
 * cannot use (an external id that is an object, array or boolean, holds
 * control characters, or is longer than LEADS_EXTERNAL_ID_MAX_CHARS).
 * Returns the number of problems added. */
int leads_mapping_apply_json(apr_pool_t *p, const leads_mapping_t *m,
                             json_t *payload,
                             const apr_array_header_t *fields,
                             leads_mapped_t *out,
                             apr_array_header_t *problems);

/* The same over a decoded form body: paths are plain field names matched
 * exactly (a dot is part of the name), every value is a string. A data
 * value is converted to the type of the firm's field of that name:
 * number -> a JSON number when the trimmed text is one ("42", "-4.5",
 * "1e3"); boolean -> true for true/1/on/yes, false for false/0/off/no
 * (case-insensitive, trimmed); anything else is left a string for the
 * validator to refuse. An empty value of a number, boolean, date or
 * choice field is absent, as an unfilled form input sends "". */
int leads_mapping_apply_form(apr_pool_t *p, const leads_mapping_t *m,
                             const leads_form_t *form,
                             const apr_array_header_t *fields,
                             leads_mapped_t *out,
                             apr_array_header_t *problems);

/* "email (from contact.email)" for a problem's field, or `field` as it is
 * when it has no origin or the origin is the same text. */
const char *leads_mapping_label(apr_pool_t *p, const leads_mapped_t *mapped,
                                const char *field);

#endif
