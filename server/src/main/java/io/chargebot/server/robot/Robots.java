package io.chargebot.server.robot;

import com.google.type.LatLng;
import io.chargebot.api.RobotIds;
import io.chargebot.robot.v1.Robot;
import io.chargebot.robot.v1.RobotPosition;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.grpc.ResourceNames;
import io.micronaut.core.annotation.Nullable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The robots table: reading rows, the proto mapping, robot ids and names. */
final class Robots {

    /**
     * Columns of {@code robots b}; the first parameter of a statement using them is the instant before
     * which a robot's last message makes it count as silent (now minus offline-after).
     */
    static final String SELECT = "SELECT b.id, b.robot_key, b.lot_id, b.display_name, b.serial_number, "
            + "(b.online AND b.last_seen_at >= ?) AS connected, b.state, b.battery_percent, b.latitude, b.longitude, "
            + "b.floor, b.x_meters, b.y_meters, b.heading_degrees, b.base_latitude, b.base_longitude, b.base_floor, "
            + "b.base_x_meters, b.base_y_meters, b.base_heading_degrees, b.current_reservation_id, b.enabled, b.error_code, "
            + "b.error_message, b.last_seen_at, b.state_changed_at, b.created_at, b.updated_at FROM robots b ";

    /** The state a robot is shown in: its stored state while connected, OFFLINE otherwise. */
    static final String EFFECTIVE_STATE = "(CASE WHEN b.online AND b.last_seen_at >= ? THEN b.state ELSE 'OFFLINE' END)";

    /** A position; every field may be unknown. */
    record Position(@Nullable Double latitude, @Nullable Double longitude, @Nullable String floor, @Nullable Double x,
                    @Nullable Double y, @Nullable Double heading) {

        static final Position NONE = new Position(null, null, null, null, null, null);

        static Position of(RobotPosition p, boolean hasPosition) {
            if (!hasPosition) {
                return NONE;
            }
            return new Position(p.hasLocation() ? p.getLocation().getLatitude() : null,
                    p.hasLocation() ? p.getLocation().getLongitude() : null, p.getFloor().isEmpty() ? null : p.getFloor(),
                    p.getXMeters(), p.getYMeters(), p.getHeadingDegrees());
        }

        /** The position in columns {@code prefix}latitude, longitude, floor, x_meters, y_meters, heading_degrees. */
        static Position read(ResultSet rs, String prefix) throws SQLException {
            return new Position(doubleOrNull(rs, prefix + "latitude"), doubleOrNull(rs, prefix + "longitude"),
                    rs.getString(prefix + "floor"), doubleOrNull(rs, prefix + "x_meters"), doubleOrNull(rs, prefix + "y_meters"),
                    doubleOrNull(rs, prefix + "heading_degrees"));
        }

        boolean known() {
            return latitude != null || floor != null || x != null;
        }

        /**
         * Whether this position is away from {@code base} on the lot's floor map: another floor, or x/y more than
         * {@code radiusMeters} apart. False when either has no map coordinates (GPS alone is too coarse to tell).
         */
        boolean awayFrom(Position base, double radiusMeters) {
            if (x == null || y == null || base.x == null || base.y == null) {
                return false;
            }
            return !java.util.Objects.equals(floor, base.floor) || Math.hypot(x - base.x, y - base.y) > radiusMeters;
        }

        RobotPosition toProto() {
            RobotPosition.Builder b = RobotPosition.newBuilder();
            if (latitude != null && longitude != null) {
                b.setLocation(LatLng.newBuilder().setLatitude(latitude).setLongitude(longitude));
            }
            if (floor != null) {
                b.setFloor(floor);
            }
            b.setXMeters(x == null ? 0 : x).setYMeters(y == null ? 0 : y).setHeadingDegrees(heading == null ? 0 : heading);
            return b.build();
        }
    }

    /** A robot row; {@code connected} already accounts for silence, {@code state} is as stored. */
    record Row(UUID id, String key, UUID lotId, String displayName, @Nullable String serialNumber, boolean connected,
               String state, @Nullable Double battery, Position position, Position base, @Nullable UUID currentReservation,
               boolean enabled, @Nullable String errorCode, @Nullable String errorMessage, @Nullable Instant lastSeen,
               Instant stateChanged, Instant created, Instant updated) {

        String name() {
            return Robots.name(key);
        }

        String shownState() {
            return connected ? state : "OFFLINE";
        }
    }

    private Robots() {}

    static String name(String robotKey) {
        return ResourceNames.ROBOTS + '/' + robotKey;
    }

    /** The robot id in {@code robots/{robot_id}}, or INVALID_ARGUMENT naming {@code field}. */
    static String parseName(String name, String field) {
        String format = ResourceNames.ROBOTS + "/{robot_id}";
        if (name.isEmpty()) {
            throw ApiException.invalid(field, "is required (format: " + format + ")");
        }
        if (!name.startsWith(ResourceNames.ROBOTS + '/') || !RobotIds.valid(name.substring(ResourceNames.ROBOTS.length() + 1))) {
            throw ApiException.invalid(field, "must have the format " + format
                    + " where robot_id is " + RobotIds.RULE);
        }
        return name.substring(ResourceNames.ROBOTS.length() + 1);
    }

    static Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getObject("id", UUID.class), rs.getString("robot_key"), rs.getObject("lot_id", UUID.class),
                rs.getString("display_name"), rs.getString("serial_number"), rs.getBoolean("connected"), rs.getString("state"),
                doubleOrNull(rs, "battery_percent"),
                Position.read(rs, ""), Position.read(rs, "base_"),
                rs.getObject("current_reservation_id", UUID.class), rs.getBoolean("enabled"), rs.getString("error_code"),
                rs.getString("error_message"), instant(rs, "last_seen_at"), instant(rs, "state_changed_at"),
                instant(rs, "created_at"), instant(rs, "updated_at"));
    }

    @Nullable
    static Double doubleOrNull(ResultSet rs, String column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? null : value;
    }

    @Nullable
    static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp value = rs.getTimestamp(column);
        return value == null ? null : value.toInstant();
    }

    static Timestamp silentBefore(Instant now, Duration offlineAfter) {
        return Timestamp.from(now.minus(offlineAfter));
    }

    static Optional<Row> byKey(Connection connection, String key, Instant now, Duration offlineAfter) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, SELECT + "WHERE b.robot_key = ?")) {
            ps.setTimestamp(1, silentBefore(now, offlineAfter));
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    static List<Row> byIds(Connection connection, Collection<UUID> ids, Instant now, Duration offlineAfter) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement ps = Db.prepare(connection, SELECT + "WHERE b.id = ANY (?) ORDER BY b.robot_key")) {
            ps.setTimestamp(1, silentBefore(now, offlineAfter));
            ps.setArray(2, connection.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(row(rs));
                }
            }
        }
        return rows;
    }

    static Robot toProto(Row r) {
        Robot.Builder b = Robot.newBuilder()
                .setName(r.name())
                .setRobotId(r.key())
                .setParkingLot(ResourceNames.parkingLot(r.lotId()))
                .setDisplayName(r.displayName())
                .setSerialNumber(r.serialNumber() == null ? "" : r.serialNumber())
                .setState(RobotState.valueOf("ROBOT_STATE_" + r.shownState()))
                .setOnline(r.connected())
                .setBatteryPercent(r.battery() == null ? 0 : r.battery())
                .setEnabled(r.enabled())
                .setStateChangeTime(ProtoTime.timestamp(r.stateChanged()))
                .setCreateTime(ProtoTime.timestamp(r.created()))
                .setUpdateTime(ProtoTime.timestamp(r.updated()));
        if (r.position().known()) {
            b.setPosition(r.position().toProto());
        }
        if (r.base().known()) {
            b.setBasePosition(r.base().toProto());
        }
        if (r.currentReservation() != null) {
            b.setCurrentReservation(ResourceNames.name(ResourceNames.RESERVATIONS, r.currentReservation()));
        }
        if ("ERROR".equals(r.state())) {
            b.setErrorCode(r.errorCode() == null ? "" : r.errorCode());
            b.setErrorMessage(r.errorMessage() == null ? "" : r.errorMessage());
        }
        if (r.lastSeen() != null) {
            b.setLastSeenTime(ProtoTime.timestamp(r.lastSeen()));
        }
        return b.build();
    }
}
