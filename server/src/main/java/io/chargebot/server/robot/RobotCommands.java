package io.chargebot.server.robot;

import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.server.db.Db;
import io.chargebot.server.grpc.ProtoTime;
import io.micronaut.core.annotation.Nullable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

/**
 * Commands the server issues to robots (GO_TO_SPOT from dispatch, CANCEL and RETURN_TO_BASE from {@link Homing}): the
 * row in robot_commands, which is also the robot's log of commands (ListRobotLogs), and closing open ones. The relay
 * re-sends and expires every kind alike ({@link CommandRelay}); the robot's COMMAND_ACK closes it ({@link EventEffects}).
 */
final class RobotCommands {

    private RobotCommands() {}

    /**
     * A command written in a transaction. With {@code claimed} it is already SENT (first attempt) and the caller hands
     * it to {@link CommandRelay#deliver} after commit ({@link RobotBackground#sent}); otherwise the relay sends it.
     */
    record Issued(UUID robotId, @Nullable UUID reservationId, UUID commandId, RobotCommand command, boolean claimed) {

        /** The kind as stored: GO_TO_SPOT, CANCEL or RETURN_TO_BASE. */
        String kind() {
            return RobotCommands.kind(command);
        }
    }

    static String kind(RobotCommand command) {
        return command.getType().name().substring("COMMAND_TYPE_".length());
    }

    /**
     * Gives {@code command} a new id, its issue and expire times, and queues it: PENDING for the relay, or with
     * {@code claimed} already SENT (first attempt, sent_at now) for a caller that sends it itself after commit. Only
     * PENDING rows wake the replicas' relays (trigger, V13).
     */
    static Issued issue(Connection connection, UUID robotId, @Nullable UUID reservationId, RobotCommand.Builder command,
                        Instant now, Instant expires, boolean claimed) throws SQLException {
        UUID commandId = UUID.randomUUID();
        RobotCommand built = command.setCommandId(commandId.toString()).setIssueTime(ProtoTime.timestamp(now))
                .setExpireTime(ProtoTime.timestamp(expires)).build();
        try (PreparedStatement ps = Db.prepare(connection, "INSERT INTO robot_commands (id, robot_id, reservation_id, kind, "
                + "payload, created_at, expires_at, message, status, sent_at, attempts) "
                + "VALUES (?, ?, ?, ?, jsonb_build_object('reservation', ?::text), ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, commandId);
            ps.setObject(2, robotId);
            ps.setObject(3, reservationId);
            ps.setString(4, kind(built));
            ps.setString(5, built.getReservation());
            ps.setTimestamp(6, Timestamp.from(now));
            ps.setTimestamp(7, Timestamp.from(expires));
            ps.setBytes(8, built.toByteArray());
            ps.setString(9, claimed ? "SENT" : "PENDING");
            ps.setTimestamp(10, claimed ? Timestamp.from(now) : null);
            ps.setInt(11, claimed ? 1 : 0);
            ps.executeUpdate();
        }
        return new Issued(robotId, reservationId, commandId, built, claimed);
    }

    /**
     * Closes (FAILED, with {@code error}) the robot's open commands of {@code kind}, of {@code reservation} when given,
     * so they are not sent again; returns how many.
     */
    static int closeOpen(Connection connection, UUID robotId, String kind, @Nullable UUID reservation, String error)
            throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "UPDATE robot_commands SET status = 'FAILED', error = ? "
                + "WHERE robot_id = ? AND kind = ? AND status IN ('PENDING', 'SENT')"
                + (reservation == null ? "" : " AND reservation_id = ?"))) {
            ps.setString(1, error);
            ps.setObject(2, robotId);
            ps.setString(3, kind);
            if (reservation != null) {
                ps.setObject(4, reservation);
            }
            return ps.executeUpdate();
        }
    }
}
