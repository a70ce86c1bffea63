-- Issue 4: cheaper bookings. One foreign key per pair instead of one per column on reservations.
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

