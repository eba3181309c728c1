-- mod_leads schema 2: Idempotency-Key records (docs/api.md §5), written in the
-- lead's own transaction. scope is 'firm:<id>' (API mode) or 'source:<id>'.

CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope       VARCHAR(80) NOT NULL,
    key_hash    CHAR(64) NOT NULL,
    fingerprint CHAR(64) NOT NULL,
    status      INT NOT NULL,
    body        LONGTEXT NOT NULL,
    ignored     TEXT NOT NULL,
    lead_id     CHAR(36) NULL,
    created_at  DATETIME(3) NOT NULL,
    expires_at  DATETIME(3) NOT NULL,
    PRIMARY KEY (scope, key_hash),
    KEY idempotency_keys_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
