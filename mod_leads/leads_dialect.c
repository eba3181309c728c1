/* All request-path and maintenance SQL, per backend, in one place. Schemas
 * are in sql/<driver>/. Statement order is leads_sql_e's. */
#include <string.h>

#include "leads_dialect.h"

#define LEADS_LABELS { \
    "leads_key_by_hash", "leads_first_open_stage", "leads_fields", \
    "leads_members", "leads_lead_insert", "leads_idem_get", \
    "leads_idem_delete", "leads_idem_claim", "leads_idem_purge" }

#define IDEM_COLUMNS \
    "(scope, key_hash, fingerprint, status, body, ignored, lead_id," \
    " created_at, expires_at)"

/* The pgsql driver declares every %s parameter varchar: cast to column types. */
static const leads_dialect_t dialect_pgsql = {
    "pgsql", "BEGIN", LEADS_TIME_ISO_Z, 1,
    { NULL }, 0,
    {
        "SELECT id, firm_id, scopes, enabled FROM api_keys WHERE key_hash = %s",
        "SELECT id, key, name FROM stages"
        " WHERE firm_id = CAST(%s AS uuid) AND NOT closed"
        " ORDER BY position, key LIMIT 1",
        "SELECT name, type, choices, required FROM fields"
        " WHERE firm_id = CAST(%s AS uuid) ORDER BY name",
        "SELECT id FROM members WHERE firm_id = CAST(%s AS uuid)",
        "INSERT INTO leads (id, firm_id, first_name, last_name, email, phone,"
        " source, stage_id, assignee_id, data, created_at, last_activity_at)"
        " VALUES (CAST(%s AS uuid), CAST(%s AS uuid), %s, %s, %s, %s, %s,"
        " CAST(%s AS uuid), CAST(NULLIF(%s, '') AS uuid), CAST(%s AS jsonb),"
        " CAST(%s AS timestamptz), CAST(%s AS timestamptz))",
        "SELECT fingerprint, status, body, ignored,"
        " CASE WHEN expires_at > CAST(%s AS timestamptz) THEN 1 ELSE 0 END"
        " FROM idempotency_keys WHERE scope = %s AND key_hash = %s",
        "DELETE FROM idempotency_keys WHERE scope = %s AND key_hash = %s"
        " AND expires_at <= CAST(%s AS timestamptz)",
        "INSERT INTO idempotency_keys " IDEM_COLUMNS
        " VALUES (%s, %s, %s, CAST(%s AS integer), %s, %s, CAST(%s AS uuid),"
        " CAST(%s AS timestamptz), CAST(%s AS timestamptz))"
        " ON CONFLICT DO NOTHING",
        "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM"
        " idempotency_keys WHERE expires_at <= CAST(%s AS timestamptz)"
        " LIMIT 1000)"
    },
    LEADS_LABELS
};

static const leads_dialect_t dialect_mysql = {
    "mysql", "START TRANSACTION", LEADS_TIME_SQL_UTC, 0,
    { "SET NAMES utf8mb4", NULL }, 0,
    {
        "SELECT id, firm_id, scopes, enabled FROM api_keys WHERE key_hash = %s",
        "SELECT id, `key`, name FROM stages WHERE firm_id = %s AND closed = 0"
        " ORDER BY position, `key` LIMIT 1",
        "SELECT name, type, choices, required FROM fields WHERE firm_id = %s"
        " ORDER BY name",
        "SELECT id FROM members WHERE firm_id = %s",
        "INSERT INTO leads (id, firm_id, first_name, last_name, email, phone,"
        " source, stage_id, assignee_id, data, created_at, last_activity_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULLIF(%s, ''), %s, %s, %s)",
        "SELECT fingerprint, status, body, ignored,"
        " CASE WHEN expires_at > %s THEN 1 ELSE 0 END"
        " FROM idempotency_keys WHERE scope = %s AND key_hash = %s",
        "DELETE FROM idempotency_keys WHERE scope = %s AND key_hash = %s"
        " AND expires_at <= %s",
        "INSERT IGNORE INTO idempotency_keys " IDEM_COLUMNS
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        "DELETE FROM idempotency_keys WHERE expires_at <= %s LIMIT 1000"
    },
    LEADS_LABELS
};

static const leads_dialect_t dialect_sqlite3 = {
    "sqlite3", "BEGIN IMMEDIATE", LEADS_TIME_ISO_Z, 0,
    /* Children share the file: wait for a lock rather than fail at once. */
    { "PRAGMA busy_timeout = 10000", "PRAGMA foreign_keys = ON", NULL }, 1,
    {
        "SELECT id, firm_id, scopes, enabled FROM api_keys WHERE key_hash = %s",
        "SELECT id, key, name FROM stages WHERE firm_id = %s AND closed = 0"
        " ORDER BY position, key LIMIT 1",
        "SELECT name, type, choices, required FROM fields WHERE firm_id = %s"
        " ORDER BY name",
        "SELECT id FROM members WHERE firm_id = %s",
        "INSERT INTO leads (id, firm_id, first_name, last_name, email, phone,"
        " source, stage_id, assignee_id, data, created_at, last_activity_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULLIF(%s, ''), %s, %s, %s)",
        "SELECT fingerprint, status, body, ignored,"
        " CASE WHEN expires_at > %s THEN 1 ELSE 0 END"
        " FROM idempotency_keys WHERE scope = %s AND key_hash = %s",
        "DELETE FROM idempotency_keys WHERE scope = %s AND key_hash = %s"
        " AND expires_at <= %s",
        "INSERT INTO idempotency_keys " IDEM_COLUMNS
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        "DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM"
        " idempotency_keys WHERE expires_at <= %s LIMIT 1000)"
    },
    LEADS_LABELS
};

static const leads_dialect_t *const dialects[] = {
    &dialect_pgsql, &dialect_mysql, &dialect_sqlite3, NULL
};

const leads_dialect_t *leads_dialect_for(const char *driver)
{
    int i;

    for (i = 0; driver && dialects[i]; i++) {
        if (strcmp(dialects[i]->driver, driver) == 0) {
            return dialects[i];
        }
    }
    return NULL;
}
