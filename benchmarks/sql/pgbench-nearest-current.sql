-- pgbench script: ListParkingLots' first-page query AS THE SERVER RUNS IT (copy of ParkingLotRepository.NEAREST_SQL,
-- 2026-11-23), radius 5000 m, page size 20 (+1). See README.md beside this file.
-- Origins drawn like the benchmark data: 40% in Seoul's box, the rest over South Korea's box.
\set s random(1, 100)
\if :s <= 40
\set lat 37.413 + random(0, 1000000) * 0.000000302
\set lng 126.734 + random(0, 1000000) * 0.000000535
\else
\set lat 34.5 + random(0, 1000000) * 0.0000038
\set lng 126.3 + random(0, 1000000) * 0.0000031
\endif
SELECT l.id, l.display_name, l.address, l.latitude, l.longitude, l.image_uri, l.time_zone, l.open, l.created_at, l.updated_at,
 (SELECT count(*) FROM spots s WHERE s.lot_id = l.id AND s.enabled AND s.deleted_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.spot_id = s.id AND r.status IN ('CONFIRMED', 'IN_PROGRESS') AND r.period @> now())) AS free_spot_count,
 ll_to_earth(l.latitude, l.longitude) <-> ll_to_earth(:lat, :lng) AS chord
FROM parking_lots l WHERE l.open
AND earth_box(ll_to_earth(:lat, :lng), 5000 * earth() / 6371008.8) @> ll_to_earth(l.latitude, l.longitude)
AND sec_to_gc(ll_to_earth(l.latitude, l.longitude) <-> ll_to_earth(:lat, :lng)) * 6371008.8 / earth() <= 5000
AND (ll_to_earth(l.latitude, l.longitude) <-> ll_to_earth(:lat, :lng), l.id) > (-1, '00000000-0000-0000-0000-000000000000'::uuid)
ORDER BY ll_to_earth(l.latitude, l.longitude) <-> ll_to_earth(:lat, :lng), l.id LIMIT 21;
