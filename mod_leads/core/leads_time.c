/* Timestamps as the API shows them, and calendar dates (docs/api.md
 * §4.3, §4.4). */
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "leads_time.h"

apr_time_t leads_time_ms(apr_time_t t)
{
    return apr_time_from_msec(apr_time_as_msec(t));
}

const char *leads_time_iso(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t tm;

    apr_time_exp_gmt(&tm, t);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_usec / 1000);
}

/* Gregorian rule: every 4th year, except centuries not divisible by 400. */
static int is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31 };

    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/* The value of `n` decimal digits at `s`, or -1 when one is not a digit. */
static int parse_digits(const char *s, int n)
{
    int value = 0;

    while (n-- > 0) {
        if (!apr_isdigit(*s)) {
            return -1;
        }
        value = value * 10 + (*s++ - '0');
    }
    return value;
}

/* Year 0000 is refused: there is no such year in the calendar, and the
 * SQL backends reject it. */
int leads_date_valid(const char *s)
{
    int year, month, day;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') {
        return 0;
    }
    year = parse_digits(s, 4);
    month = parse_digits(s + 5, 2);
    day = parse_digits(s + 8, 2);
    return year >= 1 && month >= 1 && month <= 12
        && day >= 1 && day <= days_in_month(year, month);
}
