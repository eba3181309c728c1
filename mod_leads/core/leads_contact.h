/* Email rules and normalisation (docs/api.md §4.2). Pure C. Phone rules:
 * leads_phone.h. */
#ifndef LEADS_CONTACT_H
#define LEADS_CONTACT_H

#include <apr_pools.h>

/* Returns NULL when `email` (already trimmed, non-empty) is acceptable and
 * sets *normalized to its lowercased form; otherwise returns the issue. */
const char *leads_email_normalize(apr_pool_t *p, const char *email,
                                  const char **normalized);

#endif
