/* Timestamps (UTC, milliseconds, Z) and calendar dates. */
#include <apr_general.h>
#include <apr_pools.h>

#include "leads_time.h"
#include "tap.h"

static void test_iso(apr_pool_t *p)
{
    /* 2025-01-01T00:00:00Z */
    apr_time_t t = apr_time_from_sec(APR_INT64_C(1735689600));

    is_str(leads_time_iso(p, 0), "1970-01-01T00:00:00.000Z", "epoch");
    is_str(leads_time_iso(p, t), "2025-01-01T00:00:00.000Z", "new year");
    is_str(leads_time_iso(p, t + 123456), "2025-01-01T00:00:00.123Z",
           "microseconds truncated to milliseconds");
    is_str(leads_time_iso(p, t - 1), "2024-12-31T23:59:59.999Z",
           "one microsecond before");
    /* 2024-02-29T12:34:56.789Z */
    is_str(leads_time_iso(p, apr_time_from_sec(APR_INT64_C(1709210096))
                             + 789000),
           "2024-02-29T12:34:56.789Z", "leap day");
}

static void test_ms(void)
{
    apr_time_t t = apr_time_from_sec(APR_INT64_C(1735689600));

    is_int(leads_time_ms(t + 123456), t + 123000, "truncated to ms");
    is_int(leads_time_ms(t + 999), t, "sub-millisecond dropped");
    is_int(leads_time_ms(t), t, "whole ms unchanged");
}

static void test_dates(void)
{
    ok(leads_date_valid("2024-02-29"), "2024-02-29: leap year");
    ok(!leads_date_valid("2025-02-29"), "2025-02-29: not a leap year");
    ok(!leads_date_valid("2024-02-30"), "2024-02-30: never");
    ok(leads_date_valid("2000-02-29"), "2000: divisible by 400");
    ok(!leads_date_valid("1900-02-29"), "1900: century, not leap");
    ok(leads_date_valid("2025-12-31"), "last day of the year");
    ok(!leads_date_valid("2025-04-31"), "April has 30 days");
    ok(!leads_date_valid("2025-13-01"), "month 13");
    ok(!leads_date_valid("2025-00-10"), "month 0");
    ok(!leads_date_valid("2025-01-00"), "day 0");
    ok(!leads_date_valid("0000-01-01"), "year 0");
    ok(!leads_date_valid("2025-1-01"), "one-digit month");
    ok(!leads_date_valid("2025/01/01"), "slashes");
    ok(!leads_date_valid("2025-01-01T00:00:00Z"), "with a time");
    ok(!leads_date_valid("2025-01-0a"), "letter");
    ok(!leads_date_valid(""), "empty");
}

static void test_durations(void)
{
    apr_interval_time_t d = 0;

    ok(leads_duration_parse("24h", &d) && d == apr_time_from_sec(86400),
       "24h");
    ok(leads_duration_parse("30d", &d) && d == apr_time_from_sec(30 * 86400),
       "30d");
    ok(leads_duration_parse("500ms", &d) && d == apr_time_from_msec(500),
       "500ms");
    ok(leads_duration_parse("90s", &d) && d == apr_time_from_sec(90), "90s");
    ok(leads_duration_parse("5m", &d) && d == apr_time_from_sec(300), "5m");
    ok(!leads_duration_parse("0s", &d), "0s: not positive");
    ok(!leads_duration_parse("10", &d), "no unit");
    ok(!leads_duration_parse("10w", &d), "unknown unit");
    ok(!leads_duration_parse("-1h", &d), "negative");
    ok(!leads_duration_parse("3651d", &d), "beyond 10 years");
    ok(!leads_duration_parse("99999999999s", &d), "11 digits");
    ok(!leads_duration_parse("", &d), "empty");
}

static void test_parse_iso(apr_pool_t *p)
{
    apr_time_t t = 0, now = leads_time_ms(apr_time_now());

    ok(leads_time_parse_iso(leads_time_iso(p, now), &t) && t == now,
       "round trip with milliseconds");
    ok(leads_time_parse_iso("1970-01-01T00:00:10Z", &t)
       && t == apr_time_from_sec(10), "without milliseconds");
    ok(!leads_time_parse_iso("2026-02-30T00:00:00Z", &t), "no such day");
    ok(!leads_time_parse_iso("2026-01-01T24:00:00Z", &t), "hour 24");
    ok(!leads_time_parse_iso("2026-01-01T00:00:00", &t), "no Z");
    ok(!leads_time_parse_iso("2026-01-01", &t), "a date alone");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_iso(p);
    test_ms();
    test_dates();
    test_durations();
    test_parse_iso(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
