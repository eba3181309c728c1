-- mod_leads schema 3: ingestion sources (docs/api.md §6) and webhooks (docs/api.md §9).

CREATE TABLE IF NOT EXISTS sources (
    id          uuid PRIMARY KEY,
    firm_id     uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    name        text NOT NULL,
    key_hash    char(64) NOT NULL UNIQUE,
    last4       varchar(4) NOT NULL,
    mapping     text NOT NULL DEFAULT '{}',
    enabled     boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sources_firm ON sources (firm_id);

ALTER TABLE leads ADD COLUMN source_id uuid REFERENCES sources(id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN external_id varchar(255);
CREATE UNIQUE INDEX IF NOT EXISTS leads_source_external ON leads (source_id, external_id);

CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id          uuid PRIMARY KEY,
    firm_id     uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    url         text NOT NULL,
    secret      text NOT NULL,
    events      text NOT NULL DEFAULT '*',
    enabled     boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS webhook_endpoints_firm ON webhook_endpoints (firm_id);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id               uuid PRIMARY KEY,
    event_id         uuid NOT NULL,
    event_type       varchar(64) NOT NULL,
    endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    firm_id          uuid NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    body             text NOT NULL,
    status           varchar(16) NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending','delivered','failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    lease_owner      varchar(100),
    lease_until      timestamptz,
    last_http_status integer,
    last_error       text,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    delivered_at     timestamptz
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS webhook_deliveries_firm ON webhook_deliveries (firm_id, created_at);

CREATE TABLE IF NOT EXISTS webhook_attempts (
    id           uuid PRIMARY KEY,
    delivery_id  uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt      integer NOT NULL,
    started_at   timestamptz NOT NULL,
    duration_ms  integer NOT NULL,
    http_status  integer,
    error        text,
    outcome      varchar(16) NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
