-- mod_leads schema 4: the deliverer leases due deliveries in batches and
-- loads a batch by its lease token.

CREATE INDEX IF NOT EXISTS webhook_deliveries_lease
    ON webhook_deliveries (lease_owner);
