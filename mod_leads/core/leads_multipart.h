/* multipart/form-data bodies for web forms (docs/api.md §10, RFC 7578):
 * text parts become a leads_form_t, as an urlencoded body does, so the
 * source's mapping applies the same way; file parts are not kept, only
 * named. Pure C over APR, no httpd types, bounded in every dimension,
 * unit-tested (t/unit/test_multipart.c) and fuzzed (t/fuzz/fuzz_multipart.c). */
#ifndef LEADS_MULTIPART_H
#define LEADS_MULTIPART_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "leads_form.h"

#define LEADS_MULTIPART_MAX_PARTS        128  /* text and file parts */
#define LEADS_MULTIPART_MAX_HEADERS      8    /* header lines per part */
#define LEADS_MULTIPART_MAX_HEADER_LINE  1024 /* bytes, CRLF excluded */
#define LEADS_MULTIPART_MAX_BOUNDARY     70   /* RFC 2046 */

/* The boundary parameter of a Content-Type (quoted or not), or NULL when
 * there is none or it is not 1-70 characters of RFC 2046's set. */
const char *leads_multipart_boundary(apr_pool_t *p, const char *content_type);

/* A parsed body. */
typedef struct {
    leads_form_t *form;                 /* the text parts, first value of
                                         * each name wins */
    apr_array_header_t *files;          /* const char *: the names of the
                                         * parts that carried a file
                                         * (filename= given), in order */
} leads_multipart_t;

/* Parse `len` bytes of `body` delimited by `boundary` (as returned by
 * leads_multipart_boundary()). A preamble before the first delimiter and
 * an epilogue after the last are ignored.
 *
 * Returns APR_SUCCESS and sets *out, or APR_EINVAL with *why (a sentence
 * for the client) when: the first delimiter or the closing one is missing;
 * more than LEADS_MULTIPART_MAX_PARTS parts; a part has more than
 * LEADS_MULTIPART_MAX_HEADERS header lines, a line longer than
 * LEADS_MULTIPART_MAX_HEADER_LINE, a folded or malformed line, no
 * Content-Disposition form-data with a name; or a text part's name or
 * value holds a NUL byte or is not valid UTF-8. */
apr_status_t leads_multipart_parse(apr_pool_t *p, const char *boundary,
                                   const char *body, apr_size_t len,
                                   leads_multipart_t **out, const char **why);

#endif
