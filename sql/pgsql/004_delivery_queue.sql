-- mod_leads schema 4: webhook_deliveries is a queue: each row is leased
-- and finished soon after its insert.
--  * The due index holds pending rows only: the deliverer's scan stays
--    small, and a finished delivery adds no entry to it.
--  * Free room in each page lets the lease (columns no index covers)
--    update in place (HOT).
--  * Autovacuum clears old row versions before scans have to step over
--    them.

DROP INDEX IF EXISTS webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';

ALTER TABLE webhook_deliveries SET (
    fillfactor = 70,
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_cost_delay = 0
);
