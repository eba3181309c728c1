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

/* Units of a duration, longest name first so "ms" is not read as "m". */
static const struct {
    const char *name;
    apr_interval_time_t usec;
} duration_units[] = {
    { "ms", APR_USEC_PER_SEC / 1000 },
    { "s", APR_USEC_PER_SEC },
    { "m", 60 * APR_USEC_PER_SEC },
    { "h", 3600 * APR_USEC_PER_SEC },
    { "d", 86400 * APR_USEC_PER_SEC },
};

int leads_duration_parse(const char *s, apr_interval_time_t *out)
{
    apr_int64_t n = 0;
    apr_size_t i;

    if (s == NULL || !apr_isdigit(*s)) {
        return 0;
    }
    /* stops at 10 digits: more could only mean a typo, and n stays small */
    for (i = 0; apr_isdigit(*s); s++, i++) {
        if (i >= 10) {
            return 0;
        }
        n = n * 10 + (*s - '0');
    }
    for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
        if (strcmp(s, duration_units[i].name) == 0) {
            if (n <= 0 || n > LEADS_DURATION_MAX / duration_units[i].usec) {
                return 0;
            }
            *out = n * duration_units[i].usec;
            return 1;
        }
    }
    return 0;
}

/* The fields of "YYYY-MM-DDTHH:MM:SS" at `s` into `tm`; 0 when malformed. */
static int parse_iso_fields(const char *s, apr_time_exp_t *tm)
{
    char date[11];

    if (strlen(s) < 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
        return 0;
    }
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!leads_date_valid(date)) {
        return 0;
    }
    memset(tm, 0, sizeof(*tm));
    tm->tm_year = parse_digits(s, 4) - 1900;
    tm->tm_mon = parse_digits(s + 5, 2) - 1;
    tm->tm_mday = parse_digits(s + 8, 2);
    tm->tm_hour = parse_digits(s + 11, 2);
    tm->tm_min = parse_digits(s + 14, 2);
    tm->tm_sec = parse_digits(s + 17, 2);
    return tm->tm_hour >= 0 && tm->tm_hour < 24 && tm->tm_min >= 0
        && tm->tm_min < 60 && tm->tm_sec >= 0 && tm->tm_sec < 60;
}

int leads_time_parse_iso(const char *s, apr_time_t *out)
{
    apr_time_exp_t tm;
    const char *rest;
    int ms = 0;

    if (s == NULL || !parse_iso_fields(s, &tm)) {
        return 0;
    }
    rest = s + 19;
    if (*rest == '.') {
        if ((ms = parse_digits(rest + 1, 3)) < 0) {
            return 0;
        }
        rest += 4;
    }
    if (strcmp(rest, "Z") != 0
        || apr_time_exp_gmt_get(out, &tm) != APR_SUCCESS) {
        return 0;
    }
    *out += apr_time_from_msec(ms);
    return 1;
}
