-- Nearest-first search (issue 2 benchmark): keep each lot's point on the earth cube in a stored
-- column, so the GiST index serves KNN ordering (<->) directly and no row recomputes ll_to_earth().
ALTER TABLE parking_lots ADD COLUMN earth_point cube GENERATED ALWAYS AS (ll_to_earth(latitude, longitude)) STORED;
DROP INDEX parking_lots_earth_idx;
CREATE INDEX parking_lots_point_idx ON parking_lots USING gist (earth_point) WHERE open;
