package io.chargebot.server.robot;

import com.google.type.LatLng;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.SpotTarget;
import io.chargebot.server.db.Db;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.grpc.ResourceNames;
import io.chargebot.server.notification.Notifications;
import io.chargebot.user.v1.NotificationType;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Dispatch (seed 000): a free robot (IDLE, connected, enabled, without a reservation) gets the
 * earliest due, unfinished, unassigned reservation of its lot — due means its window starts within
 * the lead time or has started and not ended. One transaction locks the robot, picks the reservation
 * with {@code FOR NO KEY UPDATE SKIP LOCKED} (so two robots never take the same one, whatever the number of
 * replicas), assigns it, marks the robot DISPATCHED and queues a GO_TO_SPOT command with the spot's
 * coordinates. The robot freed by a bridge message is dispatched inside the transaction that stored the message
 * (see {@link RobotIngest}); the sweep dispatches the others in a transaction of their own. When this replica holds
 * a bridge stream the command is written already claimed (SENT, first attempt) and the caller hands it to
 * {@link CommandRelay#deliver} after commit, without waiting for the relay's poll; otherwise it is queued PENDING and
 * the trigger on robot_commands tells the replicas holding streams. Either way an unacknowledged command is sent
 * again after the re-send interval.
 */
@Singleton
final class Dispatcher {

    private final Db db;
    private final Clock clock;
    private final RobotSettings settings;
    private final Notifications notifications;
    private final CommandRelay relay;

    Dispatcher(Db db, Clock clock, RobotSettings settings, Notifications notifications, CommandRelay relay) {
        this.db = db;
        this.clock = clock;
        this.settings = settings;
        this.notifications = notifications;
        this.relay = relay;
    }

    private static final String PICK = "SELECT r.id, r.plate_normalized, upper(r.period) AS end_at, s.floor, s.code, "
            + "s.x_meters, s.y_meters, l.latitude, l.longitude, c.connector_type "
            + "FROM reservations r JOIN spots s ON s.id = r.spot_id JOIN parking_lots l ON l.id = r.lot_id "
            + "JOIN cars c ON c.id = r.car_id "
            + "WHERE r.lot_id = ? AND NOT r.finished AND r.status IN ('CONFIRMED', 'IN_PROGRESS') AND r.robot_id IS NULL "
            + "AND lower(r.period) <= ? AND upper(r.period) > ? "
            + "ORDER BY lower(r.period), r.id LIMIT 1 FOR NO KEY UPDATE OF r SKIP LOCKED";

    /**
     * Gives {@code robotId} a reservation if it is free and one is due; empty otherwise. With
     * {@code skipLockedRobot} a robot another transaction holds is skipped instead of waited for.
     */
    @Nullable
    RobotCommands.Issued dispatch(UUID robotId, boolean skipLockedRobot) {
        return db.transaction(connection -> dispatch(connection, robotId, skipLockedRobot));
    }

    /**
     * As {@link #dispatch(UUID, boolean)}, inside the caller's transaction (which may already hold the robot's row).
     * The caller hands a claimed command to {@link CommandRelay#deliver} once the transaction committed.
     */
    @Nullable
    RobotCommands.Issued dispatch(Connection connection, UUID robotId, boolean skipLockedRobot) throws SQLException {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        String robotKey;
        UUID lotId;
        Robots.Position base;
        try (PreparedStatement ps = Db.prepare(connection, "SELECT robot_key, lot_id, base_latitude, base_longitude, "
                + "base_floor, base_x_meters, base_y_meters, base_heading_degrees FROM robots WHERE id = ? AND state = 'IDLE' "
                + "AND online AND last_seen_at >= ? AND enabled AND current_reservation_id IS NULL FOR NO KEY UPDATE"
                + (skipLockedRobot ? " SKIP LOCKED" : ""))) {
            ps.setObject(1, robotId);
            ps.setTimestamp(2, Robots.silentBefore(now, settings.offlineAfter));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                robotKey = rs.getString(1);
                lotId = rs.getObject(2, UUID.class);
                base = Robots.Position.read(rs, "base_");
            }
        }
        UUID reservationId;
        RobotCommand.Builder command = RobotCommand.newBuilder().setRobotId(robotKey).setType(CommandType.COMMAND_TYPE_GO_TO_SPOT);
        Instant end;
        try (PreparedStatement ps = Db.prepare(connection, PICK)) {
            ps.setObject(1, lotId);
            ps.setTimestamp(2, Timestamp.from(now.plus(settings.dispatchLeadTime)));
            ps.setTimestamp(3, Timestamp.from(now));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                reservationId = rs.getObject("id", UUID.class);
                end = rs.getTimestamp("end_at").toInstant();
                command.setReservation(ResourceNames.name(ResourceNames.RESERVATIONS, reservationId))
                        .setSpot(SpotTarget.newBuilder()
                                .setLotLocation(LatLng.newBuilder().setLatitude(rs.getDouble("latitude"))
                                        .setLongitude(rs.getDouble("longitude")))
                                .setFloor(rs.getString("floor"))
                                .setCode(rs.getString("code"))
                                .setXMeters(rs.getDouble("x_meters"))
                                .setYMeters(rs.getDouble("y_meters")))
                        .setChargeEndTime(ProtoTime.timestamp(end))
                        .setPlate(rs.getString("plate_normalized"))
                        .setConnectorType(connector(rs.getString("connector_type")));
            }
        }
        // The command may not be carried out after the window ends, nor later than the command lifetime.
        Instant expires = now.plus(settings.commandTtl);
        if (end.isBefore(expires)) {
            expires = end;
        }
        if (base.known()) {
            command.setBasePosition(base.toProto());
        }
        try (PreparedStatement ps = Db.prepare(connection, "UPDATE reservations SET robot_id = ?, dispatched_at = ?, updated_at = ? "
                + "WHERE id = ?")) {
            ps.setObject(1, robotId);
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setObject(4, reservationId);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = Db.prepare(connection, "UPDATE robots SET state = 'DISPATCHED', current_reservation_id = ?, "
                + "state_changed_at = ?, updated_at = ? WHERE id = ?")) {
            ps.setObject(1, reservationId);
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setObject(4, robotId);
            ps.executeUpdate();
        }
        // A RETURN_TO_BASE still open is not sent again after the GO_TO_SPOT: dispatch wins (Homing).
        RobotCommands.closeOpen(connection, robotId, "RETURN_TO_BASE", null, "superseded by a GO_TO_SPOT");
        RobotCommands.Issued issued = RobotCommands.issue(connection, robotId, reservationId, command, now, expires,
                relay.holdsStreams());
        notifications.reservation(connection, NotificationType.NOTIFICATION_TYPE_ROBOT_DISPATCHED, reservationId,
                issued.commandId().toString(), Map.of());
        return issued;
    }

    /**
     * Puts {@code reservation} back in the dispatch queue if it is still active and assigned to {@code robot}; with
     * {@code unlessCharging} not once charging started. True when it was.
     */
    static boolean unassign(Connection connection, UUID robot, UUID reservation, Instant now, boolean unlessCharging)
            throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "UPDATE reservations SET robot_id = NULL, dispatched_at = NULL, "
                + "updated_at = ? WHERE id = ? AND robot_id = ? AND status IN ('CONFIRMED', 'IN_PROGRESS')"
                + (unlessCharging ? " AND charging_started_at IS NULL" : ""))) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setObject(2, reservation);
            ps.setObject(3, robot);
            return ps.executeUpdate() > 0;
        }
    }

    private static ConnectorType connector(@Nullable String stored) {
        if (stored == null || stored.isEmpty()) {
            return ConnectorType.CONNECTOR_TYPE_UNSPECIFIED;
        }
        try {
            return ConnectorType.valueOf(stored.startsWith("CONNECTOR_TYPE_") ? stored : "CONNECTOR_TYPE_" + stored);
        } catch (IllegalArgumentException e) {
            return ConnectorType.CONNECTOR_TYPE_UNSPECIFIED;
        }
    }

    /** Every free robot, for the periodic dispatch of reservations that became due while robots were idle. */
    List<UUID> freeRobots() {
        Instant now = clock.instant();
        return db.read(connection -> {
            List<UUID> ids = new ArrayList<>();
            try (PreparedStatement ps = Db.prepare(connection, "SELECT id FROM robots WHERE state = 'IDLE' AND online AND enabled "
                    + "AND current_reservation_id IS NULL AND last_seen_at >= ? ORDER BY last_seen_at")) {
                ps.setTimestamp(1, Robots.silentBefore(now, settings.offlineAfter));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            return ids;
        });
    }
}
