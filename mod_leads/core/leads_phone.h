/* Phone rules and E.164 normalisation (docs/api.md §4.2). Pure C. */
#ifndef LEADS_PHONE_H
#define LEADS_PHONE_H

#include <apr_pools.h>

/* Returns NULL when `phone` (trimmed, non-empty) is acceptable and sets
 * *normalized to E.164 where possible (docs/api.md §4.2), else as given.
 * `region` is an ISO 3166 alpha-2 code known to leads_phone_region_code(),
 * or NULL. */
const char *leads_phone_normalize(apr_pool_t *p, const char *phone,
                                  const char *region, const char **normalized);

/* Country calling code for an ISO region ("US" -> "1"), case-insensitive;
 * NULL when the region is not known. */
const char *leads_phone_region_code(const char *region);

#endif
