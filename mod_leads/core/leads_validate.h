/* Validation of a lead payload (docs/api.md §4.2, §4.3): pure C over jansson and APR,
 * no httpd types, so it is unit-tested directly and fuzzed. */
#ifndef LEADS_VALIDATE_H
#define LEADS_VALIDATE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

typedef enum {
    LEADS_FIELD_TEXT,
    LEADS_FIELD_NUMBER,
    LEADS_FIELD_BOOLEAN,
    LEADS_FIELD_DATE,
    LEADS_FIELD_CHOICE
} leads_field_type_e;

/* One firm-defined `data` field. */
typedef struct {
    const char *name;
    leads_field_type_e type;
    int required;
    apr_array_header_t *choices;        /* const char *, for CHOICE */
} leads_field_def_t;

/* One validation problem, reported as {"field","issue"} in `details`. */
typedef struct {
    const char *field;
    const char *issue;
    const char *path;                   /* ingestion: the payload path */
} leads_problem_t;

/* Append the problem {field, issue} to `problems` (leads_problem_t); both
 * strings must live as long as the array. */
void leads_problem_add(apr_array_header_t *problems, const char *field,
                       const char *issue);

/* A validated, normalised lead. Strings live in the pool given to
 * leads_validate_lead(); `data` is released by a cleanup on that pool. */
typedef struct {
    const char *first_name;
    const char *last_name;
    const char *email;                  /* "" when absent, lowercased */
    const char *phone;                  /* "" when absent, E.164 when possible */
    const char *source;
    const char *assignee_id;            /* canonical lowercase UUID, or NULL */
    json_t *data;                       /* stored fields only, input order */
    apr_array_header_t *ignored;        /* const char *: "data.x" dropped keys */
} leads_lead_t;

typedef struct {
    const apr_array_header_t *fields;   /* leads_field_def_t, may be NULL */
    const char *phone_region;           /* ISO code or NULL */
    int allow_unknown_top_level;        /* ingestion mode ignores them */
} leads_validate_opts_t;

/* Validate `body` (a JSON object). Fills `out` and appends every problem to
 * `problems` (leads_problem_t). Returns the number of problems. */
int leads_validate_lead(apr_pool_t *p, json_t *body,
                        const leads_validate_opts_t *opts,
                        leads_lead_t *out, apr_array_header_t *problems);

/* The firm field named `name` (exact match), or NULL. */
const leads_field_def_t *leads_field_def_find(const apr_array_header_t *fields,
                                              const char *name);

/* Parse a field type name ("text", …); returns -1 when unknown. */
int leads_field_type_parse(const char *name);
const char *leads_field_type_name(leads_field_type_e type);

#endif
