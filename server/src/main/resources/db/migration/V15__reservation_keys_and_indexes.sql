-- Issue 4: cheaper bookings. One foreign key per pair instead of one per column on reservations, and a B-tree for a lot's
-- reservations by start instead of a GiST index.
-- A reservation's user owns its car, and its lot is its spot's lot: (car_id, user_id) must be a car with that owner,
-- and (spot_id, lot_id) a spot of that lot. The booking statement checked both; now PostgreSQL holds them, and each
-- inserted reservation pays two foreign-key checks instead of four. The dropped checks locked the user's and the lot's
-- rows FOR KEY SHARE on every booking, so concurrent bookings of one lot or one driver shared those locks
-- (multixacts); the remaining checks lock the car and the spot, which the booking statement locks anyway.
-- user_id -> users and lot_id -> parking_lots still hold through cars.user_id and spots.lot_id, which never change.
ALTER TABLE cars ADD CONSTRAINT cars_id_user_key UNIQUE (id, user_id);
ALTER TABLE spots ADD CONSTRAINT spots_id_lot_key UNIQUE (id, lot_id);
ALTER TABLE reservations
    ADD CONSTRAINT reservations_car_owner_fkey FOREIGN KEY (car_id, user_id) REFERENCES cars (id, user_id),
    ADD CONSTRAINT reservations_spot_lot_fkey FOREIGN KEY (spot_id, lot_id) REFERENCES spots (id, lot_id),
    DROP CONSTRAINT reservations_user_id_fkey,
    DROP CONSTRAINT reservations_car_id_fkey,
    DROP CONSTRAINT reservations_spot_id_fkey,
    DROP CONSTRAINT reservations_lot_id_fkey;

-- A lot's reservations by start (the admin's list of a lot's day) through a B-tree instead of a GiST index on
-- (lot_id, period): every booking paid that GiST insert (about as much as an exclusion constraint's), and the one query
-- that needed overlap by lot, a lot's availability on a day, now asks per spot through reservations_spot_no_overlap.
DROP INDEX reservations_lot_period_idx;
CREATE INDEX reservations_lot_start_idx ON reservations (lot_id, lower(period));
