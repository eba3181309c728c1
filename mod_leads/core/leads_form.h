/* application/x-www-form-urlencoded bodies for ingestion mode
 * (docs/api.md §6.2):
 * pure C over APR, no httpd types, so it is unit-tested directly. */
#ifndef LEADS_FORM_H
#define LEADS_FORM_H

#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_tables.h>

/* One decoded name=value pair. */
typedef struct {
    const char *name;
    const char *value;
} leads_form_pair_t;

/* A decoded form body. Names are matched exactly (an apr_table_t would
 * match them case-insensitively, and "Email" is not "email" in a form). */
typedef struct {
    apr_array_header_t *pairs;          /* leads_form_pair_t: the first of
                                         * each name, in body order */
    apr_hash_t *values;                 /* name -> value (const char *) */
} leads_form_t;

/* Decode `len` bytes of `body` into *form (allocated in `p`).
 *
 * Pairs are split on '&'; empty pairs ("a=1&&b=2") are skipped; a pair
 * without '=' has the value ""; '+' is a space and %XX a byte, in names
 * and values alike. A repeated name keeps its FIRST value.
 *
 * Returns APR_SUCCESS, or APR_EINVAL (the caller answers 400) when a '%'
 * is not followed by two hex digits, or a decoded name or value holds a
 * NUL byte or is not valid UTF-8. *form is NULL on error. */
apr_status_t leads_form_parse(apr_pool_t *p, const char *body, apr_size_t len,
                              leads_form_t **form);

/* An empty form, for a parser of another encoding (leads_multipart.c). */
leads_form_t *leads_form_make(apr_pool_t *p);

/* Add a copy of `name` and `value` (`*_len` bytes each) unless the name is
 * already there (the first value wins, as in leads_form_parse()).
 * APR_EINVAL when either holds a NUL byte or is not valid UTF-8. */
apr_status_t leads_form_add(apr_pool_t *p, leads_form_t *form,
                            const char *name, apr_size_t name_len,
                            const char *value, apr_size_t value_len);

/* The value of the field named exactly `name`, or NULL when absent. */
const char *leads_form_get(const leads_form_t *form, const char *name);

#endif
