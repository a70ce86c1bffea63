package io.chargebot.server.robot;

import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.server.db.Db;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.notification.Notifications;
import io.chargebot.user.v1.NotificationType;
import io.micronaut.core.annotation.Nullable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a robot event does, inside the transaction that stored it (the robot row is locked):
 * ARRIVED and CHARGING_STARTED make the robot's reservation IN_PROGRESS (CHARGING_STARTED also
 * records charging_started_at); CHARGING_FINISHED completes it (finished, energy) and frees the robot;
 * FAILED puts it back in the queue, or fails it with the robot's reason when its window is over;
 * COMMAND_ACK closes the command (an acknowledged CANCEL also frees the robot); COMMAND_REJECTED fails
 * the command and, for GO_TO_SPOT, puts the reservation back in the queue. Events about a reservation
 * that is not assigned to the robot are stored without effect.
 */
final class EventEffects {

    private static final Logger logger = LoggerFactory.getLogger(EventEffects.class);

    private final Connection connection;
    private final UUID robotId;
    private final String robotKey;
    private final Instant now;
    private final Notifications notifications;

    EventEffects(Connection connection, UUID robotId, String robotKey, Instant now, Notifications notifications) {
        this.connection = connection;
        this.notifications = notifications;
        this.robotId = robotId;
        this.robotKey = robotKey;
        this.now = now;
    }

    void apply(RobotEvent event, @Nullable UUID reservation, Set<UUID> changed, Set<UUID> freed) throws SQLException {
        Instant at = ProtoTime.instant(event.getTime());
        switch (event.getType()) {
            case ROBOT_EVENT_TYPE_ARRIVED -> {
                if (assigned(reservation)) {
                    update("UPDATE reservations SET status = 'IN_PROGRESS', updated_at = ? WHERE id = ? AND status = 'CONFIRMED'",
                            reservation);
                }
            }
            case ROBOT_EVENT_TYPE_CHARGING_STARTED -> {
                if (assigned(reservation)) {
                    try (PreparedStatement ps = Db.prepare(connection, "UPDATE reservations SET status = 'IN_PROGRESS', "
                            + "charging_started_at = coalesce(charging_started_at, ?), updated_at = ? "
                            + "WHERE id = ? AND status IN ('CONFIRMED', 'IN_PROGRESS')")) {
                        ps.setTimestamp(1, Timestamp.from(at));
                        ps.setTimestamp(2, Timestamp.from(now));
                        ps.setObject(3, reservation);
                        if (ps.executeUpdate() > 0) {
                            notifications.reservation(connection, NotificationType.NOTIFICATION_TYPE_CHARGING_STARTED,
                                    reservation, null, Map.of());
                        }
                    }
                }
            }
            case ROBOT_EVENT_TYPE_CHARGING_FINISHED -> {
                if (assigned(reservation)) {
                    try (PreparedStatement ps = Db.prepare(connection, "UPDATE reservations SET status = 'COMPLETED', "
                            + "finished = true, charging_started_at = coalesce(charging_started_at, ?), "
                            + "charging_finished_at = coalesce(charging_finished_at, ?), energy_delivered_kwh = ?, updated_at = ? "
                            + "WHERE id = ? AND status IN ('CONFIRMED', 'IN_PROGRESS')")) {
                        ps.setTimestamp(1, Timestamp.from(at));
                        ps.setTimestamp(2, Timestamp.from(at));
                        ps.setBigDecimal(3, RobotIngest.kwh(event.getEnergyDeliveredKwh()));
                        ps.setTimestamp(4, Timestamp.from(now));
                        ps.setObject(5, reservation);
                        if (ps.executeUpdate() > 0) {
                            notifications.reservation(connection, NotificationType.NOTIFICATION_TYPE_CHARGING_FINISHED,
                                    reservation, null, Map.of("kwh", RobotIngest.kwh(event.getEnergyDeliveredKwh()).toPlainString()));
                        }
                    }
                    release(reservation, changed);
                }
            }
            case ROBOT_EVENT_TYPE_FAILED -> {
                if (assigned(reservation)) {
                    String reason = RobotIngest.truncate(event.getMessage().isEmpty()
                            ? (event.getErrorCode().isEmpty() ? "the robot could not charge the car" : event.getErrorCode())
                            : event.getMessage(), 500);
                    try (PreparedStatement ps = Db.prepare(connection, "UPDATE reservations SET "
                            + "status = CASE WHEN upper(period) <= ? THEN 'FAILED' ELSE status END, "
                            + "failure_reason = CASE WHEN upper(period) <= ? THEN ? ELSE failure_reason END, "
                            + "robot_id = CASE WHEN upper(period) <= ? THEN robot_id END, "
                            + "dispatched_at = CASE WHEN upper(period) <= ? THEN dispatched_at END, updated_at = ? "
                            + "WHERE id = ? AND status IN ('CONFIRMED', 'IN_PROGRESS')")) {
                        Timestamp t = Timestamp.from(now);
                        ps.setTimestamp(1, t);
                        ps.setTimestamp(2, t);
                        ps.setString(3, reason);
                        ps.setTimestamp(4, t);
                        ps.setTimestamp(5, t);
                        ps.setTimestamp(6, t);
                        ps.setObject(7, reservation);
                        if (ps.executeUpdate() > 0) {
                            // Once per robot event: a redelivered event adds nothing, another failure is announced.
                            notifications.reservation(connection, NotificationType.NOTIFICATION_TYPE_CHARGING_FAILED,
                                    reservation, robotKey + ":" + event.getSequence(), Map.of("reason", reason));
                        }
                    }
                    RobotCommands.closeOpen(connection, robotId, "GO_TO_SPOT", reservation, "the robot reported FAILED");
                    release(reservation, changed);
                    freeIfDispatched(changed, null);
                }
            }
            case ROBOT_EVENT_TYPE_COMMAND_ACK -> {
                Command command = closeCommand(event.getCommandId(), "ACKNOWLEDGED", null);
                if (command != null && command.kind.equals("CANCEL") && command.reservation != null) {
                    release(command.reservation, changed);
                    freeIfDispatched(changed, freed);
                }
            }
            case ROBOT_EVENT_TYPE_COMMAND_REJECTED -> {
                String error = RobotIngest.truncate((event.getErrorCode() + " " + event.getMessage()).strip(), 600);
                Command command = closeCommand(event.getCommandId(), "FAILED", error.isEmpty() ? "rejected" : error);
                if (command != null && command.reservation != null
                        && (command.kind.equals("GO_TO_SPOT") || command.kind.equals("CANCEL"))) {
                    if (command.kind.equals("GO_TO_SPOT")) {
                        Dispatcher.unassign(connection, robotId, command.reservation, now, false);
                    }
                    release(command.reservation, changed);
                    // Not freed for immediate dispatch: the next sweep retries, so a robot that keeps refusing does not spin.
                    freeIfDispatched(changed, null);
                }
            }
            default -> {
                // Validation refuses other types.
            }
        }
    }

    /** Whether {@code reservation} is assigned to this robot; logs events about others. */
    private boolean assigned(@Nullable UUID reservation) throws SQLException {
        if (reservation == null) {
            return false;
        }
        try (PreparedStatement ps = Db.prepare(connection, "SELECT robot_id FROM reservations WHERE id = ? FOR NO KEY UPDATE")) {
            ps.setObject(1, reservation);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && robotId.equals(rs.getObject(1, UUID.class))) {
                    return true;
                }
            }
        }
        logger.info("Robot {} reported an event about reservations/{}, which is not assigned to it; stored without effect",
                robotKey, reservation);
        return false;
    }

    private void update(String sql, UUID reservation) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, sql)) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setObject(2, reservation);
            ps.executeUpdate();
        }
    }

    /** The robot no longer serves {@code reservation}. */
    private void release(UUID reservation, Set<UUID> changed) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "UPDATE robots SET current_reservation_id = NULL, updated_at = ? "
                + "WHERE id = ? AND current_reservation_id = ?")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setObject(2, robotId);
            ps.setObject(3, reservation);
            if (ps.executeUpdate() > 0) {
                changed.add(robotId);
            }
        }
    }

    /** A robot still DISPATCHED without a reservation is IDLE again (and free, when {@code freed} is given). */
    private void freeIfDispatched(Set<UUID> changed, @Nullable Set<UUID> freed) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "UPDATE robots SET state = 'IDLE', state_changed_at = ?, "
                + "updated_at = ? WHERE id = ? AND state = 'DISPATCHED' AND current_reservation_id IS NULL")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setObject(3, robotId);
            if (ps.executeUpdate() > 0) {
                changed.add(robotId);
                if (freed != null) {
                    freed.add(robotId);
                }
            }
        }
    }

    private record Command(String kind, @Nullable UUID reservation) {}

    /** Closes an open command of this robot; null when there is none with that id (unknown, or closed before). */
    @Nullable
    private Command closeCommand(String commandId, String status, @Nullable String error) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "UPDATE robot_commands SET status = ?, "
                + "acknowledged_at = CASE WHEN ? = 'ACKNOWLEDGED' THEN ?::timestamptz END, error = ? "
                + "WHERE id = ? AND robot_id = ? AND status IN ('PENDING', 'SENT') RETURNING kind, reservation_id")) {
            ps.setString(1, status);
            ps.setString(2, status);
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setString(4, error);
            ps.setObject(5, UUID.fromString(commandId));
            ps.setObject(6, robotId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Command(rs.getString(1), rs.getObject(2, UUID.class)) : null;
            }
        }
    }
}
