-- mod_leads schema 3: ingestion sources (docs/api.md §6) and webhooks (docs/api.md §9).

CREATE TABLE IF NOT EXISTS sources (
    id          CHAR(36) NOT NULL PRIMARY KEY,
    firm_id     CHAR(36) NOT NULL,
    name        VARCHAR(400) NOT NULL,
    key_hash    CHAR(64) NOT NULL,
    last4       VARCHAR(4) NOT NULL,
    mapping     TEXT NOT NULL,
    enabled     TINYINT(1) NOT NULL DEFAULT 1,
    created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY sources_hash (key_hash),
    KEY sources_firm (firm_id),
    CONSTRAINT sources_firm FOREIGN KEY (firm_id) REFERENCES firms (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE leads ADD COLUMN source_id CHAR(36) NULL, ADD COLUMN external_id VARCHAR(255) NULL, ADD UNIQUE KEY leads_source_external (source_id, external_id), ADD CONSTRAINT leads_source FOREIGN KEY (source_id) REFERENCES sources (id) ON DELETE SET NULL;

CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id          CHAR(36) NOT NULL PRIMARY KEY,
    firm_id     CHAR(36) NOT NULL,
    url         TEXT NOT NULL,
    secret      VARCHAR(200) NOT NULL,
    events      VARCHAR(400) NOT NULL DEFAULT '*',
    enabled     TINYINT(1) NOT NULL DEFAULT 1,
    created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY webhook_endpoints_firm (firm_id),
    CONSTRAINT webhook_endpoints_firm FOREIGN KEY (firm_id) REFERENCES firms (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id               CHAR(36) NOT NULL PRIMARY KEY,
    event_id         CHAR(36) NOT NULL,
    event_type       VARCHAR(64) NOT NULL,
    endpoint_id      CHAR(36) NOT NULL,
    firm_id          CHAR(36) NOT NULL,
    body             LONGTEXT NOT NULL,
    status           VARCHAR(16) NOT NULL DEFAULT 'pending',
    attempts         INT NOT NULL DEFAULT 0,
    next_attempt_at  DATETIME(3) NOT NULL,
    lease_owner      VARCHAR(100) NULL,
    lease_until      DATETIME(3) NULL,
    last_http_status INT NULL,
    last_error       TEXT NULL,
    created_at       DATETIME(3) NOT NULL,
    updated_at       DATETIME(3) NOT NULL,
    delivered_at     DATETIME(3) NULL,
    KEY webhook_deliveries_due (status, next_attempt_at),
    KEY webhook_deliveries_firm (firm_id, created_at),
    CONSTRAINT webhook_deliveries_endpoint FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    CONSTRAINT webhook_deliveries_firm FOREIGN KEY (firm_id) REFERENCES firms (id) ON DELETE CASCADE,
    CONSTRAINT webhook_deliveries_status CHECK (status IN ('pending','delivered','failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS webhook_attempts (
    id           CHAR(36) NOT NULL PRIMARY KEY,
    delivery_id  CHAR(36) NOT NULL,
    attempt      INT NOT NULL,
    started_at   DATETIME(3) NOT NULL,
    duration_ms  INT NOT NULL,
    http_status  INT NULL,
    error        TEXT NULL,
    outcome      VARCHAR(16) NOT NULL,
    KEY webhook_attempts_delivery (delivery_id, attempt),
    CONSTRAINT webhook_attempts_delivery FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
