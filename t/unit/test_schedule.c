/* LeadsWebhookRetrySchedule: delays with units, attempts = delays + 1. */
#include <stdio.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "leads_schedule.h"
#include "tap.h"

#define MS(n)  (APR_TIME_C(n) * 1000)
#define SEC(n) apr_time_from_sec(APR_TIME_C(n))

/* The parsed delay in microseconds, or -1 when refused. */
static apr_interval_time_t delay_of(apr_pool_t *p, const char *token)
{
    apr_interval_time_t d = -2;

    return leads_delay_parse(p, token, &d) == NULL ? d : -1;
}

static void test_units(apr_pool_t *p)
{
    is_int(delay_of(p, "200ms"), MS(200), "200ms");
    is_int(delay_of(p, "1ms"), MS(1), "1ms, the shortest");
    is_int(delay_of(p, "5s"), SEC(5), "5s");
    is_int(delay_of(p, "5m"), SEC(300), "5m");
    is_int(delay_of(p, "2h"), SEC(7200), "2h");
    is_int(delay_of(p, "90s"), SEC(90), "90s: no carrying into minutes");
    is_int(delay_of(p, "1500ms"), MS(1500), "1500ms");
    is_int(delay_of(p, "007s"), SEC(7), "leading zeros");
    is_int(delay_of(p, "168h"), SEC(7 * 24 * 3600), "168h, the longest");
    is_int(delay_of(p, "10080m"), SEC(7 * 24 * 3600), "10080m = 7 days");
    is_int(delay_of(p, "604800000ms"), SEC(7 * 24 * 3600),
           "604800000ms = 7 days");
}

static void test_bad_tokens(apr_pool_t *p)
{
    static const struct {
        const char *token, *name;
    } bad[] = {
        { "5",          "no unit" },
        { "5x",         "unknown unit" },
        { "5S",         "capital unit" },
        { "5sec",       "unit spelled out" },
        { "5 s",        "space before the unit" },
        { "5s ",        "trailing space" },
        { "1h30m",      "compound" },
        { "1.5s",       "fraction" },
        { "-1s",        "negative" },
        { "+1s",        "plus sign" },
        { "0s",         "zero" },
        { "0ms",        "zero ms" },
        { "000h",       "zero, leading zeros" },
        { "ms",         "unit alone" },
        { "s",          "s alone" },
        { "",           "empty" },
        { "169h",       "over 7 days" },
        { "604800001ms", "one ms over 7 days" },
        { "99999999999999999999999999s", "overflows 64 bits" },
        { "18446744073709551617ms", "2^64 + 1 ms" },
        { "0x10s",      "hex" },
        { "5d",         "days are not a unit" },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        is_int(delay_of(p, bad[i].token), -1, bad[i].name);
    }
    ok(leads_delay_parse(p, NULL, &(apr_interval_time_t){ 0 }) != NULL,
       "NULL token");
}

static void test_messages(apr_pool_t *p)
{
    apr_interval_time_t d;
    leads_schedule_t *s = NULL;
    char *argv[] = { "5s", "5x", "oops" };

    is_str(leads_delay_parse(p, "5", &d),
           "'5' has no unit: use a whole number and a unit ms, s, m or h, "
           "e.g. 200ms, 5s, 5m, 2h", "message: no unit");
    is_str(leads_delay_parse(p, "5x", &d),
           "'5x': the unit must be ms, s, m or h", "message: bad unit");
    is_str(leads_delay_parse(p, "-1s", &d),
           "'-1s' is not a delay: use a whole number and a unit ms, s, m "
           "or h, e.g. 200ms, 5s, 5m, 2h", "message: sign");
    is_str(leads_delay_parse(p, "0s", &d),
           "'0s': a delay must be more than 0", "message: zero");
    is_str(leads_delay_parse(p, "200h", &d),
           "'200h' is longer than the longest delay allowed, 168h (7 days)",
           "message: too long");
    is_str(leads_schedule_parse_argv(p, 3, argv, &s),
           "LeadsWebhookRetrySchedule: '5x': the unit must be ms, s, m or h",
           "schedule message names the directive and the first bad token");
    ok(s == NULL, "schedule left unset on error");
}

static void test_default(apr_pool_t *p)
{
    static const apr_interval_time_t want[] = {
        SEC(5), SEC(300), SEC(1800), SEC(7200), SEC(18000), SEC(36000),
        SEC(36000)
    };
    leads_schedule_t *s = NULL;
    apr_interval_time_t d = 0;
    char name[64];
    int k;

    ok(leads_schedule_parse(p, LEADS_SCHEDULE_DEFAULT, &s) == NULL,
       "default schedule parses");
    is_str(LEADS_SCHEDULE_DEFAULT, "5s 5m 30m 2h 5h 10h 10h",
           "default as in docs/directives.md §4.3");
    is_int(s->count, 7, "7 delays");
    is_int(leads_schedule_attempts(s), 8, "8 attempts");
    for (k = 1; k <= 7; k++) {
        snprintf(name, sizeof(name), "delay before retry %d", k);
        d = 0;
        ok(leads_schedule_delay(s, k, &d) && d == want[k - 1], name);
    }
    d = 42;
    is_int(leads_schedule_delay(s, 8, &d), 0,
           "after the 8th attempt: spent");
    is_int(d, 42, "spent: delay untouched");
    is_int(leads_schedule_delay(s, 100, &d), 0, "far past the end: spent");
    is_int(leads_schedule_delay(s, 0, &d), 0, "k = 0: no delay");
    is_int(leads_schedule_delay(s, -1, &d), 0, "negative k: no delay");
}

static void test_schedules(apr_pool_t *p)
{
    leads_schedule_t *s = NULL;
    apr_interval_time_t d = 0;
    char *one[] = { "200ms" };
    char *many[LEADS_SCHEDULE_MAX_DELAYS + 1];
    int i;

    ok(leads_schedule_parse_argv(p, 1, one, &s) == NULL
       && s->count == 1 && leads_schedule_attempts(s) == 2,
       "one delay: 2 attempts");
    ok(leads_schedule_delay(s, 1, &d) && d == MS(200), "its delay");
    ok(!leads_schedule_delay(s, 2, &d), "then spent");

    ok(leads_schedule_parse(p, "  1s\t2m   3h ", &s) == NULL
       && s->count == 3, "blanks and tabs between tokens");
    ok(leads_schedule_delay(s, 3, &d) && d == SEC(3 * 3600), "last is 3h");
    ok(leads_schedule_parse(p, "5m 5s", &s) == NULL,
       "delays need not grow");

    ok(leads_schedule_parse_argv(p, 0, one, &s) != NULL, "no delays");
    ok(leads_schedule_parse(p, "", &s) != NULL, "empty string");
    ok(leads_schedule_parse(p, " \t ", &s) != NULL, "only blanks");
    ok(leads_schedule_parse(p, NULL, &s) != NULL, "NULL string");
    ok(leads_schedule_parse(p, "5s 5m 0s", &s) != NULL,
       "a bad token anywhere refuses the schedule");

    for (i = 0; i <= LEADS_SCHEDULE_MAX_DELAYS; i++) {
        many[i] = "1s";
    }
    ok(leads_schedule_parse_argv(p, LEADS_SCHEDULE_MAX_DELAYS, many, &s)
       == NULL && leads_schedule_attempts(s) == 51, "50 delays allowed");
    is_str(leads_schedule_parse_argv(p, LEADS_SCHEDULE_MAX_DELAYS + 1, many,
                                     &s),
           "LeadsWebhookRetrySchedule takes at most 50 delays, not 51",
           "51 delays refused");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_units(p);
    test_bad_tokens(p);
    test_messages(p);
    test_default(p);
    test_schedules(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
