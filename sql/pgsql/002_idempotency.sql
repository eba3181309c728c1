-- mod_leads schema 2: Idempotency-Key records (docs/api.md §5), written in the
-- lead's own transaction. scope is 'firm:<id>' (API mode) or 'source:<id>'.

CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope       varchar(80) NOT NULL,
    key_hash    char(64) NOT NULL,
    fingerprint char(64) NOT NULL,
    status      integer NOT NULL,
    body        text NOT NULL,
    ignored     text NOT NULL DEFAULT '',
    lead_id     uuid,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (scope, key_hash)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_expires ON idempotency_keys (expires_at);
