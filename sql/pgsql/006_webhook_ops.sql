-- mod_leads schema 6: running webhooks for many firms (SPEC §7.1).
--  * failing_since: the first failed attempt since the endpoint's last
--    success (NULL when it is not failing); the maintenance thread disables
--    an endpoint failing for LeadsWebhookDisableAfter.
--  * previous_secret / previous_secret_until: the secret before the last
--    `webhook rotate-secret`, signed with as well until its grace ends.
--  * The endpoint index serves the per-endpoint cap of the lease, replay,
--    and the cascade of `webhook delete`; the finished index retention.

ALTER TABLE webhook_endpoints ADD COLUMN IF NOT EXISTS failing_since timestamptz;
ALTER TABLE webhook_endpoints ADD COLUMN IF NOT EXISTS previous_secret text;
ALTER TABLE webhook_endpoints ADD COLUMN IF NOT EXISTS previous_secret_until timestamptz;
CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint
    ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX IF NOT EXISTS webhook_deliveries_finished
    ON webhook_deliveries (updated_at) WHERE status <> 'pending';
