/* The webhook retry schedule: parsing LeadsWebhookRetrySchedule and
 * looking up the delay before a retry. */
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "leads_schedule.h"

#define DIRECTIVE "LeadsWebhookRetrySchedule"
#define DELAY_FORM \
    "a whole number and a unit ms, s, m or h, e.g. 200ms, 5s, 5m, 2h"

typedef struct {
    const char *name;
    apr_interval_time_t usec;
} delay_unit_t;

static const delay_unit_t units[] = {
    { "ms", APR_TIME_C(1000) },
    { "s",  APR_USEC_PER_SEC },
    { "m",  APR_USEC_PER_SEC * 60 },
    { "h",  APR_USEC_PER_SEC * 3600 },
};

static const delay_unit_t *unit_named(const char *name)
{
    apr_size_t i;

    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(name, units[i].name) == 0) {
            return &units[i];
        }
    }
    return NULL;
}

const char *leads_delay_parse(apr_pool_t *p, const char *token,
                              apr_interval_time_t *delay)
{
    const delay_unit_t *unit;
    apr_uint64_t n = 0;
    const char *c;
    int too_big = 0;

    if (token == NULL || *token == '\0') {
        return "an empty delay: use " DELAY_FORM;
    }
    if (!apr_isdigit(*token)) {
        return apr_psprintf(p, "'%s' is not a delay: use " DELAY_FORM,
                            token);
    }
    /* Digits beyond the largest allowed delay in ms are not needed to
     * refuse it, and stopping there keeps n from overflowing. */
    for (c = token; apr_isdigit(*c); c++) {
        n = n * 10 + (apr_uint64_t)(*c - '0');
        if (n > (apr_uint64_t)LEADS_SCHEDULE_MAX_DELAY) {
            too_big = 1;
            n = (apr_uint64_t)LEADS_SCHEDULE_MAX_DELAY + 1;
        }
    }
    if (*c == '\0') {
        return apr_psprintf(p, "'%s' has no unit: use " DELAY_FORM, token);
    }
    unit = unit_named(c);
    if (unit == NULL) {
        return apr_psprintf(p, "'%s': the unit must be ms, s, m or h",
                            token);
    }
    if (n == 0) {
        return apr_psprintf(p, "'%s': a delay must be more than 0", token);
    }
    if (too_big
        || n > (apr_uint64_t)(LEADS_SCHEDULE_MAX_DELAY / unit->usec)) {
        return apr_psprintf(p, "'%s' is longer than the longest delay "
                            "allowed, 168h (7 days)", token);
    }
    *delay = (apr_interval_time_t)n * unit->usec;
    return NULL;
}

const char *leads_schedule_parse_argv(apr_pool_t *p, int argc,
                                      char *const argv[],
                                      leads_schedule_t **schedule)
{
    apr_interval_time_t *delays;
    leads_schedule_t *s;
    const char *err;
    int i;

    if (argc < 1) {
        return DIRECTIVE " needs at least one delay (" DELAY_FORM ")";
    }
    if (argc > LEADS_SCHEDULE_MAX_DELAYS) {
        return apr_psprintf(p, DIRECTIVE " takes at most %d delays, not %d",
                            LEADS_SCHEDULE_MAX_DELAYS, argc);
    }
    delays = apr_palloc(p, sizeof(*delays) * (apr_size_t)argc);
    for (i = 0; i < argc; i++) {
        err = leads_delay_parse(p, argv[i], &delays[i]);
        if (err != NULL) {
            return apr_pstrcat(p, DIRECTIVE ": ", err, NULL);
        }
    }
    s = apr_palloc(p, sizeof(*s));
    s->count = argc;
    s->delays = delays;
    *schedule = s;
    return NULL;
}

const char *leads_schedule_parse(apr_pool_t *p, const char *text,
                                 leads_schedule_t **schedule)
{
    apr_array_header_t *tokens = apr_array_make(p, 8, sizeof(char *));
    char *copy = apr_pstrdup(p, text != NULL ? text : "");
    char *state = NULL, *tok;

    for (tok = apr_strtok(copy, " \t", &state); tok != NULL;
         tok = apr_strtok(NULL, " \t", &state)) {
        APR_ARRAY_PUSH(tokens, char *) = tok;
    }
    return leads_schedule_parse_argv(p, tokens->nelts,
                                     (char *const *)tokens->elts, schedule);
}

int leads_schedule_attempts(const leads_schedule_t *schedule)
{
    return schedule->count + 1;
}

int leads_schedule_delay(const leads_schedule_t *schedule, int k,
                         apr_interval_time_t *delay)
{
    if (k < 1 || k > schedule->count) {
        return 0;
    }
    *delay = schedule->delays[k - 1];
    return 1;
}
