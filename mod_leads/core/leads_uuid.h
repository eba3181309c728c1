/* UUIDs: time-ordered v7 for new rows (RFC 9562), parsing of client input. */
#ifndef LEADS_UUID_H
#define LEADS_UUID_H

#include <apr_pools.h>
#include <apr_time.h>

#define LEADS_UUID_LEN 36

/* New UUIDv7 for time `now`, lowercase, 8-4-4-4-12. Random bits from
 * apr_generate_random_bytes(). */
apr_status_t leads_uuid_v7(apr_pool_t *p, apr_time_t now, const char **out);

/* Non-zero when `uuid` is a version 7 UUID as leads_uuid_v7() writes it;
 * sets *t to its time (milliseconds). */
int leads_uuid_v7_time(const char *uuid, apr_time_t *t);

/* Non-zero when `in` is a UUID in 8-4-4-4-12 hex form (any case); sets
 * *canonical to its lowercase copy. */
int leads_uuid_parse(apr_pool_t *p, const char *in, const char **canonical);

#endif
