/* UUIDv7 generation (RFC 9562 §5.7) and parsing of client UUIDs. */
#include <apr_general.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "leads_uuid.h"

#define UUID_BYTES 16

/* Dashes sit before these byte indexes in the 8-4-4-4-12 form. */
static int uuid_dash_before(int byte)
{
    return byte == 4 || byte == 6 || byte == 8 || byte == 10;
}

static const char *uuid_format(apr_pool_t *p, const unsigned char *b)
{
    static const char hex[] = "0123456789abcdef";
    char *out = apr_palloc(p, LEADS_UUID_LEN + 1);
    char *o = out;
    int i;

    for (i = 0; i < UUID_BYTES; i++) {
        if (uuid_dash_before(i)) {
            *o++ = '-';
        }
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 0x0F];
    }
    *o = '\0';
    return out;
}

/* 48 bits of Unix milliseconds first, so ids sort by creation time and
 * index well; the remaining 74 bits are random. */
apr_status_t leads_uuid_v7(apr_pool_t *p, apr_time_t now, const char **out)
{
    unsigned char b[UUID_BYTES];
    apr_uint64_t ms = (apr_uint64_t)apr_time_as_msec(now);
    apr_status_t rv;
    int i;

    rv = apr_generate_random_bytes(b + 6, UUID_BYTES - 6);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < 6; i++) {
        b[i] = (unsigned char)(ms >> (8 * (5 - i)));
    }
    b[6] = 0x70 | (b[6] & 0x0F);        /* version 7 */
    b[8] = 0x80 | (b[8] & 0x3F);        /* variant 10 */
    *out = uuid_format(p, b);
    return APR_SUCCESS;
}

int leads_uuid_parse(apr_pool_t *p, const char *in, const char **canonical)
{
    char *lower;
    int i;

    for (i = 0; i < LEADS_UUID_LEN; i++) {
        int dash = (i == 8 || i == 13 || i == 18 || i == 23);

        if (dash ? in[i] != '-' : !apr_isxdigit(in[i])) {
            return 0;
        }
    }
    if (in[LEADS_UUID_LEN] != '\0') {
        return 0;
    }
    lower = apr_pstrdup(p, in);
    for (i = 0; i < LEADS_UUID_LEN; i++) {
        lower[i] = apr_tolower(lower[i]);
    }
    *canonical = lower;
    return 1;
}

/* The first 12 hex digits (8-4) are the milliseconds; the 13th, after
 * the second dash, is the version. */
int leads_uuid_v7_time(const char *uuid, apr_time_t *t)
{
    apr_uint64_t ms = 0;
    int i;

    for (i = 0; i < 13; i++) {
        char c = uuid[i];

        if (i == 8) {
            if (c != '-') {
                return 0;
            }
            continue;
        }
        if (!apr_isxdigit(c)) {
            return 0;
        }
        ms = (ms << 4) | (apr_uint64_t)(apr_isdigit(c) ? c - '0'
                                        : apr_tolower(c) - 'a' + 10);
    }
    if (uuid[13] != '-' || uuid[14] != '7') {
        return 0;
    }
    *t = apr_time_from_msec(ms);
    return 1;
}

const char *leads_uuid_prefix(apr_pool_t *p, const char *uuid)
{
    return apr_pstrndup(p, uuid, LEADS_UUID_PREFIX_LEN);
}

void leads_uuid_prefix_range(apr_pool_t *p, const char *uuid,
                             const char **lo, const char **hi)
{
    const char *prefix = leads_uuid_prefix(p, uuid);

    *lo = apr_pstrcat(p, prefix, LEADS_UUID_TAIL_LO, NULL);
    *hi = apr_pstrcat(p, prefix, LEADS_UUID_TAIL_HI, NULL);
}
