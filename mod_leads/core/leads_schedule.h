/* The webhook retry schedule (docs/directives.md §4.3, docs/api.md
 * §9.4): `LeadsWebhookRetrySchedule
 * d1 d2 ...`, the delays before each retry. A delivery gets the first
 * attempt plus one retry per delay, so attempts = delays + 1. */
#ifndef LEADS_SCHEDULE_H
#define LEADS_SCHEDULE_H

#include <apr_pools.h>
#include <apr_time.h>

#define LEADS_SCHEDULE_DEFAULT    "5s 5m 30m 2h 5h 10h 10h"
/* Bounds that keep a typo from meaning "retry for a year". */
#define LEADS_SCHEDULE_MAX_DELAYS 50
#define LEADS_SCHEDULE_MAX_DELAY  apr_time_from_sec(7 * 24 * 3600)

typedef struct {
    int count;                          /* delays, at least 1 */
    const apr_interval_time_t *delays;  /* delays[0] is before retry 1 */
} leads_schedule_t;

/* One delay: a positive whole number followed at once by ms, s, m or h
 * (lowercase), e.g. "200ms", "5s", "5m", "2h"; at most 7 days. NULL on
 * success, else a message for the directive handler to return. */
const char *leads_delay_parse(apr_pool_t *p, const char *token,
                              apr_interval_time_t *delay);

/* The directive's arguments (1 to LEADS_SCHEDULE_MAX_DELAYS tokens, as
 * AP_INIT_TAKE_ARGV passes them). NULL on success, else a message naming
 * the first bad token. */
const char *leads_schedule_parse_argv(apr_pool_t *p, int argc,
                                      char *const argv[],
                                      leads_schedule_t **schedule);

/* The same from one string of blank-separated tokens, e.g. the default. */
const char *leads_schedule_parse(apr_pool_t *p, const char *text,
                                 leads_schedule_t **schedule);

/* Attempts a delivery gets in all: count + 1. */
int leads_schedule_attempts(const leads_schedule_t *schedule);

/* The delay before retry `k` (k = 1 is the first retry, due after the
 * first attempt failed; in general after k attempts failed). Returns 1
 * and sets *delay, or 0 when the schedule is spent (k > count; also for
 * k < 1) and the delivery is failed. */
int leads_schedule_delay(const leads_schedule_t *schedule, int k,
                         apr_interval_time_t *delay);

#endif
