-- Issue 4 (booking speed): the parking lot index (parking/ParkingLotIndex.java) only needs the active
-- reservations that can touch a lot's free-spot count soon. It loads those starting within 2 hours
-- (and reloads everything every 30 minutes), so a reservation further ahead needs no notification:
-- most bookings are for later, and each notification made the index re-read the lot's reservations.
-- The trigger now names a lot only for rows whose period overlaps the next 3 hours (more than the
-- index's 2 + 0.5 hours, so whatever the index has not loaded yet is still announced). now() is the
-- transaction's start; transactions are bounded by statement_timeout (30 s), far below the margin.
CREATE OR REPLACE FUNCTION chargebot_parking_reservations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    near tstzrange := tstzrange(now(), now() + interval '3 hours');
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM chargebot_parking_notify('free', ARRAY(
            SELECT DISTINCT s.lot_id FROM new_rows r JOIN spots s ON s.id = r.spot_id
            WHERE r.status IN ('CONFIRMED', 'IN_PROGRESS') AND r.period && near));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM chargebot_parking_notify('free', ARRAY(
            SELECT DISTINCT s.lot_id
            FROM old_rows o FULL JOIN new_rows n ON n.id = o.id,
                LATERAL (VALUES (o.spot_id, o.status, o.period), (n.spot_id, n.status, n.period)) AS v (spot_id, status, period)
                JOIN spots s ON s.id = v.spot_id
            WHERE v.status IN ('CONFIRMED', 'IN_PROGRESS') AND v.period && near
              AND (o.id IS NULL OR n.id IS NULL OR o.spot_id IS DISTINCT FROM n.spot_id
                   OR o.period IS DISTINCT FROM n.period
                   OR (o.status IN ('CONFIRMED', 'IN_PROGRESS')) IS DISTINCT FROM (n.status IN ('CONFIRMED', 'IN_PROGRESS')))));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM chargebot_parking_notify('free', ARRAY(
            SELECT DISTINCT s.lot_id FROM old_rows r JOIN spots s ON s.id = r.spot_id
            WHERE r.status IN ('CONFIRMED', 'IN_PROGRESS') AND r.period && near));
    ELSE
        PERFORM pg_notify('chargebot_parking', 'reload');
    END IF;
    RETURN NULL;
END
$$;

-- Opening hours belong to the lot: a change of them announces the lot (reservation/LotFactsCache.java
-- keeps a lot's hours for bookings). Admin writes also touch the lot row; this covers every writer.
CREATE FUNCTION chargebot_parking_hours_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM chargebot_parking_notify('lot', ARRAY(SELECT DISTINCT lot_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM chargebot_parking_notify('lot', ARRAY(SELECT lot_id FROM new_rows UNION SELECT lot_id FROM old_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM chargebot_parking_notify('lot', ARRAY(SELECT DISTINCT lot_id FROM old_rows));
    ELSE
        PERFORM pg_notify('chargebot_parking', 'reload');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER parking_lot_hours_insert AFTER INSERT ON parking_lot_hours
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_hours_changed();
CREATE TRIGGER parking_lot_hours_update AFTER UPDATE ON parking_lot_hours
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_hours_changed();
CREATE TRIGGER parking_lot_hours_delete AFTER DELETE ON parking_lot_hours
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_hours_changed();
CREATE TRIGGER parking_lot_hours_truncate AFTER TRUNCATE ON parking_lot_hours
    FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_hours_changed();
