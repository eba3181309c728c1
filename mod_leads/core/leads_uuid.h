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

/* An event's deliveries have ids that begin with the event id's first 64
 * bits (time, version, rand_a: 19 characters, the dash after them
 * included) and end with 64 random ones: still version 7, so they append
 * to the primary key's right edge, and an event's deliveries are one
 * range of the key, found without an index on the event id. */
#define LEADS_UUID_PREFIX_LEN 19
/* What follows the prefix in the lowest and the highest such id. */
#define LEADS_UUID_TAIL_LO "0000-000000000000"
#define LEADS_UUID_TAIL_HI "ffff-ffffffffffff"

/* The prefix of `uuid` (LEADS_UUID_PREFIX_LEN characters), and the lowest
 * and highest ids that begin with it. */
const char *leads_uuid_prefix(apr_pool_t *p, const char *uuid);
void leads_uuid_prefix_range(apr_pool_t *p, const char *uuid,
                             const char **lo, const char **hi);

/* Non-zero when `in` is a UUID in 8-4-4-4-12 hex form (any case); sets
 * *canonical to its lowercase copy. */
int leads_uuid_parse(apr_pool_t *p, const char *in, const char **canonical);

#endif
