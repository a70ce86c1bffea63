-- Reservations (issue 4): lifecycle timestamps and the one definition of a reservation's status.

ALTER TABLE reservations
    ADD COLUMN cancelled_at         timestamptz,
    ADD COLUMN dispatched_at        timestamptz,
    ADD COLUMN energy_delivered_kwh numeric(7, 2) CHECK (energy_delivered_kwh >= 0);

-- The status a reservation has at instant `at` (seed 003 derived_status): a CONFIRMED window that
-- ended without the car arriving is NO_SHOW; an IN_PROGRESS one whose window ended is COMPLETED.
-- Every read and every status filter goes through this function, so replies and filters agree.
CREATE FUNCTION reservation_status(status text, period tstzrange, at timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN status = 'CONFIRMED' AND upper(period) <= at THEN 'NO_SHOW'
        WHEN status = 'IN_PROGRESS' AND upper(period) <= at THEN 'COMPLETED'
        ELSE status
    END;

-- No new indexes: the exclusion constraints' GiST indexes (spot_id, period) and (car_id, period) on
-- active rows already serve "active windows of this spot/car overlapping X" (use period && X).
