-- mod_leads schema 9: a delivery's id tells its event (SPEC §7.1, Cost).
--  * A delivery's id is its event id's first 64 bits (time, version and
--    rand_a, all of a version 7 UUID) and 64 random bits. New deliveries
--    append to the primary key's right edge, and an event's deliveries
--    are one range of the key: the deliverer finds a fresh event's rows
--    there.
--  * So webhook_deliveries_event goes: every delivery written, and again
--    every one finished, paid for an entry in it. Deliveries written
--    before this version have random ids; none of them is fresh any
--    more, and the sweep finds them by the due index as before.

DROP INDEX IF EXISTS webhook_deliveries_event;
