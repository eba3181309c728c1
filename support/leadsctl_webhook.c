/* leadsctl: a firm's webhook endpoints and the outbox of their deliveries
 * (docs/api.md §9.1, §9.4). The endpoint's secret is shown once, at creation; the
 * deliverer needs it to sign, so it is stored as it is and never listed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <jansson.h>

#include "leads_sign.h"
#include "leads_text.h"
#include "leads_time.h"
#include "leads_uuid.h"
#include "leadsctl_cmd.h"
#include "leadsctl_db.h"
#include "leadsctl_out.h"
#include "leadsctl_rows.h"
#include "leadsctl_webhook.h"

#define WEBHOOK_URL_MAX   2000
#define DELIVERIES_LIMIT  50
#define DELIVERIES_LIMIT_MAX 100000

/* The event types an endpoint may ask for; "*" is all of them. */
static const char *const known_events[] = { "lead.created" };
#define NEVENTS (sizeof(known_events) / sizeof(known_events[0]))

static const char *const delivery_statuses[] = {
    "pending", "delivered", "failed"
};
#define NSTATUSES (sizeof(delivery_statuses) / sizeof(delivery_statuses[0]))

/* `state` is made here from `enabled` and failing_since (SPEC §7.1):
 * "enabled", "disabled", or either with " (failing since <ISO>)". */
enum { ECOL_ENABLED = 3, ECOL_STATE = 4 };
static const leadsctl_column_t endpoint_columns[] = {
    { "id", LEADSCTL_COL_TEXT }, { "url", LEADSCTL_COL_TEXT },
    { "events", LEADSCTL_COL_TEXT }, { "enabled", LEADSCTL_COL_BOOL },
    { "state", LEADSCTL_COL_TEXT }
};

/* How long a rotated-out secret still signs by default. */
#define ROTATE_GRACE_DEFAULT "24h"

/* The order of the dialect's delivery_select. The two nullable columns are
 * JSON so --json shows null for "none" (see nullable_for_output). */
enum { DCOL_HTTP_STATUS = 5, DCOL_ERROR = 6 };
/* An attempt, as attempt_select gives it. */
enum { ACOL_HTTP_STATUS = 2, ACOL_ERROR = 3 };
static const leadsctl_column_t attempt_columns[] = {
    { "attempt", LEADSCTL_COL_INT }, { "started_at", LEADSCTL_COL_TEXT },
    { "http_status", LEADSCTL_COL_JSON }, { "error", LEADSCTL_COL_JSON },
    { "duration_ms", LEADSCTL_COL_INT }, { "outcome", LEADSCTL_COL_TEXT }
};

static const leadsctl_column_t delivery_columns[] = {
    { "id", LEADSCTL_COL_TEXT }, { "event_id", LEADSCTL_COL_TEXT },
    { "endpoint_id", LEADSCTL_COL_TEXT }, { "status", LEADSCTL_COL_TEXT },
    { "attempts", LEADSCTL_COL_INT },
    { "last_http_status", LEADSCTL_COL_JSON },
    { "last_error", LEADSCTL_COL_JSON },
    { "next_attempt_at", LEADSCTL_COL_TEXT },
    { "created_at", LEADSCTL_COL_TEXT }
};

/* ---- Checks -------------------------------------------------------------- */

/* NULL when `port` (up to `end`) is a decimal number 1..65535. */
static const char *port_issue(const char *port, const char *end)
{
    static const char bad[] = "the port must be a number from 1 to 65535";
    long v = 0;

    if (port == end) {
        return "the port is empty";
    }
    for (; port < end; port++) {
        if (*port < '0' || *port > '9') {
            return bad;
        }
        v = v * 10 + (*port - '0');
        if (v > 65535) {
            return bad;
        }
    }
    return v == 0 ? bad : NULL;
}

/* NULL when `url` is http:// or https:// with a host (a name, an address
 * or a bracketed IPv6 address, optionally user info and a port), without
 * spaces or control characters; else why not. Whether the host may be
 * reached is the deliverer's decision (LeadsWebhookAllowPrivate). */
static const char *url_issue(const char *url)
{
    const char *rest, *end, *host, *host_end, *p;

    if (strncasecmp(url, "https://", 8) == 0) {
        rest = url + 8;
    }
    else if (strncasecmp(url, "http://", 7) == 0) {
        rest = url + 7;
    }
    else {
        return "the URL must start with http:// or https://";
    }
    for (p = url; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            return "the URL contains spaces or control characters";
        }
    }
    end = rest + strcspn(rest, "/?#");
    host = rest;
    for (p = rest; p < end; p++) {
        if (*p == '@') {
            host = p + 1;
        }
    }
    if (*host == '[') {
        host_end = memchr(host, ']', end - host);
        if (host_end == NULL || host_end == host + 1) {
            return "the URL has no host";
        }
        host_end++;
        if (host_end < end && *host_end != ':') {
            return "the URL's host is malformed";
        }
    }
    else {
        host_end = host;
        while (host_end < end && *host_end != ':') {
            host_end++;
        }
        if (host_end == host) {
            return "the URL has no host";
        }
    }
    return host_end < end ? port_issue(host_end + 1, end) : NULL;
}

/* --events a,b or * as the normalised stored text: "*", or the known
 * types asked for, each once, in known_events order. */
static int parse_events(const leadsctl_cmd_t *cmd, const char **out)
{
    const char *raw = leadsctl_opt(cmd, "events");
    int wanted[NEVENTS] = { 0 };
    int all = 0;
    char *copy, *item, *last = NULL;
    const char *list = NULL;
    apr_size_t i;

    if (raw == NULL) {
        *out = "*";
        return LEADSCTL_OK;
    }
    copy = apr_pstrdup(cmd->pool, raw);
    for (item = apr_strtok(copy, ",", &last); item;
         item = apr_strtok(NULL, ",", &last)) {
        const char *type = leads_text_trim(cmd->pool, item);
        if (strcmp(type, "*") == 0) {
            all = 1;
            continue;
        }
        for (i = 0; i < NEVENTS; i++) {
            if (strcmp(type, known_events[i]) == 0) {
                wanted[i] = 1;
                break;
            }
        }
        if (i == NEVENTS && *type) {
            return leadsctl_usage_error(cmd, "unknown event type '%s'"
                                        " (lead.created, or * for all)", type);
        }
    }
    for (i = 0; i < NEVENTS; i++) {
        if (wanted[i]) {
            list = list ? apr_pstrcat(cmd->pool, list, ",", known_events[i],
                                      NULL)
                        : known_events[i];
        }
    }
    if (all) {
        list = "*";
    }
    if (list == NULL) {
        return leadsctl_usage_error(cmd, "--events names no event type");
    }
    *out = list;
    return LEADSCTL_OK;
}

static int parse_status(const leadsctl_cmd_t *cmd, const char **out)
{
    const char *raw = leadsctl_opt(cmd, "status");
    apr_size_t i;

    *out = NULL;
    if (raw == NULL) {
        return LEADSCTL_OK;
    }
    for (i = 0; i < NSTATUSES; i++) {
        if (strcmp(raw, delivery_statuses[i]) == 0) {
            *out = delivery_statuses[i];
            return LEADSCTL_OK;
        }
    }
    return leadsctl_usage_error(cmd, "unknown --status '%s' (pending,"
                                " delivered or failed)", raw);
}

/* A time as this backend stores it: ISO with Z (timestamptz, sqlite3
 * text), or DATETIME(3)'s 'YYYY-MM-DD HH:MM:SS.mmm' in UTC on MySQL. */
static const char *db_time(const leadsctl_cmd_t *cmd, apr_time_t t)
{
    const char *iso = leads_time_iso(cmd->pool, t);
    char *plain;

    if (!cmd->db->sql->time_sql_utc) {
        return iso;
    }
    plain = apr_pstrndup(cmd->pool, iso, strlen(iso) - 1);
    plain[10] = ' ';
    return plain;
}

/* ---- webhook ------------------------------------------------------------- */

int leadsctl_webhook_add(leadsctl_cmd_t *cmd)
{
    const char *firm = NULL, *url = NULL, *events = NULL, *id = NULL;
    const char *secret = NULL, *issue;
    int rc;

    if ((rc = leadsctl_opt_text(cmd, "url", 1, WEBHOOK_URL_MAX, &url))) {
        return rc;
    }
    if ((issue = url_issue(url)) != NULL) {
        return leadsctl_usage_error(cmd, "--url: %s", issue);
    }
    if ((rc = parse_events(cmd, &events))
        || (rc = leadsctl_firm_resolve(cmd, &firm))) {
        return rc;
    }
    if (leads_uuid_v7(cmd->pool, apr_time_now(), &id) != APR_SUCCESS
        || leads_whsec_generate(cmd->pool, &secret) != APR_SUCCESS) {
        return leadsctl_fail("%s: cannot generate the secret", cmd->name);
    }
    if (leadsctl_db_exec(cmd->db, NULL,
                         "INSERT INTO webhook_endpoints"
                         " (id, firm_id, url, secret, events, enabled)"
                         " VALUES (%s, %s, %s, %s, %s, %s)",
                         id, firm, url, secret, events, "1", NULL)) {
        return leadsctl_db_fail(cmd, "inserting the endpoint");
    }
    return leadsctl_print_added(cmd, id, "secret", secret);
}

int leadsctl_webhook_disable(leadsctl_cmd_t *cmd)
{
    return leadsctl_set_enabled(cmd, "webhook_endpoints", "endpoint", 0);
}

/* Enabled again, failing no more: its held deliveries are due where they
 * were (their attempts so far count), and the next LeadsWebhookDisableAfter
 * is counted from its next failure. */
int leadsctl_webhook_enable(leadsctl_cmd_t *cmd)
{
    const char *id = NULL;
    int rc;

    if ((rc = leadsctl_resolve_arg(cmd, "webhook_endpoints", "endpoint",
                                   &id))) {
        return rc;
    }
    if (leadsctl_db_exec(cmd->db, NULL,
                         "UPDATE webhook_endpoints SET enabled = %s,"
                         " failing_since = NULL WHERE id = %s", "1", id,
                         NULL)) {
        return leadsctl_db_fail(cmd, "updating the endpoint");
    }
    return leadsctl_print_changed(cmd, id, "enabled", 1);
}

int leadsctl_webhook_list(leadsctl_cmd_t *cmd)
{
    const char *firm = NULL;
    leadsctl_rows_t *rows;
    int i, rc;

    if ((rc = leadsctl_firm_resolve(cmd, &firm)) != LEADSCTL_OK) {
        return rc;
    }
    if (leadsctl_db_select(cmd->db, &rows,
                           apr_pstrcat(cmd->pool, "SELECT id, url, events,"
                                       " enabled, ",
                                       cmd->db->sql->iso_failing_since,
                                       " FROM webhook_endpoints"
                                       " WHERE firm_id = %s ORDER BY id",
                                       NULL), firm, NULL)) {
        return leadsctl_db_fail(cmd, "reading");
    }
    for (i = 0; i < rows->rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows->rows, i, const char **);
        const char *state = leadsctl_bool_value(row[ECOL_ENABLED]) ? "enabled"
                                                       : "disabled";

        if (*row[ECOL_STATE]) {
            state = apr_psprintf(cmd->pool, "%s (failing since %s)", state,
                                 row[ECOL_STATE]);
        }
        row[ECOL_STATE] = state;
    }
    return leadsctl_print_rows(cmd, endpoint_columns, rows);
}

/* A DURATION option ("24h", "30d"); `fallback` when it is absent. */
static int opt_duration(const leadsctl_cmd_t *cmd, const char *name,
                        const char *fallback, apr_interval_time_t *out)
{
    const char *raw = leadsctl_opt(cmd, name);

    if (!leads_duration_parse(raw ? raw : fallback, out)) {
        return leadsctl_usage_error(cmd, "--%s: '%s' is not a duration (a"
                                    " whole number and ms, s, m, h or d,"
                                    " e.g. 24h)", name, raw);
    }
    return LEADSCTL_OK;
}

/* A new secret; the old one keeps signing beside it until the grace ends
 * (the deliverer reads previous_secret_until), so receivers can switch
 * over without losing a delivery. A rotation during a grace ends the
 * earlier grace: only the secret replaced now is kept. */
int leadsctl_webhook_rotate_secret(leadsctl_cmd_t *cmd)
{
    const char *id = NULL, *secret = NULL, *until;
    apr_interval_time_t grace;
    int rc;

    if ((rc = opt_duration(cmd, "grace", ROTATE_GRACE_DEFAULT, &grace))
        || (rc = leadsctl_resolve_arg(cmd, "webhook_endpoints", "endpoint",
                                      &id))) {
        return rc;
    }
    if (leads_whsec_generate(cmd->pool, &secret) != APR_SUCCESS) {
        return leadsctl_fail("%s: cannot generate the secret", cmd->name);
    }
    until = db_time(cmd, apr_time_now() + grace);
    if (leadsctl_db_exec(cmd->db, NULL,
                         "UPDATE webhook_endpoints SET previous_secret = secret,"
                         " previous_secret_until = %s, secret = %s"
                         " WHERE id = %s", until, secret, id, NULL)) {
        return leadsctl_db_fail(cmd, "updating the endpoint");
    }
    return leadsctl_print_added(cmd, id, "secret", secret);
}

/* The drivers read SQL NULL as "". For --json, the nullable columns become
 * JSON text: null when empty, the number, or the error as a string. For
 * the table, an error's line breaks and tabs become spaces. */
static void nullable_for_output(const leadsctl_cmd_t *cmd,
                                leadsctl_rows_t *rows, int http_col,
                                int error_col)
{
    int i;

    for (i = 0; i < rows->rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows->rows, i, const char **);
        const char *error = row[error_col];

        if (!cmd->json) {
            char *flat = apr_pstrdup(cmd->pool, error), *p;
            for (p = flat; *p; p++) {
                if ((unsigned char)*p < ' ' || *p == 0x7f) {
                    *p = ' ';
                }
            }
            row[error_col] = flat;
            continue;
        }
        if (*row[http_col] == '\0') {
            row[http_col] = "null";
        }
        if (*error == '\0') {
            row[error_col] = "null";
        }
        else {
            json_t *s = json_string(error);
            char *text = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
            row[error_col] = text ? apr_pstrdup(cmd->pool, text) : "null";
            free(text);
            json_decref(s);
        }
    }
}

/* --since ISO|DURATION: a time, or that long ago. */
static int opt_since(const leadsctl_cmd_t *cmd, int required,
                     const char **out)
{
    const char *raw = leadsctl_opt(cmd, "since");
    apr_interval_time_t ago;
    apr_time_t t;

    *out = NULL;
    if (raw == NULL) {
        return required ? leadsctl_usage_error(cmd, "--since is required")
                        : LEADSCTL_OK;
    }
    if (leads_time_parse_iso(raw, &t)) {
        *out = db_time(cmd, t);
    }
    else if (leads_duration_parse(raw, &ago)) {
        *out = db_time(cmd, apr_time_now() - ago);
    }
    else {
        return leadsctl_usage_error(cmd, "--since: '%s' is neither a time"
                                    " (2026-07-01T00:00:00Z) nor a duration"
                                    " (24h, 7d)", raw);
    }
    return LEADSCTL_OK;
}

/* --limit N: 1 to DELIVERIES_LIMIT_MAX, DELIVERIES_LIMIT by default. */
static int opt_limit(const leadsctl_cmd_t *cmd, int *out)
{
    const char *raw = leadsctl_opt(cmd, "limit");
    char *end = NULL;
    long v;

    *out = DELIVERIES_LIMIT;
    if (raw == NULL) {
        return LEADSCTL_OK;
    }
    v = strtol(raw, &end, 10);
    if (!*raw || *end || v < 1 || v > DELIVERIES_LIMIT_MAX) {
        return leadsctl_usage_error(cmd, "--limit: '%s' is not a number from"
                                    " 1 to %d", raw, DELIVERIES_LIMIT_MAX);
    }
    *out = (int)v;
    return LEADSCTL_OK;
}

/* The conditions the options ask for, ANDed, with their values in `args`
 * (each a placeholder: no value is ever part of the SQL). */
static int delivery_filter(leadsctl_cmd_t *cmd, const char **where,
                           const char **args)
{
    const char *firm = NULL, *status = NULL, *since = NULL, *endpoint = NULL;
    const char *sql = "";
    int n = 0, rc;

    if ((rc = parse_status(cmd, &status)) || (rc = opt_since(cmd, 0, &since))
        || (leadsctl_opt(cmd, "firm")
            && (rc = leadsctl_firm_resolve(cmd, &firm)))) {
        return rc;
    }
    if (leadsctl_opt(cmd, "endpoint")
        && !leads_uuid_parse(cmd->pool, leadsctl_opt(cmd, "endpoint"),
                             &endpoint)) {
        return leadsctl_fail("%s: no such endpoint: %s", cmd->name,
                             leadsctl_opt(cmd, "endpoint"));
    }
    if (firm) {
        /* by its endpoints: the endpoint index serves it */
        sql = " AND endpoint_id IN (SELECT id FROM webhook_endpoints"
              " WHERE firm_id = %s)";
        args[n++] = firm;
    }
    if (endpoint) {
        sql = apr_pstrcat(cmd->pool, sql, " AND endpoint_id = %s", NULL);
        args[n++] = endpoint;
    }
    if (status) {
        sql = apr_pstrcat(cmd->pool, sql, " AND status = %s", NULL);
        args[n++] = status;
    }
    if (since) {
        sql = apr_pstrcat(cmd->pool, sql, " AND created_at >= %s", NULL);
        args[n++] = since;
    }
    *where = *sql ? apr_pstrcat(cmd->pool, " WHERE", sql + 4, NULL) : "";
    return LEADSCTL_OK;
}

/* Newest first, so the last problems are at the top. */
int leadsctl_webhook_deliveries(leadsctl_cmd_t *cmd)
{
    const char *args[5] = { NULL, NULL, NULL, NULL, NULL };
    const char *where = NULL, *sql;
    leadsctl_rows_t *rows;
    int limit = 0, rc;

    if ((rc = opt_limit(cmd, &limit))
        || (rc = delivery_filter(cmd, &where, args))) {
        return rc;
    }
    /* the limit is a number parsed above, not text from the command line */
    sql = apr_psprintf(cmd->pool, "%s%s ORDER BY created_at DESC, id DESC"
                       " LIMIT %d", cmd->db->sql->delivery_select, where,
                       limit);
    /* The values end at the first NULL: only those given are passed. */
    if (leadsctl_db_select(cmd->db, &rows, sql, args[0], args[1], args[2],
                           args[3], NULL)) {
        return leadsctl_db_fail(cmd, "reading");
    }
    nullable_for_output(cmd, rows, DCOL_HTTP_STATUS, DCOL_ERROR);
    return leadsctl_print_rows(cmd, delivery_columns, rows);
}

/* Due at once, unleased, so the next sweep of any host picks it up. The
 * attempts made so far are kept: they are its history. */
int leadsctl_webhook_retry(leadsctl_cmd_t *cmd)
{
    const char *id = NULL, *now;
    int rc;

    if ((rc = leadsctl_resolve_arg(cmd, "webhook_deliveries", "delivery",
                                   &id))) {
        return rc;
    }
    now = db_time(cmd, apr_time_now());
    if (leadsctl_db_exec(cmd->db, NULL,
                         "UPDATE webhook_deliveries SET status = 'pending',"
                         " next_attempt_at = %s, lease_owner = NULL,"
                         " lease_until = NULL, updated_at = %s WHERE id = %s",
                         now, now, id, NULL)) {
        return leadsctl_db_fail(cmd, "updating the delivery");
    }
    return leadsctl_print_changed(cmd, id, "retried", 1);
}

/* One delivery's attempts, oldest first: when, the HTTP status or the
 * error, how long. */
int leadsctl_webhook_attempts(leadsctl_cmd_t *cmd)
{
    const char *id = NULL;
    leadsctl_rows_t *rows;
    int rc;

    if ((rc = leadsctl_resolve_arg(cmd, "webhook_deliveries", "delivery",
                                   &id))) {
        return rc;
    }
    if (leadsctl_db_select(cmd->db, &rows, cmd->db->sql->attempt_select, id,
                           id, NULL)) {
        return leadsctl_db_fail(cmd, "reading");
    }
    nullable_for_output(cmd, rows, ACOL_HTTP_STATUS, ACOL_ERROR);
    return leadsctl_print_rows(cmd, attempt_columns, rows);
}

/* --url and --events, each checked as `webhook add` checks it. A delivery
 * is sent to its endpoint's URL as it is at sending, so pending ones
 * follow a new URL: what fixing a wrong one needs. */
int leadsctl_webhook_update(leadsctl_cmd_t *cmd)
{
    const char *id = NULL, *url = NULL, *events = NULL, *issue;
    int rc;

    if ((rc = leadsctl_opt_text(cmd, "url", 0, WEBHOOK_URL_MAX, &url))) {
        return rc;
    }
    if (url && (issue = url_issue(url)) != NULL) {
        return leadsctl_usage_error(cmd, "--url: %s", issue);
    }
    if (leadsctl_opt(cmd, "events") && (rc = parse_events(cmd, &events))) {
        return rc;
    }
    if (!url && !events) {
        return leadsctl_usage_error(cmd, "give --url, --events or both");
    }
    if ((rc = leadsctl_resolve_arg(cmd, "webhook_endpoints", "endpoint",
                                   &id))) {
        return rc;
    }
    if ((url && leadsctl_db_exec(cmd->db, NULL, "UPDATE webhook_endpoints"
                                 " SET url = %s WHERE id = %s", url, id, NULL))
        || (events && leadsctl_db_exec(cmd->db, NULL, "UPDATE"
                                       " webhook_endpoints SET events = %s"
                                       " WHERE id = %s", events, id, NULL))) {
        return leadsctl_db_fail(cmd, "updating the endpoint");
    }
    return leadsctl_print_changed(cmd, id, "updated", 1);
}

/* Its deliveries and their attempts go with it (ON DELETE CASCADE). */
int leadsctl_webhook_delete(leadsctl_cmd_t *cmd)
{
    return leadsctl_delete_row(cmd, "webhook_endpoints", "endpoint");
}

/* An event to send again: the newest delivery of it to the endpoint. */
typedef struct {
    const char *event_id, *event_type, *firm_id, *body, *status;
} replay_event_t;

/* The endpoint's events first made since `since`, each once, in the order
 * they were made, with the status of their newest delivery (a replay's,
 * when there was one). */
static int replay_events(leadsctl_cmd_t *cmd, const char *endpoint,
                         const char *since, apr_array_header_t **out)
{
    apr_hash_t *seen = apr_hash_make(cmd->pool);
    apr_array_header_t *events = apr_array_make(cmd->pool, 16,
                                                sizeof(replay_event_t *));
    leadsctl_rows_t *rows;
    int i;

    if (leadsctl_db_select(cmd->db, &rows,
                           "SELECT event_id, event_type, firm_id, body, status"
                           " FROM webhook_deliveries WHERE endpoint_id = %s"
                           " AND event_id IN (SELECT event_id FROM"
                           " webhook_deliveries WHERE endpoint_id = %s"
                           " GROUP BY event_id HAVING MIN(created_at) >= %s)"
                           " ORDER BY created_at, id",
                           endpoint, endpoint, since, NULL)) {
        return leadsctl_db_fail(cmd, "reading the deliveries");
    }
    for (i = 0; i < rows->rows->nelts; i++) {
        const char *event_id = leadsctl_rows_get(rows, i, 0);
        replay_event_t *e = apr_hash_get(seen, event_id, APR_HASH_KEY_STRING);

        if (!e) {
            e = apr_pcalloc(cmd->pool, sizeof(*e));
            apr_hash_set(seen, event_id, APR_HASH_KEY_STRING, e);
            APR_ARRAY_PUSH(events, replay_event_t *) = e;
        }
        e->event_id = event_id;
        e->event_type = leadsctl_rows_get(rows, i, 1);
        e->firm_id = leadsctl_rows_get(rows, i, 2);
        e->body = leadsctl_rows_get(rows, i, 3);
        e->status = leadsctl_rows_get(rows, i, 4);
    }
    *out = events;
    return LEADSCTL_OK;
}

/* New deliveries, due now, of the same event id and body: the deliverer
 * signs them afresh. The old deliveries stay as they were (history). */
static int replay_queue(leadsctl_cmd_t *cmd, const char *endpoint,
                        const apr_array_header_t *events, int failed_only,
                        int *queued)
{
    const char *now = db_time(cmd, apr_time_now()), *id;
    int i;

    *queued = 0;
    if (leadsctl_db_begin(cmd->db)) {
        return leadsctl_db_fail(cmd, "starting the replay");
    }
    for (i = 0; i < events->nelts; i++) {
        const replay_event_t *e = APR_ARRAY_IDX(events, i, replay_event_t *);

        if (failed_only && strcmp(e->status, "failed") != 0) {
            continue;
        }
        if (leads_uuid_v7(cmd->pool, apr_time_now(), &id) != APR_SUCCESS
            || leadsctl_db_exec(cmd->db, NULL, "INSERT INTO webhook_deliveries"
                                " (id, event_id, event_type, endpoint_id,"
                                " firm_id, body, status, attempts,"
                                " next_attempt_at, created_at, updated_at)"
                                " VALUES (%s, %s, %s, %s, %s, %s, 'pending',"
                                " 0, %s, %s, %s)", id, e->event_id,
                                e->event_type, endpoint, e->firm_id, e->body,
                                now, now, now, NULL)) {
            leadsctl_db_rollback(cmd->db);
            return leadsctl_db_fail(cmd, "queueing the replay");
        }
        (*queued)++;
    }
    if (leadsctl_db_commit(cmd->db)) {
        return leadsctl_db_fail(cmd, "committing the replay");
    }
    return LEADSCTL_OK;
}

int leadsctl_webhook_replay(leadsctl_cmd_t *cmd)
{
    const char *endpoint = NULL, *since = NULL;
    apr_array_header_t *events = NULL;
    int queued = 0, rc;
    json_t *obj;

    if ((rc = opt_since(cmd, 1, &since))
        || (rc = leadsctl_resolve_arg(cmd, "webhook_endpoints", "endpoint",
                                      &endpoint))
        || (rc = replay_events(cmd, endpoint, since, &events))
        || (rc = replay_queue(cmd, endpoint, events,
                              leadsctl_flag(cmd, "failed"), &queued))) {
        return rc;
    }
    if (!cmd->json) {
        printf("%d\n", queued);
        return LEADSCTL_OK;
    }
    obj = json_object();
    json_object_set_new(obj, "id", json_string(endpoint));
    json_object_set_new(obj, "queued", json_integer(queued));
    return leadsctl_print_json(obj);
}
