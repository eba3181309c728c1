/* leadsctl status: the schema version against the latest this leadsctl
 * knows, how many firms, keys, sources and endpoints there are, and how
 * the outbox stands: pending and failed deliveries, and the age of the
 * oldest pending one (well beyond the retry schedule's length, it says
 * deliveries are not going out). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_time.h>
#include <jansson.h>

#include "leadsctl_cmd.h"
#include "leadsctl_db.h"
#include "leadsctl_out.h"
#include "leadsctl_status.h"

/* The counts, in the column order of COUNTS_SQL: one statement, so they
 * are read together. */
enum {
    ST_FIRMS, ST_KEYS, ST_SOURCES, ST_ENABLED, ST_DISABLED, ST_PENDING,
    ST_FAILED, ST_COUNTS
};

#define COUNTS_SQL \
    "SELECT (SELECT COUNT(*) FROM firms), (SELECT COUNT(*) FROM api_keys)," \
    " (SELECT COUNT(*) FROM sources)," \
    " (SELECT COUNT(*) FROM webhook_endpoints WHERE enabled = %s)," \
    " (SELECT COUNT(*) FROM webhook_endpoints WHERE enabled = %s)," \
    " (SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending')," \
    " (SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'failed')"

typedef struct {
    int version;                        /* in leads_schema */
    int latest;                         /* compiled into leadsctl */
    long counts[ST_COUNTS];
    long oldest_age;                    /* seconds; -1: nothing pending */
} status_t;

/* Seconds from `iso` ("YYYY-MM-DDTHH:MM:SS.mmmZ", as the dialect's
 * oldest_pending gives it) to `now`, at least 0. Returns 0, or -1 when
 * `iso` is not such a time. */
static int age_of(const char *iso, apr_time_t now, long *age)
{
    apr_time_exp_t tm;
    apr_time_t t;
    int y, mo, d, h, mi, s, ms = 0;

    if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &y, &mo, &d, &h, &mi, &s,
               &ms) < 6) {
        return -1;
    }
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    tm.tm_usec = ms * 1000;
    if (apr_time_exp_gmt_get(&t, &tm) != APR_SUCCESS) {
        return -1;
    }
    *age = now > t ? (long)apr_time_sec(now - t) : 0;
    return 0;
}

static int read_status(leadsctl_cmd_t *cmd, status_t *st)
{
    leadsctl_rows_t *rows;
    const char *oldest;
    int i;

    if (leadsctl_db_schema_version(cmd->db, &st->version)) {
        return leadsctl_db_fail(cmd, "reading the schema version (has"
                                " `leadsctl init` run?)");
    }
    st->latest = leadsctl_db_latest_version(cmd->db);
    if (leadsctl_db_select(cmd->db, &rows, COUNTS_SQL, "1", "0", NULL)) {
        return leadsctl_db_fail(cmd, "counting");
    }
    for (i = 0; i < ST_COUNTS; i++) {
        st->counts[i] = atol(leadsctl_rows_get(rows, 0, i));
    }
    if (leadsctl_db_select(cmd->db, &rows, cmd->db->sql->oldest_pending,
                           NULL)) {
        return leadsctl_db_fail(cmd, "reading the oldest pending delivery");
    }
    oldest = leadsctl_rows_get(rows, 0, 0);
    st->oldest_age = -1;
    if (*oldest && age_of(oldest, apr_time_now(), &st->oldest_age) != 0) {
        return leadsctl_fail("%s: unexpected time of the oldest pending"
                             " delivery: %s", cmd->name, oldest);
    }
    return LEADSCTL_OK;
}

static int print_json(const status_t *st)
{
    json_t *obj = json_object();

    json_object_set_new(obj, "schema_version", json_integer(st->version));
    json_object_set_new(obj, "latest_version", json_integer(st->latest));
    json_object_set_new(obj, "schema_is_latest",
                        json_boolean(st->version == st->latest));
    json_object_set_new(obj, "firms", json_integer(st->counts[ST_FIRMS]));
    json_object_set_new(obj, "api_keys", json_integer(st->counts[ST_KEYS]));
    json_object_set_new(obj, "sources",
                        json_integer(st->counts[ST_SOURCES]));
    json_object_set_new(obj, "webhook_endpoints",
                        json_pack("{s:I, s:I}",
                                  "enabled",
                                  (json_int_t)st->counts[ST_ENABLED],
                                  "disabled",
                                  (json_int_t)st->counts[ST_DISABLED]));
    json_object_set_new(obj, "deliveries",
                        json_pack("{s:I, s:I}",
                                  "pending",
                                  (json_int_t)st->counts[ST_PENDING],
                                  "failed",
                                  (json_int_t)st->counts[ST_FAILED]));
    json_object_set_new(obj, "oldest_pending_seconds",
                        st->oldest_age < 0 ? json_null()
                                           : json_integer(st->oldest_age));
    return leadsctl_print_json(obj);
}

static void print_text(const status_t *st)
{
    printf("schema version: %d ", st->version);
    if (st->version == st->latest) {
        printf("(the latest this leadsctl knows)\n");
    }
    else if (st->version < st->latest) {
        printf("(this leadsctl knows %d: run leadsctl init)\n", st->latest);
    }
    else {
        printf("(newer than this leadsctl, which knows %d)\n", st->latest);
    }
    printf("firms: %ld\n", st->counts[ST_FIRMS]);
    printf("api keys: %ld\n", st->counts[ST_KEYS]);
    printf("sources: %ld\n", st->counts[ST_SOURCES]);
    printf("webhook endpoints: %ld enabled, %ld disabled\n",
           st->counts[ST_ENABLED], st->counts[ST_DISABLED]);
    printf("deliveries pending: %ld\n", st->counts[ST_PENDING]);
    printf("deliveries failed: %ld\n", st->counts[ST_FAILED]);
    if (st->oldest_age < 0) {
        printf("oldest pending delivery: none\n");
    }
    else {
        printf("oldest pending delivery: %ld s\n", st->oldest_age);
    }
}

int leadsctl_status(leadsctl_cmd_t *cmd)
{
    status_t st;
    int rc;

    memset(&st, 0, sizeof(st));
    if ((rc = read_status(cmd, &st)) != LEADSCTL_OK) {
        return rc;
    }
    if (cmd->json) {
        return print_json(&st);
    }
    print_text(&st);
    return LEADSCTL_OK;
}
