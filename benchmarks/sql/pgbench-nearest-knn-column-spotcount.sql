-- pgbench script: proposed query 3 — as pgbench-nearest-knn-column.sql, with the free spot count taken from a
-- maintained parking_lots.spot_count minus one probe of reservations' (lot_id, period) GiST index per lot (run
-- setup-earth-column.sql first). Semantics differ if a reservation can be active on a disabled spot.
-- Origins drawn like the benchmark data: 40% in Seoul's box, the rest over South Korea's box.
\set s random(1, 100)
\if :s <= 40
\set lat 37.413 + random(0, 1000000) * 0.000000302
\set lng 126.734 + random(0, 1000000) * 0.000000535
\else
\set lat 34.5 + random(0, 1000000) * 0.0000038
\set lng 126.3 + random(0, 1000000) * 0.0000031
\endif
SELECT k.id, k.display_name, k.address, k.latitude, k.longitude, k.image_uri, k.time_zone, k.open, k.created_at, k.updated_at,
 k.spot_count - (SELECT count(*) FROM reservations r WHERE r.lot_id = k.id AND r.status IN ('CONFIRMED', 'IN_PROGRESS') AND r.period @> now()) AS free_spot_count,
 k.chord
FROM (SELECT l.id, l.display_name, l.address, l.latitude, l.longitude, l.image_uri, l.time_zone, l.open, l.created_at, l.updated_at, l.spot_count,
        l.earth_loc <-> ll_to_earth(:lat, :lng) AS chord FROM parking_lots l
  WHERE l.open
  ORDER BY l.earth_loc <-> ll_to_earth(:lat, :lng) LIMIT 21) k
WHERE k.chord <= 2 * earth() * sin(5000 / (2 * 6371008.8))
ORDER BY k.chord, k.id;
