-- mod_leads schema 4: the deliverer leases due deliveries in batches and
-- loads a batch by its lease token. Both indexes hold only the rows the
-- deliverer looks for: pending ones, leased ones.

DROP INDEX IF EXISTS webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';

CREATE INDEX IF NOT EXISTS webhook_deliveries_lease
    ON webhook_deliveries (lease_owner) WHERE lease_owner IS NOT NULL;
