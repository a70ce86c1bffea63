package io.chargebot.server.parking;

import io.chargebot.server.db.Db;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Reads parking lots and spots from PostgreSQL. */
@Singleton
final class ParkingLotRepository {

    /** Mean earth radius (IUGG) in metres; distances are reported on this sphere. */
    static final double EARTH_RADIUS_METERS = 6_371_008.8;

    private static final String LOT_COLUMNS =
            "l.id, l.display_name, l.address, l.latitude, l.longitude, l.image_uri, l.time_zone, l.open, "
            + "l.created_at, l.updated_at, " + freeSpotCount();

    // KNN: ORDER BY the chord (<->) to the origin alone lets the GiST index on earth_point return
    // lots nearest first and stop after LIMIT; the box (the origin enlarged by the radius's chord)
    // bounds the scan. Ties (equal chords) come back in any order; nearest() orders and pages them
    // by id. The origin is the point earthPoint() computes, passed as a cube literal, so this path and
    // the in-memory ParkingLotIndex compute bit-identical chords (and page tokens work on either).
    private static final String NEAREST_SQL =
            "SELECT " + LOT_COLUMNS + ", l.earth_point <-> ?::cube AS chord "
            + "FROM parking_lots l "
            + "WHERE l.open AND cube_enlarge(?::cube, ?, 3) @> l.earth_point "
            + "AND l.earth_point <-> ?::cube <= ? "
            + "AND (l.earth_point <-> ?::cube, l.id) > (?, ?) "
            + "ORDER BY l.earth_point <-> ?::cube "
            + "LIMIT ?";

    /** Lots at exactly one chord from the origin (a tie group), by id. */
    private static final String TIED_SQL =
            "SELECT " + LOT_COLUMNS + ", l.earth_point <-> ?::cube AS chord "
            + "FROM parking_lots l "
            + "WHERE l.open AND cube_enlarge(?::cube, ?, 3) @> l.earth_point "
            + "AND l.earth_point <-> ?::cube = ? AND l.id > ? "
            + "ORDER BY l.id LIMIT ?";

    private static final String GET_SQL = "SELECT " + LOT_COLUMNS + " FROM parking_lots l WHERE l.id = ?";
    private static final String HOURS_SQL =
            "SELECT day_of_week, open_minute, close_minute FROM parking_lot_hours WHERE lot_id = ? ORDER BY day_of_week";
    private static final String SPOTS_SQL =
            "SELECT id, floor, code, x_meters, y_meters, enabled FROM spots "
            + "WHERE lot_id = ? AND deleted_at IS NULL ORDER BY floor, code";

    record Lot(UUID id, String displayName, String address, double latitude, double longitude, String imageUri,
               String timeZone, boolean open, Instant createdAt, Instant updatedAt, int freeSpotCount,
               double chord) {}

    record Hours(int dayOfWeek, int openMinute, int closeMinute) {}

    record Spot(UUID id, String floor, String code, double xMeters, double yMeters, boolean enabled) {}

    record LotDetail(Lot lot, List<Hours> hours, List<Spot> spots) {}

    private final Db db;

    ParkingLotRepository(Db db) {
        this.db = db;
    }

    /** A page of lots in (chord, id) order, and whether more follow. */
    record Page(List<Lot> lots, boolean more) {}

    /**
     * Up to {@code pageSize} open lots within {@code radiusMeters} of the origin, nearest first
     * (ties by id), strictly after the keyset position {@code (afterChord, afterId)} (-1 and the nil
     * UUID for the first page). A page may be shorter than {@code pageSize} when it would otherwise
     * split a group of equally distant lots.
     */
    Page nearest(double latitude, double longitude, int radiusMeters, double afterChord, UUID afterId, int pageSize) {
        double maxChord = metersToChord(radiusMeters);
        double[] point = earthPoint(latitude, longitude);
        String origin = "(" + point[0] + ", " + point[1] + ", " + point[2] + ")";
        return db.read(connection -> {
            List<Lot> fetched = query(connection, NEAREST_SQL, origin, maxChord, afterChord, afterId, pageSize + 1);
            Comparator<Lot> order = Comparator.comparingDouble(Lot::chord).thenComparing(Lot::id, ParkingLotRepository::compareAsPostgres);
            if (fetched.size() <= pageSize) {
                fetched.sort(order);
                return new Page(fetched, false);
            }
            // The last fetched lot's chord group may be incomplete: end the page before it ...
            double boundary = fetched.get(pageSize).chord();
            List<Lot> before = new ArrayList<>();
            for (Lot lot : fetched) {
                if (lot.chord() < boundary) {
                    before.add(lot);
                }
            }
            if (!before.isEmpty()) {
                before.sort(order);
                return new Page(before, true);
            }
            // ... unless the whole page is one group: then page through that group by id.
            UUID after = Double.compare(afterChord, boundary) == 0 ? afterId : new UUID(0, 0);
            List<Lot> tied = query(connection, TIED_SQL, origin, maxChord, boundary, after, pageSize);
            return new Page(tied, true);
        });
    }

    private static List<Lot> query(Connection connection, String sql, String origin, double maxChord,
                                   double chord, UUID id, int limit) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, sql)) {
            int i = 1;
            ps.setString(i++, origin);
            ps.setString(i++, origin);
            ps.setDouble(i++, maxChord);
            ps.setString(i++, origin);
            if (sql == NEAREST_SQL) {
                ps.setDouble(i++, maxChord);
                ps.setString(i++, origin);
                ps.setDouble(i++, chord);
                ps.setObject(i++, id);
                ps.setString(i++, origin);
            } else {
                ps.setDouble(i++, chord);
                ps.setObject(i++, id);
            }
            ps.setInt(i, limit);
            List<Lot> lots = new ArrayList<>(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lots.add(lot(rs, rs.getDouble("chord")));
                }
            }
            return lots;
        }
    }

    /** UUIDs in PostgreSQL's order (unsigned bytes), which keyset cursors compare with. */
    static int compareAsPostgres(UUID a, UUID b) {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    }

    /** earthdistance's sphere radius (earth()), in metres. */
    private static final double EARTH_CUBE_RADIUS = 6_378_168.0;

    /**
     * The origin's point on earthdistance's sphere, as {@code ll_to_earth} defines it (x, y, z in
     * metres). StrictMath, so every replica computes the same bits for the same origin: a page token
     * (chord, id) issued by one server continues correctly on any other. (PostgreSQL's own
     * {@code ll_to_earth} uses the C library's sin/cos, which differ from Java's in the last bit for
     * ~0.5% of inputs; lots' points are read from PostgreSQL's stored earth_point, so they agree.)
     */
    static double[] earthPoint(double latitude, double longitude) {
        double lat = Math.toRadians(latitude);
        double lng = Math.toRadians(longitude);
        return new double[] {
                EARTH_CUBE_RADIUS * StrictMath.cos(lat) * StrictMath.cos(lng),
                EARTH_CUBE_RADIUS * StrictMath.cos(lat) * StrictMath.sin(lng),
                EARTH_CUBE_RADIUS * StrictMath.sin(lat)};
    }

    /**
     * The chord between two points exactly as the cube extension's {@code <->} (cube_distance)
     * computes it for points — same operations in the same order, so the same bits.
     */
    static double chord(double ax, double ay, double az, double bx, double by, double bz) {
        double d = ax <= bx ? bx - ax : ax - bx;
        double sum = d * d;
        d = ay <= by ? by - ay : ay - by;
        sum += d * d;
        d = az <= bz ? bz - az : az - bz;
        sum += d * d;
        return Math.sqrt(sum);
    }

    /** Great-circle distance in metres (mean earth radius) for a chord length on earthdistance's sphere. */
    static double chordToMeters(double chord) {
        double ratio = Math.min(1.0, chord / (2 * EARTH_CUBE_RADIUS));
        return 2 * Math.asin(ratio) * EARTH_RADIUS_METERS;
    }

    /** The chord on earthdistance's sphere for a great-circle distance in metres (mean earth radius). */
    static double metersToChord(double meters) {
        return 2 * EARTH_CUBE_RADIUS * Math.sin(Math.min(Math.PI / 2, meters / (2 * EARTH_RADIUS_METERS)));
    }

    Optional<LotDetail> get(UUID id) {
        return db.read(connection -> {
            Lot lot = null;
            try (PreparedStatement ps = Db.prepare(connection, GET_SQL)) {
                ps.setObject(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        lot = lot(rs, 0);
                    }
                }
            }
            if (lot == null) {
                return Optional.empty();
            }
            return Optional.of(new LotDetail(lot, hours(connection, id), spots(connection, id)));
        });
    }

    private static List<Hours> hours(Connection connection, UUID lotId) throws SQLException {
        List<Hours> hours = new ArrayList<>(7);
        try (PreparedStatement ps = Db.prepare(connection, HOURS_SQL)) {
            ps.setObject(1, lotId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    hours.add(new Hours(rs.getInt(1), rs.getInt(2), rs.getInt(3)));
                }
            }
        }
        return hours;
    }

    private static List<Spot> spots(Connection connection, UUID lotId) throws SQLException {
        List<Spot> spots = new ArrayList<>();
        try (PreparedStatement ps = Db.prepare(connection, SPOTS_SQL)) {
            ps.setObject(1, lotId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    spots.add(new Spot(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                            rs.getDouble(4), rs.getDouble(5), rs.getBoolean(6)));
                }
            }
        }
        return spots;
    }

    private static Lot lot(ResultSet rs, double chord) throws SQLException {
        return new Lot(rs.getObject("id", UUID.class), rs.getString("display_name"), rs.getString("address"),
                rs.getDouble("latitude"), rs.getDouble("longitude"), rs.getString("image_uri"),
                rs.getString("time_zone"), rs.getBoolean("open"), instant(rs, "created_at"),
                instant(rs, "updated_at"), rs.getInt("free_spot_count"), chord);
    }

    @Nullable
    private static Instant instant(ResultSet rs, String column) throws SQLException {
        java.sql.Timestamp timestamp = rs.getTimestamp(column);
        return timestamp == null ? null : timestamp.toInstant();
    }

    private static String freeSpotCount() {
        return "(SELECT count(*) FROM spots s WHERE s.lot_id = l.id AND s.enabled AND s.deleted_at IS NULL "
                + "AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.spot_id = s.id "
                + "AND r.status IN ('CONFIRMED', 'IN_PROGRESS') AND r.period @> now())) AS free_spot_count";
    }
}
