/* Timestamps as the API shows them: UTC, milliseconds, trailing Z. */
#ifndef LEADS_TIME_H
#define LEADS_TIME_H

#include <apr_pools.h>
#include <apr_time.h>

/* `t` truncated to milliseconds. */
apr_time_t leads_time_ms(apr_time_t t);

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" */
const char *leads_time_iso(apr_pool_t *p, apr_time_t t);

/* Non-zero when `s` is "YYYY-MM-DD" naming a real calendar date. */
int leads_date_valid(const char *s);

/* The longest duration leads_duration_parse() takes: 10 years. */
#define LEADS_DURATION_MAX (APR_INT64_C(3650) * 86400 * APR_USEC_PER_SEC)

/* A duration as directives and leadsctl take it: a positive whole number
 * followed at once by ms, s, m, h or d ("500ms", "90s", "24h", "30d"), at
 * most LEADS_DURATION_MAX. Returns 1 and sets *out, else 0. */
int leads_duration_parse(const char *s, apr_interval_time_t *out);

/* "YYYY-MM-DDTHH:MM:SSZ" or with milliseconds ("...SS.mmmZ"), UTC, as
 * leads_time_iso() writes it. Returns 1 and sets *out, else 0. */
int leads_time_parse_iso(const char *s, apr_time_t *out);

#endif
