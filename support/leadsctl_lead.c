/* leadsctl: erasing a firm's leads with everything that holds their data
 * (docs/database.md §6, README "Client data and backups"). A lead's data
 * is in four tables: the lead itself; the Idempotency-Key records whose
 * stored answer is the lead (idempotency_keys.lead_id); the webhook
 * deliveries of the events about it, whose body carries the lead as the
 * event's `data` (no column links a delivery to its lead: the body's
 * data.id does); and those deliveries' attempts. */
#include <stdio.h>

#include <apr_strings.h>
#include <jansson.h>

#include "leads_contact.h"
#include "leads_phone.h"
#include "leads_uuid.h"
#include "leadsctl_cmd.h"
#include "leadsctl_db.h"
#include "leadsctl_lead.h"
#include "leadsctl_out.h"
#include "leadsctl_rows.h"

/* Longer than any address or number the module accepts: past that, the
 * normalisers say what is wrong. */
#define EMAIL_ARG_MAX 320
#define PHONE_ARG_MAX 64

/* What erase counts, per table, in the order it deletes: a delivery's
 * attempts before the delivery, the lead last. */
enum {
    ERASED_ATTEMPTS, ERASED_DELIVERIES, ERASED_IDEMPOTENCY, ERASED_LEADS,
    ERASED_TABLES
};

/* Which leads of the firm: the column of `leads` (a constant) and the
 * value as the module stores it. */
typedef struct {
    const char *column;
    const char *value;
} lead_match_t;

/* ---- Which leads --------------------------------------------------------- */

static int match_email(const leadsctl_cmd_t *cmd, lead_match_t *m)
{
    const char *email = NULL, *issue;
    int rc;

    if ((rc = leadsctl_opt_text(cmd, "email", 1, EMAIL_ARG_MAX, &email))) {
        return rc;
    }
    if ((issue = leads_email_normalize(cmd->pool, email, &m->value))) {
        return leadsctl_usage_error(cmd, "--email %s", issue);
    }
    m->column = "email";
    return LEADSCTL_OK;
}

/* The module brings a number to E.164 by its LeadsPhoneRegion; --region
 * names the same region, so a national number matches as it was stored. */
static int match_phone(const leadsctl_cmd_t *cmd, lead_match_t *m)
{
    const char *region = leadsctl_opt(cmd, "region");
    const char *phone = NULL, *issue;
    int rc;

    if (region && !leads_phone_region_code(region)) {
        return leadsctl_usage_error(cmd, "--region: '%s' is not a region"
                                    " mod_leads knows (see LeadsPhoneRegion)",
                                    region);
    }
    if ((rc = leadsctl_opt_text(cmd, "phone", 1, PHONE_ARG_MAX, &phone))) {
        return rc;
    }
    if ((issue = leads_phone_normalize(cmd->pool, phone, region,
                                       &m->value))) {
        return leadsctl_usage_error(cmd, "--phone %s", issue);
    }
    m->column = "phone";
    return LEADSCTL_OK;
}

/* Exactly one of --id, --email, --phone, normalised as the module stores
 * it (lowercased email, E.164 phone), so a match is plain equality. */
static int parse_match(const leadsctl_cmd_t *cmd, lead_match_t *m)
{
    const char *id = leadsctl_opt(cmd, "id");
    int email = leadsctl_opt(cmd, "email") != NULL;
    int phone = leadsctl_opt(cmd, "phone") != NULL;

    if ((id != NULL) + email + phone != 1) {
        return leadsctl_usage_error(cmd, "give exactly one of --id, --email"
                                    " and --phone");
    }
    if (leadsctl_opt(cmd, "region") && !phone) {
        return leadsctl_usage_error(cmd, "--region goes with --phone");
    }
    if (email) {
        return match_email(cmd, m);
    }
    if (phone) {
        return match_phone(cmd, m);
    }
    if (!leads_uuid_parse(cmd->pool, id, &m->value)) {
        return leadsctl_usage_error(cmd, "--id must be a lead id (a UUID)");
    }
    m->column = "id";
    return LEADSCTL_OK;
}

/* ---- Erasing ------------------------------------------------------------- */

/* A firm's deliveries, by its endpoints: the endpoint index serves it. */
#define OF_FIRM " endpoint_id IN (SELECT id FROM webhook_endpoints" \
                " WHERE firm_id = %s)"

/* One lead of `firm` and every row holding its data; adds to `counts`.
 * Deliveries are found by the lead in their body (the dialect's
 * delivery_of_lead), of any event type and endpoint, enabled or not. */
static int erase_lead(leadsctl_cmd_t *cmd, const char *firm, const char *lead,
                      int *counts)
{
    apr_pool_t *p = cmd->pool;
    const char *of_lead = cmd->db->sql->delivery_of_lead;
    const char *pattern = apr_pstrcat(p, "%", lead, "%", NULL);
    int n = 0;

    if (leadsctl_db_exec(cmd->db, &n,
                         apr_pstrcat(p, "DELETE FROM webhook_attempts"
                                     " WHERE delivery_id IN (SELECT id FROM"
                                     " webhook_deliveries WHERE" OF_FIRM
                                     " AND ", of_lead, ")", NULL),
                         firm, pattern, lead, NULL)) {
        return leadsctl_db_fail(cmd, "deleting webhook attempts");
    }
    counts[ERASED_ATTEMPTS] += n;
    if (leadsctl_db_exec(cmd->db, &n,
                         apr_pstrcat(p, "DELETE FROM webhook_deliveries"
                                     " WHERE" OF_FIRM " AND ", of_lead,
                                     NULL),
                         firm, pattern, lead, NULL)) {
        return leadsctl_db_fail(cmd, "deleting webhook deliveries");
    }
    counts[ERASED_DELIVERIES] += n;
    if (leadsctl_db_exec(cmd->db, &n,
                         "DELETE FROM idempotency_keys WHERE lead_id = %s",
                         lead, NULL)) {
        return leadsctl_db_fail(cmd, "deleting Idempotency-Key records");
    }
    counts[ERASED_IDEMPOTENCY] += n;
    if (leadsctl_db_exec(cmd->db, &n,
                         "DELETE FROM leads WHERE id = %s AND firm_id = %s",
                         lead, firm, NULL)) {
        return leadsctl_db_fail(cmd, "deleting the lead");
    }
    counts[ERASED_LEADS] += n;
    return LEADSCTL_OK;
}

/* The leads are chosen once, inside the transaction, and erased one by
 * one: a lead committed meanwhile is not among them, and none is erased
 * without the rows that hold its data. */
static int erase_matching(leadsctl_cmd_t *cmd, const char *firm,
                          const lead_match_t *m, int *counts)
{
    leadsctl_rows_t *rows;
    int i, rc = LEADSCTL_OK;

    if (leadsctl_db_select(cmd->db, &rows,
                           apr_pstrcat(cmd->pool, "SELECT id FROM leads"
                                       " WHERE firm_id = %s AND ", m->column,
                                       " = %s ORDER BY id", NULL),
                           firm, m->value, NULL)) {
        return leadsctl_db_fail(cmd, "finding the leads");
    }
    for (i = 0; i < rows->rows->nelts && rc == LEADSCTL_OK; i++) {
        rc = erase_lead(cmd, firm, leadsctl_rows_get(rows, i, 0), counts);
    }
    return rc;
}

/* The number of leads alone, or with --json the rows erased per table. */
static int print_erased(const leadsctl_cmd_t *cmd, const int *counts)
{
    json_t *obj;

    if (!cmd->json) {
        printf("%d\n", counts[ERASED_LEADS]);
        return LEADSCTL_OK;
    }
    obj = json_object();
    json_object_set_new(obj, "leads", json_integer(counts[ERASED_LEADS]));
    json_object_set_new(obj, "idempotency_keys",
                        json_integer(counts[ERASED_IDEMPOTENCY]));
    json_object_set_new(obj, "webhook_deliveries",
                        json_integer(counts[ERASED_DELIVERIES]));
    json_object_set_new(obj, "webhook_attempts",
                        json_integer(counts[ERASED_ATTEMPTS]));
    return leadsctl_print_json(obj);
}

int leadsctl_lead_erase(leadsctl_cmd_t *cmd)
{
    int counts[ERASED_TABLES] = { 0 };
    const char *firm = NULL;
    lead_match_t match;
    int rc;

    if ((rc = parse_match(cmd, &match))
        || (rc = leadsctl_firm_resolve(cmd, &firm))) {
        return rc;
    }
    if (leadsctl_db_begin(cmd->db)) {
        return leadsctl_db_fail(cmd, "starting the transaction");
    }
    rc = erase_matching(cmd, firm, &match, counts);
    if (rc == LEADSCTL_OK && leadsctl_db_commit(cmd->db)) {
        rc = leadsctl_db_fail(cmd, "committing");
    }
    if (rc != LEADSCTL_OK) {
        leadsctl_db_rollback(cmd->db);
        return rc;
    }
    return print_erased(cmd, counts);
}
