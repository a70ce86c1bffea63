-- Scratch-database only: what proposed queries 2 and 3 need. NOT a migration of the project.
ALTER TABLE parking_lots ADD COLUMN IF NOT EXISTS earth_loc earth
    GENERATED ALWAYS AS (ll_to_earth(latitude, longitude)) STORED;
CREATE INDEX IF NOT EXISTS parking_lots_earth_loc_idx ON parking_lots USING gist (earth_loc) WHERE open;
ALTER TABLE parking_lots ADD COLUMN IF NOT EXISTS spot_count integer NOT NULL DEFAULT 0;
UPDATE parking_lots l SET spot_count =
    (SELECT count(*) FROM spots s WHERE s.lot_id = l.id AND s.enabled AND s.deleted_at IS NULL);
VACUUM ANALYZE parking_lots;
