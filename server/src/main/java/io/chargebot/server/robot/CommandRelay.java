package io.chargebot.server.robot;

import io.chargebot.server.DaemonThreads;
import com.google.protobuf.InvalidProtocolBufferException;
import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.server.db.Db;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.grpc.ResourceNames;
import jakarta.annotation.PreDestroy;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers queued robot commands through the bridge streams this replica holds. Any bridge can
 * publish to any robot's commands topic, so whichever replica holds a stream claims open commands
 * ({@code FOR UPDATE SKIP LOCKED}, status SENT, attempts + 1) and sends each on one of its streams.
 * A command not acknowledged within the re-send interval is claimed and sent again with the same
 * command_id, until its expire_time; then it is EXPIRED (see {@link #expire}). Woken by the trigger's
 * NOTIFY on PENDING robot_commands; also polled, so a lost notification only delays. A dispatch on a replica
 * holding a stream claims its command itself and hands it to {@link #deliver} (see {@link Dispatcher}).
 */
@Singleton
final class CommandRelay {

    private static final Logger logger = LoggerFactory.getLogger(CommandRelay.class);
    private static final int CLAIM_LIMIT = 500;

    /** Where commands go: a bridge's Connect stream. */
    interface Sink {
        /** Sends the command; false when the stream is closed. */
        boolean send(RobotCommand command);
    }

    private final Db db;
    private final Clock clock;
    private final RobotSettings settings;
    private final List<Sink> sinks = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextSink = new AtomicInteger();
    private final AtomicBoolean pollScheduled = new AtomicBoolean();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(DaemonThreads.named("chargebot-robot-commands"));

    CommandRelay(Db db, Clock clock, RobotSettings settings) {
        this.db = db;
        this.clock = clock;
        this.settings = settings;
    }

    void register(Sink sink) {
        sinks.add(sink);
        wake();
    }

    void unregister(Sink sink) {
        sinks.remove(sink);
    }

    boolean holdsStreams() {
        return !sinks.isEmpty();
    }

    /** Looks for commands to send soon (coalesced), when this replica holds a bridge stream. */
    void wake() {
        if (sinks.isEmpty() || !pollScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                pollScheduled.set(false);
                try {
                    poll();
                } catch (RuntimeException e) {
                    logger.warn("Sending robot commands failed: {}", e.toString());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            pollScheduled.set(false);
        }
    }

    private static final String OBSOLETE = "UPDATE robot_commands c SET status = 'FAILED', "
            + "error = 'the reservation is no longer active or assigned to the robot' FROM reservations r "
            + "WHERE c.kind = 'GO_TO_SPOT' AND c.status IN ('PENDING', 'SENT') AND r.id = c.reservation_id "
            + "AND (r.status NOT IN ('CONFIRMED', 'IN_PROGRESS') OR r.robot_id IS DISTINCT FROM c.robot_id)";

    private static final String CLAIM = "UPDATE robot_commands c SET status = 'SENT', sent_at = ?, attempts = c.attempts + 1 "
            + "FROM robots b WHERE b.id = c.robot_id AND c.id IN (SELECT id FROM robot_commands "
            + "WHERE status IN ('PENDING', 'SENT') AND expires_at > ? AND (status = 'PENDING' OR sent_at <= ?) "
            + "ORDER BY created_at LIMIT " + CLAIM_LIMIT + " FOR UPDATE SKIP LOCKED) "
            + "RETURNING c.id, c.kind, c.reservation_id, c.message, c.created_at, c.expires_at, b.robot_key, b.base_latitude, "
            + "b.base_longitude, b.base_floor, b.base_x_meters, b.base_y_meters, b.base_heading_degrees";

    /** Claims due commands and sends them on this replica's streams. */
    void poll() {
        if (sinks.isEmpty()) {
            return;
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        List<RobotCommand> commands = db.transaction(connection -> {
            try (PreparedStatement ps = Db.prepare(connection, OBSOLETE)) {
                ps.executeUpdate();
            }
            List<RobotCommand> claimed = new ArrayList<>();
            try (PreparedStatement ps = Db.prepare(connection, CLAIM)) {
                ps.setTimestamp(1, Timestamp.from(now));
                ps.setTimestamp(2, Timestamp.from(now));
                ps.setTimestamp(3, Timestamp.from(now.minus(settings.commandResendInterval)));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        claimed.add(command(rs));
                    }
                }
            }
            return claimed;
        });
        deliver(commands);
    }

    /**
     * Sends commands already claimed (status SENT, committed) on this replica's streams: those of {@link #poll} and
     * those a dispatch wrote claimed. One that finds no open stream is sent again after the re-send interval.
     */
    void deliver(List<RobotCommand> commands) {
        for (RobotCommand command : commands) {
            if (!send(command)) {
                logger.info("No open bridge stream for command {}; it is sent again after the re-send interval",
                        command.getCommandId());
            }
        }
    }

    private boolean send(RobotCommand command) {
        for (int tries = 0; tries < sinks.size(); tries++) {
            List<Sink> current = sinks;
            if (current.isEmpty()) {
                return false;
            }
            Sink sink = current.get(Math.floorMod(nextSink.getAndIncrement(), current.size()));
            if (sink.send(command)) {
                return true;
            }
        }
        return false;
    }

    /** The command as issued, or built from the row for commands queued without one (CANCEL from ReservationService). */
    private static RobotCommand command(ResultSet rs) throws SQLException {
        byte[] message = rs.getBytes("message");
        if (message != null) {
            try {
                return RobotCommand.parseFrom(message);
            } catch (InvalidProtocolBufferException e) {
                logger.warn("Stored command {} is unreadable; rebuilding it", rs.getObject("id"));
            }
        }
        UUID reservation = rs.getObject("reservation_id", UUID.class);
        RobotCommand.Builder b = RobotCommand.newBuilder()
                .setCommandId(rs.getObject("id", UUID.class).toString())
                .setRobotId(rs.getString("robot_key"))
                .setType(CommandType.valueOf("COMMAND_TYPE_" + rs.getString("kind")))
                .setIssueTime(ProtoTime.timestamp(rs.getTimestamp("created_at").toInstant()))
                .setExpireTime(ProtoTime.timestamp(rs.getTimestamp("expires_at").toInstant()));
        if (reservation != null) {
            b.setReservation(ResourceNames.name(ResourceNames.RESERVATIONS, reservation));
        }
        Robots.Position base = Robots.Position.read(rs, "base_");
        if (base.known()) {
            b.setBasePosition(base.toProto());
        }
        return b.build();
    }

    /**
     * Marks open commands past their expire_time EXPIRED. A robot still waiting on an expired GO_TO_SPOT
     * or CANCEL is released: the reservation goes back in the queue (unless charging started) and a
     * robot still DISPATCHED becomes IDLE. Returns the robots changed.
     */
    Set<UUID> expire() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return db.transaction(connection -> {
            Set<UUID> changed = new HashSet<>();
            record Expired(UUID robot, UUID reservation, String kind) {}
            List<Expired> expired = new ArrayList<>();
            try (PreparedStatement ps = Db.prepare(connection, "UPDATE robot_commands SET status = 'EXPIRED' "
                    + "WHERE status IN ('PENDING', 'SENT') AND expires_at <= ? RETURNING robot_id, reservation_id, kind")) {
                ps.setTimestamp(1, Timestamp.from(now));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        UUID reservation = rs.getObject(2, UUID.class);
                        if (reservation != null && !rs.getString(3).equals("RETURN_TO_BASE")) {
                            expired.add(new Expired(rs.getObject(1, UUID.class), reservation, rs.getString(3)));
                        }
                    }
                }
            }
            for (Expired e : expired) {
                if (e.kind().equals("GO_TO_SPOT")) {
                    Dispatcher.unassign(connection, e.robot(), e.reservation(), now, true);
                }
                if (release(connection, e.robot(), e.reservation(), now)) {
                    changed.add(e.robot());
                }
            }
            if (!expired.isEmpty()) {
                logger.info("Robot commands expired without acknowledgement: {}", expired);
            }
            return changed;
        });
    }

    private static boolean release(Connection connection, UUID robot, UUID reservation, Instant now) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "UPDATE robots SET current_reservation_id = NULL, "
                + "state = CASE WHEN state = 'DISPATCHED' THEN 'IDLE' ELSE state END, "
                + "state_changed_at = CASE WHEN state = 'DISPATCHED' THEN ? ELSE state_changed_at END, updated_at = ? "
                + "WHERE id = ? AND current_reservation_id = ? AND NOT EXISTS (SELECT 1 FROM reservations r "
                + "WHERE r.id = ? AND r.robot_id = ? AND r.status IN ('CONFIRMED', 'IN_PROGRESS'))")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setObject(3, robot);
            ps.setObject(4, reservation);
            ps.setObject(5, reservation);
            ps.setObject(6, robot);
            return ps.executeUpdate() > 0;
        }
    }

    @PreDestroy
    void stop() {
        Workers.stop(executor);
    }
}
