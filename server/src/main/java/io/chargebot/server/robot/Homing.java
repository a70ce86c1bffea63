package io.chargebot.server.robot;

import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.server.db.Db;
import io.chargebot.server.grpc.ResourceNames;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a robot does next when it may have become free or its assignment changed (issue 5), the one place for these
 * rules (docs/robots-server.md, "Returning to base"). In the caller's transaction, in this order:
 * <ol>
 *   <li>Taken off its reservation: an admin took the robot out of service ({@code enabled} false) or moved it to another
 *   lot while it serves a reservation. The reservation goes back in the queue and the robot gets a CANCEL with its base
 *   position; it returns on its own after CANCEL (robot-protocol.md), so nothing more is sent now.</li>
 *   <li>Dispatch: a free robot (IDLE, connected, enabled, no reservation) gets the earliest due reservation
 *   ({@link Dispatcher}). Dispatch always wins: nothing below happens then, and the dispatch closes a RETURN_TO_BASE
 *   still open.</li>
 *   <li>RETURN_TO_BASE, to a connected robot without a reservation whose base position is known: when it is IDLE away
 *   from its base (another floor, or farther than {@code base-radius-meters}) and none was sent in this idle period
 *   ({@code robots.sent_home}, cleared by a telemetry report of another state and by a change of lot or base); or when
 *   it is RETURNING and its lot or base just changed (it is heading for the old base).</li>
 * </ol>
 * A RETURN_TO_BASE leaves the robot's state alone: while it still reports IDLE it stays free, so a reservation that
 * becomes due is dispatched to it (the open RETURN_TO_BASE is closed then, not sent again).
 */
@Singleton
final class Homing {

    private static final Logger logger = LoggerFactory.getLogger(Homing.class);

    /** What an admin changed in the robot's registration, as far as these rules care. */
    record Change(boolean disabled, boolean lotChanged, boolean baseChanged) {
        /** A robot message, or a registration change that affects none of the rules. */
        static final Change NONE = new Change(false, false, false);

        boolean targetMoved() {
            return lotChanged || baseChanged;
        }
    }

    private final Clock clock;
    private final RobotSettings settings;
    private final Dispatcher dispatcher;
    private final CommandRelay relay;

    Homing(Clock clock, RobotSettings settings, Dispatcher dispatcher, CommandRelay relay) {
        this.clock = clock;
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.relay = relay;
    }

    /**
     * Settles each robot of {@code robots} under a savepoint of its own: one that fails is undone alone (the caller's
     * other work stays) and stays in {@code retry}, for {@link RobotBackground#dispatchSoon} after commit; the others
     * leave {@code retry}. Robots that got a command join {@code changed}. Returns the commands issued, for
     * {@link RobotBackground#sent} after commit.
     */
    List<RobotCommands.Issued> settle(Connection connection, Collection<UUID> robots, Change change, Set<UUID> retry,
                                      Set<UUID> changed) throws SQLException {
        if (robots.isEmpty()) {
            return List.of();
        }
        List<RobotCommands.Issued> issued = new ArrayList<>();
        for (UUID robot : robots) {
            Savepoint savepoint = connection.setSavepoint();
            try {
                List<RobotCommands.Issued> done = settle(connection, robot, change);
                connection.releaseSavepoint(savepoint);
                retry.remove(robot);
                if (!done.isEmpty()) {
                    issued.addAll(done);
                    changed.add(robot);
                }
            } catch (SQLException | RuntimeException e) {
                connection.rollback(savepoint);
                logger.warn("Settling robot {} failed: {}; its dispatch is tried again after commit", robot, e.toString());
            }
        }
        return issued;
    }

    private List<RobotCommands.Issued> settle(Connection connection, UUID robotId, Change change) throws SQLException {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        if (change.disabled() || change.targetMoved()) {
            RobotCommands.Issued cancel = takeOff(connection, robotId, change, now);
            if (cancel != null) {
                return List.of(cancel);
            }
        }
        // The robot freed by a bridge message takes this path first: one statement when it is dispatched (issue 5).
        RobotCommands.Issued dispatched = dispatcher.dispatch(connection, robotId, false);
        if (dispatched != null) {
            return List.of(dispatched);
        }
        RobotCommands.Issued home = sendHome(connection, robotId, change, now);
        return home == null ? List.of() : List.of(home);
    }

    /** The robot row as these rules need it. */
    private record Robot(String key, String state, boolean connected, @Nullable UUID reservation, boolean sentHome,
                         Robots.Position position, Robots.Position base) {}

    private Robot read(Connection connection, UUID robotId, Instant now) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "SELECT robot_key, state, (online AND last_seen_at >= ?) AS connected, "
                + "current_reservation_id, sent_home, latitude, longitude, floor, x_meters, y_meters, heading_degrees, "
                + "base_latitude, base_longitude, base_floor, base_x_meters, base_y_meters, base_heading_degrees "
                + "FROM robots WHERE id = ? FOR NO KEY UPDATE")) {
            ps.setTimestamp(1, Robots.silentBefore(now, settings.offlineAfter));
            ps.setObject(2, robotId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("robot " + robotId + " does not exist");
                }
                return new Robot(rs.getString("robot_key"), rs.getString("state"), rs.getBoolean("connected"),
                        rs.getObject("current_reservation_id", UUID.class), rs.getBoolean("sent_home"),
                        Robots.Position.read(rs, ""), Robots.Position.read(rs, "base_"));
            }
        }
    }

    /** Rule 1; the CANCEL issued, or null when the robot serves no reservation (or was taken off it before). */
    @Nullable
    private RobotCommands.Issued takeOff(Connection connection, UUID robotId, Change change, Instant now) throws SQLException {
        Robot robot = read(connection, robotId, now);
        if (change.targetMoved()) {
            // A new target: the robot may be sent home again, wherever it is now.
            setSentHome(connection, robotId, false);
        }
        if (robot.reservation() == null || !(change.disabled() || change.lotChanged())
                || !Dispatcher.unassign(connection, robotId, robot.reservation(), now, false)) {
            return null;
        }
        String why = change.disabled() ? "the robot was taken out of service" : "the robot was moved to another lot";
        RobotCommands.closeOpen(connection, robotId, "GO_TO_SPOT", robot.reservation(), why);
        RobotCommand.Builder cancel = RobotCommand.newBuilder().setRobotId(robot.key()).setType(CommandType.COMMAND_TYPE_CANCEL)
                .setReservation(ResourceNames.name(ResourceNames.RESERVATIONS, robot.reservation()));
        if (robot.base().known()) {
            cancel.setBasePosition(robot.base().toProto());
        }
        // The robot keeps the reservation as its current one until it acknowledges the CANCEL (or it expires).
        logger.info("Robot {} taken off reservations/{} ({}); it goes back in the queue", robot.key(), robot.reservation(), why);
        return RobotCommands.issue(connection, robotId, robot.reservation(), cancel, now, now.plus(settings.commandTtl),
                relay.holdsStreams());
    }

    /** Rule 3; the RETURN_TO_BASE issued, or null. */
    @Nullable
    private RobotCommands.Issued sendHome(Connection connection, UUID robotId, Change change, Instant now) throws SQLException {
        Robot robot = read(connection, robotId, now);
        if (!robot.connected() || robot.reservation() != null || !robot.base().known()) {
            return null;
        }
        boolean send = switch (robot.state()) {
            case "IDLE" -> !robot.sentHome() && robot.position().awayFrom(robot.base(), settings.baseRadiusMeters);
            case "RETURNING" -> change.targetMoved();
            default -> false;
        };
        if (!send) {
            return null;
        }
        // One open RETURN_TO_BASE at a time: an older one (to a base that has moved) is not sent again.
        RobotCommands.closeOpen(connection, robotId, "RETURN_TO_BASE", null, "superseded by a newer RETURN_TO_BASE");
        setSentHome(connection, robotId, true);
        RobotCommand.Builder home = RobotCommand.newBuilder().setRobotId(robot.key())
                .setType(CommandType.COMMAND_TYPE_RETURN_TO_BASE).setBasePosition(robot.base().toProto());
        return RobotCommands.issue(connection, robotId, null, home, now, now.plus(settings.commandTtl), relay.holdsStreams());
    }

    /** Whether a RETURN_TO_BASE went out in the robot's current idle period ({@code robots.sent_home}). */
    private static void setSentHome(Connection connection, UUID robotId, boolean sentHome) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "UPDATE robots SET sent_home = ? WHERE id = ?")) {
            ps.setBoolean(1, sentHome);
            ps.setObject(2, robotId);
            ps.executeUpdate();
        }
    }
}
