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
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Reads parking lots and spots from PostgreSQL. */
@Singleton
final class ParkingLotRepository {

    /** Mean earth radius (IUGG) in metres; distances are reported on this sphere. */
    static final double EARTH_RADIUS_METERS = 6_371_008.8;

    // earthdistance works on a sphere of radius earth() (6378168 m); scale to the mean radius.
    // ORDER BY the cube chord (<->) uses the GiST index for KNN; the earth_box condition bounds the scan.
    private static final String LOT_COLUMNS =
            "l.id, l.display_name, l.address, l.latitude, l.longitude, l.image_uri, l.time_zone, l.open, "
            + "l.created_at, l.updated_at, " + freeSpotCount();

    private static final String NEAREST_SQL =
            "SELECT " + LOT_COLUMNS + ", "
            + "ll_to_earth(l.latitude, l.longitude) <-> ll_to_earth(?, ?) AS chord "
            + "FROM parking_lots l "
            + "WHERE l.open "
            + "AND earth_box(ll_to_earth(?, ?), ? * earth() / " + EARTH_RADIUS_METERS + ") @> ll_to_earth(l.latitude, l.longitude) "
            + "AND sec_to_gc(ll_to_earth(l.latitude, l.longitude) <-> ll_to_earth(?, ?)) * " + EARTH_RADIUS_METERS + " / earth() <= ? "
            + "AND (ll_to_earth(l.latitude, l.longitude) <-> ll_to_earth(?, ?), l.id) > (?, ?) "
            + "ORDER BY ll_to_earth(l.latitude, l.longitude) <-> ll_to_earth(?, ?), l.id "
            + "LIMIT ?";

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

    /**
     * Open lots within {@code radiusMeters} of the origin, nearest first, after the keyset position
     * {@code (afterChord, afterId)} (use -1 and the nil UUID for the first page).
     */
    List<Lot> nearest(double latitude, double longitude, int radiusMeters, double afterChord, UUID afterId,
                      int limit) {
        return db.read(connection -> {
            try (PreparedStatement ps = Db.prepare(connection, NEAREST_SQL)) {
                int i = 1;
                ps.setDouble(i++, latitude);
                ps.setDouble(i++, longitude);
                ps.setDouble(i++, latitude);
                ps.setDouble(i++, longitude);
                ps.setDouble(i++, radiusMeters);
                ps.setDouble(i++, latitude);
                ps.setDouble(i++, longitude);
                ps.setDouble(i++, radiusMeters);
                ps.setDouble(i++, latitude);
                ps.setDouble(i++, longitude);
                ps.setDouble(i++, afterChord);
                ps.setObject(i++, afterId);
                ps.setDouble(i++, latitude);
                ps.setDouble(i++, longitude);
                ps.setInt(i, limit);
                List<Lot> lots = new ArrayList<>(limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        lots.add(lot(rs, rs.getDouble("chord")));
                    }
                }
                return lots;
            }
        });
    }

    /** Great-circle distance in metres for a chord length on earthdistance's sphere. */
    static double chordToMeters(double chord) {
        double earthCubeRadius = 6_378_168.0;
        double ratio = Math.min(1.0, chord / (2 * earthCubeRadius));
        return 2 * Math.asin(ratio) * EARTH_RADIUS_METERS;
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
