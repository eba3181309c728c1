-- mod_leads schema 8: a delivery costs the create less (SPEC §7.1, Cost).
--  * webhook_deliveries_firm goes: every delivery written and every one
--    finished paid for an entry in it. `leadsctl lead erase` finds a
--    firm's deliveries through its endpoints (webhook_deliveries_endpoint).
--  * So does the foreign key to firms: the one to the endpoint implies it
--    (deleting a firm deletes its endpoints, which delete their
--    deliveries), and each delivery written paid a lookup of the firm.

DROP INDEX IF EXISTS webhook_deliveries_firm;
ALTER TABLE webhook_deliveries DROP CONSTRAINT IF EXISTS webhook_deliveries_firm_id_fkey;
