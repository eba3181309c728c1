/* UUIDv7 generation (RFC 9562) and parsing of client UUIDs. */
#include <string.h>

#include <apr_general.h>
#include <apr_lib.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "leads_uuid.h"
#include "tap.h"

static int lowercase_uuid_shape(const char *u)
{
    int i;

    for (i = 0; i < LEADS_UUID_LEN; i++) {
        int dash = (i == 8 || i == 13 || i == 18 || i == 23);

        if (dash ? u[i] != '-'
                 : !(apr_isdigit(u[i]) || (u[i] >= 'a' && u[i] <= 'f'))) {
            return 0;
        }
    }
    return u[LEADS_UUID_LEN] == '\0';
}

static void test_v7(apr_pool_t *p)
{
    /* 2025-01-01T00:00:00.123Z = 1735689600123 ms = 0x01941f297c7b */
    apr_time_t t = apr_time_from_msec(APR_INT64_C(1735689600123));
    const char *a = NULL, *b = NULL, *later = NULL;

    is_int(leads_uuid_v7(p, t, &a), APR_SUCCESS, "v7 generated");
    ok(a != NULL && lowercase_uuid_shape(a), "lowercase 8-4-4-4-12");
    is_str(apr_pstrmemdup(p, a, 13), "01941f29-7c7b",
           "first 48 bits are the Unix milliseconds");
    ok(a[14] == '7', "version nibble is 7");
    ok(strchr("89ab", a[19]) != NULL, "variant bits are 10");
    leads_uuid_v7(p, t, &b);
    ok(strcmp(a, b) != 0, "same millisecond, different random bits");
    leads_uuid_v7(p, t + apr_time_from_msec(1), &later);
    ok(strcmp(a, later) < 0 && strcmp(b, later) < 0,
       "a later millisecond sorts after");
    leads_uuid_v7(p, t + apr_time_from_sec(86400), &later);
    ok(strcmp(a, later) < 0, "a later day sorts after");
}

static void test_parse(apr_pool_t *p)
{
    const char *c = NULL;

    ok(leads_uuid_parse(p, "0190a3f2-7c4b-7d2e-9f00-1234567890ab", &c),
       "lowercase accepted");
    is_str(c, "0190a3f2-7c4b-7d2e-9f00-1234567890ab", "unchanged");
    ok(leads_uuid_parse(p, "0190A3F2-7C4B-7D2E-9F00-1234567890AB", &c),
       "uppercase accepted");
    is_str(c, "0190a3f2-7c4b-7d2e-9f00-1234567890ab", "canonical lowercase");
    ok(leads_uuid_parse(p, "550e8400-e29b-41d4-a716-446655440000", &c),
       "any version accepted");
    ok(!leads_uuid_parse(p, "0190a3f2-7c4b-7d2e-9f00-1234567890a", &c),
       "one digit short");
    ok(!leads_uuid_parse(p, "0190a3f2-7c4b-7d2e-9f00-1234567890abc", &c),
       "one digit long");
    ok(!leads_uuid_parse(p, "0190a3f27c4b7d2e9f001234567890ab", &c),
       "without dashes");
    ok(!leads_uuid_parse(p, "{0190a3f2-7c4b-7d2e-9f00-1234567890ab}", &c),
       "braces");
    ok(!leads_uuid_parse(p, "0190a3f2-7c4b-7d2e-9f00-1234567890ag", &c),
       "non-hex digit");
    ok(!leads_uuid_parse(p, "0190a3f2_7c4b-7d2e-9f00-1234567890ab", &c),
       "wrong separator");
    ok(!leads_uuid_parse(p, "", &c), "empty");
}

/* The deliverer reads a fresh delivery's lease from its event id. */
static void test_v7_time(apr_pool_t *p)
{
    apr_time_t now = apr_time_from_msec(1796281330723LL), t = 0;
    const char *id;

    leads_uuid_v7(p, now, &id);
    ok(leads_uuid_v7_time(id, &t), "a v7 id gives its time");
    is_int(t, now, "the time it was made for, to the millisecond");
    ok(leads_uuid_v7_time("01A23AB5-EC23-75C1-9B0D-7C1750408956", &t),
       "upper case reads too");
    is_int(apr_time_as_msec(t), 0x01a23ab5ec23LL, "48 bits of milliseconds");
    ok(!leads_uuid_v7_time("01a23ab5-ec23-45c1-9b0d-7c1750408956", &t),
       "a version 4 id has no time");
    ok(!leads_uuid_v7_time("01a23ab5ec23-75c1-9b0d-7c1750408956", &t),
       "a misplaced dash is refused");
    ok(!leads_uuid_v7_time("01a23ab5-ec2", &t), "a short id is refused");
    ok(!leads_uuid_v7_time("0x a23ab5-ec23-75c1-9b0d-7c1750408956", &t),
       "a non-hex digit is refused");
}

/* An event's deliveries are one range of the primary key. */
static void test_prefix(apr_pool_t *p)
{
    const char *ev = "01a23ab5-ec23-75c1-9b0d-7c1750408956", *lo, *hi;

    is_str(leads_uuid_prefix(p, ev), "01a23ab5-ec23-75c1-",
           "the prefix: time, version, rand_a and the dash after them");
    leads_uuid_prefix_range(p, ev, &lo, &hi);
    is_str(lo, "01a23ab5-ec23-75c1-0000-000000000000", "the range's low end");
    is_str(hi, "01a23ab5-ec23-75c1-ffff-ffffffffffff", "the range's high end");
    ok(strcmp(lo, ev) < 0 && strcmp(ev, hi) < 0,
       "the event id itself sorts inside its range");
    ok(strcmp("01a23ab5-ec23-75c0-ffff-ffffffffffff", lo) < 0
       && strcmp("01a23ab5-ec23-75c2-0000-000000000000", hi) > 0,
       "its neighbours sort outside it");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_v7(p);
    test_parse(p);
    test_v7_time(p);
    test_prefix(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
