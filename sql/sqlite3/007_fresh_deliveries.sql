-- mod_leads schema 7: a fresh delivery's cheaper success path (SPEC §7.1, Cost).
--  * The create writes a delivery already leased to its own httpd's
--    deliverer, which finds it by the event id the shared-memory ring
--    carries: one read by this index, no lease UPDATE.
--  * last_duration_ms: a successful attempt is recorded on the delivery
--    row alone (when, HTTP status, duration); attempt rows are written
--    for failed attempts only.

CREATE INDEX IF NOT EXISTS webhook_deliveries_event
    ON webhook_deliveries (event_id);
ALTER TABLE webhook_deliveries ADD COLUMN last_duration_ms INTEGER;
