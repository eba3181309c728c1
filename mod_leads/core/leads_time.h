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

#endif
