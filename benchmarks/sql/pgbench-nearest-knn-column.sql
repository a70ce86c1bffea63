-- pgbench script: proposed query 2 — as pgbench-nearest-knn.sql, on a stored generated column earth_loc with its
-- own GiST index (run setup-earth-column.sql first), so ll_to_earth() and the earth domain checks run once per
-- row written instead of several times per row read.
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
 (SELECT count(*) FROM spots s WHERE s.lot_id = k.id AND s.enabled AND s.deleted_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.spot_id = s.id AND r.status IN ('CONFIRMED', 'IN_PROGRESS') AND r.period @> now())) AS free_spot_count,
 k.chord
FROM (SELECT l.id, l.display_name, l.address, l.latitude, l.longitude, l.image_uri, l.time_zone, l.open, l.created_at, l.updated_at,
        l.earth_loc <-> ll_to_earth(:lat, :lng) AS chord FROM parking_lots l
  WHERE l.open AND (l.earth_loc <-> ll_to_earth(:lat, :lng), l.id) > (-1, '00000000-0000-0000-0000-000000000000'::uuid)
  ORDER BY l.earth_loc <-> ll_to_earth(:lat, :lng) LIMIT 21) k
WHERE k.chord <= 2 * earth() * sin(5000 / (2 * 6371008.8))
ORDER BY k.chord, k.id;
