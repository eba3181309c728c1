/* UTF-8 text helpers for validation. Input is valid UTF-8 (jansson checks). */
#ifndef LEADS_TEXT_H
#define LEADS_TEXT_H

#include <apr_pools.h>

/* Copy of `s` without leading/trailing ASCII white space. */
char *leads_text_trim(apr_pool_t *p, const char *s);

/* Number of Unicode code points in `s`. */
apr_size_t leads_text_length(const char *s);

/* Non-zero if `s` holds a C0 or C1 control character or DEL. */
int leads_text_has_control(const char *s);

/* Non-zero if `s` is one of the strings of `list` (NULL-ended), exactly. */
int leads_text_in_list(const char *const *list, const char *s);

#endif
