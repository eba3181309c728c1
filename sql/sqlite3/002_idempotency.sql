-- mod_leads schema 2: Idempotency-Key records (docs/api.md §5), written in the
-- lead's own transaction. scope is 'firm:<id>' (API mode) or 'source:<id>'.

CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope       TEXT NOT NULL,
    key_hash    TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    ignored     TEXT NOT NULL DEFAULT '',
    lead_id     TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    PRIMARY KEY (scope, key_hash)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_expires ON idempotency_keys (expires_at);
