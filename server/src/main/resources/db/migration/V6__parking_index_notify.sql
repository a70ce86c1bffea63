-- Issue 2: every server keeps the lots for nearest-first search in memory (parking/ParkingLotIndex.java).
-- Whatever writes lots, spots or reservations (admin CRUD, bookings, scripts), these triggers name the
-- lots concerned on channel chargebot_parking when the transaction commits:
--   lot:<id>   the lot's row was inserted, updated or deleted;
--   free:<id>  its free-spot count may have changed (spots enabled/deleted/moved, active reservations);
--   reload     too many lots at once (> 1,000 in one statement) or TRUNCATE: servers reload everything.
-- Statement-level triggers with transition tables: a bulk COPY costs one notification, not one per row.

CREATE FUNCTION chargebot_parking_notify(kind text, lot_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF lot_ids IS NULL OR cardinality(lot_ids) = 0 THEN
        RETURN;
    END IF;
    IF cardinality(lot_ids) > 1000 THEN
        PERFORM pg_notify('chargebot_parking', 'reload');
    ELSE
        PERFORM pg_notify('chargebot_parking', kind || ':' || id) FROM unnest(lot_ids) AS id;
    END IF;
END
$$;

CREATE FUNCTION chargebot_parking_lots_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM chargebot_parking_notify('lot', ARRAY(SELECT DISTINCT id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM chargebot_parking_notify('lot', ARRAY(SELECT id FROM new_rows UNION SELECT id FROM old_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM chargebot_parking_notify('lot', ARRAY(SELECT DISTINCT id FROM old_rows));
    ELSE
        PERFORM pg_notify('chargebot_parking', 'reload');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER parking_lots_index_insert AFTER INSERT ON parking_lots
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_lots_changed();
CREATE TRIGGER parking_lots_index_update AFTER UPDATE ON parking_lots
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_lots_changed();
CREATE TRIGGER parking_lots_index_delete AFTER DELETE ON parking_lots
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_lots_changed();
CREATE TRIGGER parking_lots_index_truncate AFTER TRUNCATE ON parking_lots
    FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_lots_changed();

-- A spot counts as free when enabled, not deleted and without an active reservation now: only
-- changes of lot_id, enabled or deleted_at (or the row's existence) matter.
CREATE FUNCTION chargebot_parking_spots_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM chargebot_parking_notify('free', ARRAY(SELECT DISTINCT lot_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM chargebot_parking_notify('free', ARRAY(
            SELECT lot FROM old_rows o FULL JOIN new_rows n ON n.id = o.id,
                LATERAL (VALUES (o.lot_id), (n.lot_id)) AS v (lot)
            WHERE lot IS NOT NULL AND (o.id IS NULL OR n.id IS NULL OR o.lot_id IS DISTINCT FROM n.lot_id
                OR o.enabled IS DISTINCT FROM n.enabled OR (o.deleted_at IS NULL) IS DISTINCT FROM (n.deleted_at IS NULL))
            GROUP BY lot));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM chargebot_parking_notify('free', ARRAY(SELECT DISTINCT lot_id FROM old_rows));
    ELSE
        PERFORM pg_notify('chargebot_parking', 'reload');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER spots_index_insert AFTER INSERT ON spots
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_spots_changed();
CREATE TRIGGER spots_index_update AFTER UPDATE ON spots
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_spots_changed();
CREATE TRIGGER spots_index_delete AFTER DELETE ON spots
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_spots_changed();
CREATE TRIGGER spots_index_truncate AFTER TRUNCATE ON spots
    FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_spots_changed();

-- Reservations matter while active (CONFIRMED, IN_PROGRESS): a change of that, of the period or of the
-- spot. The lot is the spot's (as in the free-spot count), looked up here.
CREATE FUNCTION chargebot_parking_reservations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM chargebot_parking_notify('free', ARRAY(
            SELECT DISTINCT s.lot_id FROM new_rows r JOIN spots s ON s.id = r.spot_id
            WHERE r.status IN ('CONFIRMED', 'IN_PROGRESS')));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM chargebot_parking_notify('free', ARRAY(
            SELECT DISTINCT s.lot_id
            FROM old_rows o FULL JOIN new_rows n ON n.id = o.id,
                LATERAL (VALUES (o.spot_id, o.status), (n.spot_id, n.status)) AS v (spot_id, status)
                JOIN spots s ON s.id = v.spot_id
            WHERE v.status IN ('CONFIRMED', 'IN_PROGRESS')
              AND (o.id IS NULL OR n.id IS NULL OR o.spot_id IS DISTINCT FROM n.spot_id
                   OR o.period IS DISTINCT FROM n.period
                   OR (o.status IN ('CONFIRMED', 'IN_PROGRESS')) IS DISTINCT FROM (n.status IN ('CONFIRMED', 'IN_PROGRESS')))));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM chargebot_parking_notify('free', ARRAY(
            SELECT DISTINCT s.lot_id FROM old_rows r JOIN spots s ON s.id = r.spot_id
            WHERE r.status IN ('CONFIRMED', 'IN_PROGRESS')));
    ELSE
        PERFORM pg_notify('chargebot_parking', 'reload');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER reservations_index_insert AFTER INSERT ON reservations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_reservations_changed();
CREATE TRIGGER reservations_index_update AFTER UPDATE ON reservations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_reservations_changed();
CREATE TRIGGER reservations_index_delete AFTER DELETE ON reservations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_reservations_changed();
CREATE TRIGGER reservations_index_truncate AFTER TRUNCATE ON reservations
    FOR EACH STATEMENT EXECUTE FUNCTION chargebot_parking_reservations_changed();
