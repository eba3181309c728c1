/* leadsctl: a firm's webhook endpoints and the outbox of their deliveries
 * (docs/api.md §9.1, §9.4). The endpoint's secret is shown once, at creation; the
 * deliverer needs it to sign, so it is stored as it is and never listed. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
#define DELIVERIES_MAX    "1000"

/* The event types an endpoint may ask for; "*" is all of them. */
static const char *const known_events[] = { "lead.created" };
#define NEVENTS (sizeof(known_events) / sizeof(known_events[0]))

static const char *const delivery_statuses[] = {
    "pending", "delivered", "failed"
};
#define NSTATUSES (sizeof(delivery_statuses) / sizeof(delivery_statuses[0]))

static const leadsctl_column_t endpoint_columns[] = {
    { "id", LEADSCTL_COL_TEXT }, { "url", LEADSCTL_COL_TEXT },
    { "events", LEADSCTL_COL_TEXT }, { "enabled", LEADSCTL_COL_BOOL }
};

/* The order of the dialect's delivery_select. The two nullable columns are
 * JSON so --json shows null for "none" (see delivery_rows_for_output). */
enum { DCOL_HTTP_STATUS = 5, DCOL_ERROR = 6 };
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

int leadsctl_webhook_enable(leadsctl_cmd_t *cmd)
{
    return leadsctl_set_enabled(cmd, "webhook_endpoints", "endpoint", 1);
}

int leadsctl_webhook_list(leadsctl_cmd_t *cmd)
{
    return leadsctl_list_for_firm(cmd, "SELECT id, url, events, enabled"
                                  " FROM webhook_endpoints WHERE firm_id = %s"
                                  " ORDER BY id", endpoint_columns);
}

/* The drivers read SQL NULL as "". For --json, the nullable columns become
 * JSON text: null when empty, the number, or the error as a string. For
 * the table, an error's line breaks and tabs become spaces. */
static void delivery_rows_for_output(const leadsctl_cmd_t *cmd, leadsctl_rows_t *rows)
{
    int i;

    for (i = 0; i < rows->rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows->rows, i, const char **);
        const char *error = row[DCOL_ERROR];

        if (!cmd->json) {
            char *flat = apr_pstrdup(cmd->pool, error), *p;
            for (p = flat; *p; p++) {
                if ((unsigned char)*p < ' ' || *p == 0x7f) {
                    *p = ' ';
                }
            }
            row[DCOL_ERROR] = flat;
            continue;
        }
        if (*row[DCOL_HTTP_STATUS] == '\0') {
            row[DCOL_HTTP_STATUS] = "null";
        }
        if (*error == '\0') {
            row[DCOL_ERROR] = "null";
        }
        else {
            json_t *s = json_string(error);
            char *text = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
            row[DCOL_ERROR] = text ? apr_pstrdup(cmd->pool, text) : "null";
            free(text);
            json_decref(s);
        }
    }
}

int leadsctl_webhook_deliveries(leadsctl_cmd_t *cmd)
{
    const char *firm = NULL, *status = NULL;
    const char *args[3] = { NULL, NULL, NULL };
    const char *sql = cmd->db->sql->delivery_select;
    leadsctl_rows_t *rows;
    int n = 0, rc;

    if ((rc = parse_status(cmd, &status))
        || (leadsctl_opt(cmd, "firm")
            && (rc = leadsctl_firm_resolve(cmd, &firm)))) {
        return rc;
    }
    if (firm) {
        sql = apr_pstrcat(cmd->pool, sql, " WHERE firm_id = %s", NULL);
        args[n++] = firm;
    }
    if (status) {
        sql = apr_pstrcat(cmd->pool, sql, n ? " AND" : " WHERE",
                          " status = %s", NULL);
        args[n++] = status;
    }
    sql = apr_pstrcat(cmd->pool, sql, " ORDER BY created_at, id LIMIT "
                      DELIVERIES_MAX, NULL);
    /* The values end at the first NULL: only those given are passed. */
    if (leadsctl_db_select(cmd->db, &rows, sql, args[0], args[1], NULL)) {
        return leadsctl_db_fail(cmd, "reading");
    }
    delivery_rows_for_output(cmd, rows);
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
