package io.chargebot.server.robot;

import io.chargebot.robot.v1.ConnectionChange;
import io.chargebot.robot.v1.ConnectionState;
import io.chargebot.robot.v1.MalformedMessage;
import io.chargebot.robot.v1.RejectReason;
import io.chargebot.robot.v1.RejectedMessage;
import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.robot.v1.RobotMessageKey;
import io.chargebot.robot.v1.StoredAck;
import io.chargebot.robot.v1.Telemetry;
import io.chargebot.server.db.Db;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.grpc.ResourceNames;
import io.chargebot.server.notification.Notifications;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Stores what bridges forward: telemetry batches (one transaction, one write for the log), events
 * that drive reservations and commands, connection changes and malformed-message reports. Each
 * robot message is stored once by (robot, sequence): the key goes into robot_message_keys with ON
 * CONFLICT DO NOTHING in the same statement that writes robot_logs, so a redelivered message is a
 * no-op that is still acknowledged as stored. Effects of an event run only when its key was new, in
 * the same transaction, so they happen exactly once too.
 */
@Singleton
final class RobotIngest {

    private static final int MAX_DETAIL = 500;
    /** Robot timestamps further than this ahead of the server clock are refused. */
    private static final long MAX_FUTURE_SECONDS = 24 * 3600;

    /**
     * What a stored batch or message changed, for acknowledgement and follow-up work after commit: {@code commands}
     * issued in the same transaction to the robots it freed or left idle ({@link Homing}: GO_TO_SPOT, RETURN_TO_BASE),
     * {@code freed} the robots freed whose dispatch failed there (to be tried again).
     */
    record Outcome(StoredAck ack, Set<UUID> changed, Set<UUID> moved, Set<UUID> freed, List<RobotCommands.Issued> commands) {}

    private final Db db;
    private final Clock clock;
    private final RobotSettings settings;
    private final Notifications notifications;
    private final Homing homing;

    RobotIngest(Db db, Clock clock, RobotSettings settings, Notifications notifications, Homing homing) {
        this.db = db;
        this.clock = clock;
        this.settings = settings;
        this.notifications = notifications;
        this.homing = homing;
    }

    // ------------------------------------------------------------------------------------------------
    // Telemetry

    /** The locked robot row as ingestion needs it. */
    private static final class Locked {
        final UUID id;
        final String key;
        final boolean connectionUp;
        final boolean enabled;
        final String state;
        @Nullable
        final UUID currentReservation;
        final long lastSequence;
        @Nullable
        final Double battery;
        final Robots.Position position;
        @Nullable
        final String errorCode;
        @Nullable
        final String errorMessage;

        Locked(ResultSet rs) throws SQLException {
            id = rs.getObject("id", UUID.class);
            key = rs.getString("robot_key");
            connectionUp = rs.getBoolean("online");
            enabled = rs.getBoolean("enabled");
            state = rs.getString("state");
            currentReservation = rs.getObject("current_reservation_id", UUID.class);
            lastSequence = rs.getLong("last_sequence");
            battery = Robots.doubleOrNull(rs, "battery_percent");
            position = new Robots.Position(Robots.doubleOrNull(rs, "latitude"), Robots.doubleOrNull(rs, "longitude"),
                    rs.getString("floor"), Robots.doubleOrNull(rs, "x_meters"), Robots.doubleOrNull(rs, "y_meters"),
                    Robots.doubleOrNull(rs, "heading_degrees"));
            errorCode = rs.getString("error_code");
            errorMessage = rs.getString("error_message");
        }
    }

    private static final String LOCK = "SELECT id, robot_key, online, enabled, state, current_reservation_id, last_sequence, "
            + "battery_percent, latitude, longitude, floor, x_meters, y_meters, heading_degrees, error_code, error_message "
            + "FROM robots WHERE robot_key = ANY (?) ORDER BY id FOR NO KEY UPDATE";

    private static Map<String, Locked> lock(Connection connection, Set<String> keys) throws SQLException {
        Map<String, Locked> robots = new HashMap<>();
        try (PreparedStatement ps = Db.prepare(connection, LOCK)) {
            ps.setArray(1, connection.createArrayOf("text", keys.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Locked robot = new Locked(rs);
                    robots.put(robot.key, robot);
                }
            }
        }
        return robots;
    }

    /**
     * A robot message's key inside a batch (the protobuf {@link RobotMessageKey} is built only for the acknowledgement:
     * its hashCode walks the message's descriptor).
     */
    private record Key(String robotId, long sequence) {
        RobotMessageKey proto() {
            return key(robotId, sequence);
        }
    }

    /** Stores a telemetry batch: one transaction; acknowledges stored (new or duplicate) and rejected items. */
    Outcome telemetry(List<Telemetry> items, String bridgeId) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        List<RejectedMessage> invalid = new ArrayList<>();
        // Valid items by key, first occurrence wins (a batch may repeat a message).
        Map<Key, Telemetry> valid = new LinkedHashMap<>(items.size() * 2);
        for (Telemetry t : items) {
            String problem = RobotValidation.telemetry(t, now, MAX_FUTURE_SECONDS);
            if (problem != null) {
                invalid.add(rejected(key(t.getRobotId(), t.getSequence()), RejectReason.REJECT_REASON_INVALID_CONTENT,
                        problem));
            } else {
                valid.putIfAbsent(new Key(t.getRobotId(), t.getSequence()), t);
            }
        }
        return db.transaction(connection -> {
            StoredAck.Builder ack = StoredAck.newBuilder().addAllRejected(invalid);
            Set<String> keys = new HashSet<>();
            valid.keySet().forEach(k -> keys.add(k.robotId()));
            Map<String, Locked> robots = keys.isEmpty() ? Map.of() : lock(connection, keys);
            List<Telemetry> known = new ArrayList<>();
            for (Map.Entry<Key, Telemetry> e : valid.entrySet()) {
                if (robots.containsKey(e.getKey().robotId())) {
                    known.add(e.getValue());
                    ack.addStored(e.getKey().proto());
                } else {
                    ack.addRejected(rejected(e.getKey().proto(), RejectReason.REJECT_REASON_UNKNOWN_ROBOT,
                            "no robot with robot_id " + e.getKey().robotId() + " is registered"));
                }
            }
            Set<Key> fresh = known.isEmpty() ? Set.of() : insertTelemetry(connection, known, robots, now);
            // The newest fresh report of each robot sets its current state, if newer than what was applied.
            Map<String, Telemetry> latest = new HashMap<>();
            for (Telemetry t : known) {
                if (fresh.contains(new Key(t.getRobotId(), t.getSequence()))) {
                    latest.merge(t.getRobotId(), t, (a, b) -> a.getSequence() >= b.getSequence() ? a : b);
                }
            }
            Set<UUID> changed = new HashSet<>();
            Set<UUID> moved = new HashSet<>();
            Set<UUID> freed = new HashSet<>();
            Set<UUID> idled = new HashSet<>();
            applyTelemetry(connection, robots, latest, now, changed, moved, freed, idled);
            keepRejected(connection, ack.getRejectedList(), "telemetry", bridgeId, now);
            List<RobotCommands.Issued> commands = homing.settle(connection, idled, Homing.Change.NONE, freed, changed);
            return new Outcome(ack.build(), changed, moved, freed, commands);
        });
    }

    /**
     * The batch's reports as parallel arrays. Every array goes in pgjdbc's binary format (it writes arrays of UUIDs and
     * timestamps as text, formatted element by element): robot and reservation ids as text, cast here; the robots'
     * times as microseconds since the epoch.
     */
    private static final String INSERT_TELEMETRY = "WITH input AS (SELECT t.robot_id::uuid AS robot_id, t.sequence, "
            + "timestamptz 'epoch' + t.recorded_us * interval '1 microsecond' AS recorded_at, t.state, t.battery_percent, "
            + "t.latitude, t.longitude, t.floor, t.x_meters, t.y_meters, t.reservation_id::uuid AS reservation_id, t.message "
            + "FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::float8[], ?::float8[], ?::float8[], ?::text[], "
            + "?::float8[], ?::float8[], ?::text[], ?::bytea[]) AS t(robot_id, sequence, recorded_us, state, battery_percent, "
            + "latitude, longitude, floor, x_meters, y_meters, reservation_id, message)), "
            + "fresh AS (INSERT INTO robot_message_keys (robot_id, sequence, recorded_at, stored_at) "
            + "SELECT robot_id, sequence, recorded_at, ?::timestamptz FROM input ON CONFLICT DO NOTHING "
            + "RETURNING robot_id, sequence) "
            + "INSERT INTO robot_logs (robot_id, recorded_at, sequence, kind, received_at, state, battery_percent, latitude, "
            + "longitude, floor, x_meters, y_meters, reservation_id, message) "
            + "SELECT i.robot_id, i.recorded_at, i.sequence, 'TELEMETRY', ?, i.state, i.battery_percent, i.latitude, "
            + "i.longitude, i.floor, i.x_meters, i.y_meters, i.reservation_id, i.message "
            + "FROM input i JOIN fresh f ON f.robot_id = i.robot_id AND f.sequence = i.sequence "
            + "RETURNING robot_id, sequence";

    /** Microseconds since the epoch, rounded to the nearest as pgjdbc rounds a Timestamp's nanoseconds. */
    static long epochMicros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + (instant.getNano() + 500) / 1000;
    }

    /** Writes the log rows of the reports not stored before; returns their keys. */
    private static Set<Key> insertTelemetry(Connection connection, List<Telemetry> items, Map<String, Locked> robots,
                                            Instant now) throws SQLException {
        int n = items.size();
        String[] robotIds = new String[n];
        Long[] sequences = new Long[n];
        Long[] times = new Long[n];
        String[] states = new String[n];
        Double[] batteries = new Double[n];
        Double[] latitudes = new Double[n];
        Double[] longitudes = new Double[n];
        String[] floors = new String[n];
        Double[] xs = new Double[n];
        Double[] ys = new Double[n];
        String[] reservations = new String[n];
        byte[][] messages = new byte[n][];
        Map<UUID, String> keyOf = new HashMap<>(robots.size() * 2);
        for (Locked robot : robots.values()) {
            keyOf.put(robot.id, robot.key);
        }
        for (int i = 0; i < n; i++) {
            Telemetry t = items.get(i);
            Locked robot = robots.get(t.getRobotId());
            robotIds[i] = robot.id.toString();
            sequences[i] = t.getSequence();
            times[i] = epochMicros(ProtoTime.instant(t.getTime()));
            states[i] = RobotStates.name(t.getState());
            batteries[i] = t.getBatteryPercent();
            Robots.Position p = Robots.Position.of(t.getPosition(), t.hasPosition());
            latitudes[i] = p.latitude();
            longitudes[i] = p.longitude();
            floors[i] = p.floor();
            xs[i] = p.x();
            ys[i] = p.y();
            reservations[i] = t.getReservation().isEmpty() ? null : reservationId(t.getReservation()).toString();
            messages[i] = t.toByteArray();
        }
        Set<Key> fresh = new HashSet<>(n * 2);
        try (PreparedStatement ps = Db.prepare(connection, INSERT_TELEMETRY)) {
            int i = 1;
            ps.setArray(i++, connection.createArrayOf("text", robotIds));
            ps.setArray(i++, connection.createArrayOf("int8", sequences));
            ps.setArray(i++, connection.createArrayOf("int8", times));
            ps.setArray(i++, connection.createArrayOf("text", states));
            ps.setArray(i++, connection.createArrayOf("float8", batteries));
            ps.setArray(i++, connection.createArrayOf("float8", latitudes));
            ps.setArray(i++, connection.createArrayOf("float8", longitudes));
            ps.setArray(i++, connection.createArrayOf("text", floors));
            ps.setArray(i++, connection.createArrayOf("float8", xs));
            ps.setArray(i++, connection.createArrayOf("float8", ys));
            ps.setArray(i++, connection.createArrayOf("text", reservations));
            ps.setArray(i++, connection.createArrayOf("bytea", messages));
            ps.setTimestamp(i++, Timestamp.from(now));
            ps.setTimestamp(i, Timestamp.from(now));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fresh.add(new Key(keyOf.get(rs.getObject(1, UUID.class)), rs.getLong(2)));
                }
            }
        }
        return fresh;
    }

    /** Each robot's newest report, one row per robot in parallel arrays (binary, as {@link #INSERT_TELEMETRY}). */
    private static final String UPDATE_STATE = "UPDATE robots r SET state = u.state, "
            + "state_changed_at = CASE WHEN r.state = u.state THEN r.state_changed_at ELSE ? END, "
            + "updated_at = CASE WHEN r.state = u.state THEN r.updated_at ELSE ? END, "
            + "battery_percent = u.battery_percent, latitude = u.latitude, longitude = u.longitude, floor = u.floor, "
            + "x_meters = u.x_meters, y_meters = u.y_meters, heading_degrees = u.heading_degrees, "
            + "error_code = u.error_code, error_message = u.error_message, last_sequence = u.last_sequence, last_seen_at = ?, "
            + "sent_home = CASE WHEN r.state = u.state THEN r.sent_home ELSE false END "
            + "FROM unnest(?::text[], ?::text[], ?::float8[], ?::float8[], ?::float8[], ?::text[], ?::float8[], ?::float8[], "
            + "?::float8[], ?::text[], ?::text[], ?::bigint[]) AS u(id, state, battery_percent, latitude, longitude, floor, "
            + "x_meters, y_meters, heading_degrees, error_code, error_message, last_sequence) "
            + "WHERE r.id = u.id::uuid";

    /**
     * Applies each robot's newest report, in one statement. {@code idled}: the robots that became IDLE (connected,
     * without a reservation) and so may be dispatched or sent home ({@link Homing}); {@code freed}: those of them that
     * are enabled.
     */
    private static void applyTelemetry(Connection connection, Map<String, Locked> robots, Map<String, Telemetry> latest,
                                       Instant now, Set<UUID> changed, Set<UUID> moved, Set<UUID> freed, Set<UUID> idled)
            throws SQLException {
        Timestamp at = Timestamp.from(now);
        List<UUID> seenOnly = new ArrayList<>();
        int n = Math.min(latest.size(), robots.size());
        List<String> ids = new ArrayList<>(n);
        List<String> states = new ArrayList<>(n);
        List<Double> batteries = new ArrayList<>(n);
        List<Double> latitudes = new ArrayList<>(n);
        List<Double> longitudes = new ArrayList<>(n);
        List<String> floors = new ArrayList<>(n);
        List<Double> xs = new ArrayList<>(n);
        List<Double> ys = new ArrayList<>(n);
        List<Double> headings = new ArrayList<>(n);
        List<String> errorCodes = new ArrayList<>(n);
        List<String> errorMessages = new ArrayList<>(n);
        List<Long> sequences = new ArrayList<>(n);
        for (Locked robot : robots.values()) {
            Telemetry t = latest.get(robot.key);
            if (t == null || t.getSequence() <= robot.lastSequence) {
                seenOnly.add(robot.id);
                continue;
            }
            String state = RobotStates.afterReport(robot.state, robot.connectionUp, robot.currentReservation != null,
                    RobotStates.name(t.getState()));
            Robots.Position position = t.hasPosition() ? Robots.Position.of(t.getPosition(), true) : robot.position;
            boolean error = "ERROR".equals(state);
            String errorCode = error ? t.getErrorCode() : null;
            String errorMessage = error ? t.getErrorMessage() : null;
            ids.add(robot.id.toString());
            states.add(state);
            batteries.add(t.getBatteryPercent());
            latitudes.add(position.latitude());
            longitudes.add(position.longitude());
            floors.add(position.floor());
            xs.add(position.x());
            ys.add(position.y());
            headings.add(position.heading());
            errorCodes.add(errorCode);
            errorMessages.add(errorMessage);
            sequences.add(t.getSequence());
            if (!state.equals(robot.state) || !Objects.equals(errorCode, robot.errorCode)
                    || !Objects.equals(errorMessage, robot.errorMessage)
                    || robot.battery == null || Math.floor(robot.battery) != Math.floor(t.getBatteryPercent())) {
                changed.add(robot.id);
            } else if (!position.equals(robot.position)) {
                moved.add(robot.id);
            }
            if (!state.equals(robot.state) && "IDLE".equals(state) && robot.connectionUp && robot.currentReservation == null) {
                idled.add(robot.id);
                if (robot.enabled) {
                    freed.add(robot.id);
                }
            }
        }
        if (!ids.isEmpty()) {
            try (PreparedStatement ps = Db.prepare(connection, UPDATE_STATE)) {
                int i = 1;
                ps.setTimestamp(i++, at);
                ps.setTimestamp(i++, at);
                ps.setTimestamp(i++, at);
                ps.setArray(i++, connection.createArrayOf("text", ids.toArray(new String[0])));
                ps.setArray(i++, connection.createArrayOf("text", states.toArray(new String[0])));
                ps.setArray(i++, connection.createArrayOf("float8", batteries.toArray(new Double[0])));
                ps.setArray(i++, connection.createArrayOf("float8", latitudes.toArray(new Double[0])));
                ps.setArray(i++, connection.createArrayOf("float8", longitudes.toArray(new Double[0])));
                ps.setArray(i++, connection.createArrayOf("text", floors.toArray(new String[0])));
                ps.setArray(i++, connection.createArrayOf("float8", xs.toArray(new Double[0])));
                ps.setArray(i++, connection.createArrayOf("float8", ys.toArray(new Double[0])));
                ps.setArray(i++, connection.createArrayOf("float8", headings.toArray(new Double[0])));
                ps.setArray(i++, connection.createArrayOf("text", errorCodes.toArray(new String[0])));
                ps.setArray(i++, connection.createArrayOf("text", errorMessages.toArray(new String[0])));
                ps.setArray(i, connection.createArrayOf("int8", sequences.toArray(new Long[0])));
                ps.executeUpdate();
            }
        }
        touch(connection, seenOnly, at);
    }

    private static void touch(Connection connection, List<UUID> robotIds, Timestamp at) throws SQLException {
        if (robotIds.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = Db.prepare(connection,
                "UPDATE robots SET last_seen_at = greatest(last_seen_at, ?) WHERE id = ANY (?)")) {
            ps.setTimestamp(1, at);
            ps.setArray(2, connection.createArrayOf("uuid", robotIds.toArray()));
            ps.executeUpdate();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Events and connection changes

    private static final String INSERT_ONE = "WITH fresh AS (INSERT INTO robot_message_keys (robot_id, sequence, recorded_at, "
            + "stored_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING robot_id) "
            + "INSERT INTO robot_logs (robot_id, recorded_at, sequence, kind, received_at, event_type, reservation_id, message) "
            + "SELECT ?, ?, ?, ?, ?, ?, ?, ? FROM fresh RETURNING sequence";

    /** Stores one event or connection change; true when it was not stored before. */
    private static boolean insertOne(Connection connection, UUID robotId, long sequence, Instant time, String kind,
                                     String type, @Nullable UUID reservation, byte[] message, Instant now) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, INSERT_ONE)) {
            Timestamp recorded = Timestamp.from(time);
            int i = 1;
            ps.setObject(i++, robotId);
            ps.setLong(i++, sequence);
            ps.setTimestamp(i++, recorded);
            ps.setTimestamp(i++, Timestamp.from(now));
            ps.setObject(i++, robotId);
            ps.setTimestamp(i++, recorded);
            ps.setLong(i++, sequence);
            ps.setString(i++, kind);
            ps.setTimestamp(i++, Timestamp.from(now));
            ps.setString(i++, type);
            ps.setObject(i++, reservation);
            ps.setBytes(i, message);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Stores an event and applies it to the reservation, the command and the robot it concerns. */
    Outcome event(RobotEvent event, String bridgeId) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        RobotMessageKey key = key(event.getRobotId(), event.getSequence());
        String problem = RobotValidation.event(event, now, MAX_FUTURE_SECONDS);
        return db.transaction(connection -> {
            Outcome refused = refuseIfBad(connection, key, problem, "events", bridgeId, now);
            if (refused != null) {
                return refused;
            }
            Locked robot = lock(connection, Set.of(event.getRobotId())).get(event.getRobotId());
            Set<UUID> changed = new HashSet<>();
            Set<UUID> freed = new HashSet<>();
            String type = event.getType().name().substring("ROBOT_EVENT_TYPE_".length());
            UUID reservation = event.getReservation().isEmpty() ? null : reservationId(event.getReservation());
            boolean fresh = insertOne(connection, robot.id, event.getSequence(), ProtoTime.instant(event.getTime()), "EVENT",
                    type, reservation, event.toByteArray(), now);
            touch(connection, List.of(robot.id), Timestamp.from(now));
            if (fresh) {
                new EventEffects(connection, robot.id, robot.key, now, notifications).apply(event, reservation, changed, freed);
            }
            List<RobotCommands.Issued> commands = homing.settle(connection, Set.copyOf(freed), Homing.Change.NONE, freed,
                    changed);
            return new Outcome(StoredAck.newBuilder().addStored(key).build(), changed, Set.of(), freed, commands);
        });
    }

    /** Stores a connection change; the robot's connection follows the changes in the order they arrive. */
    Outcome connection(ConnectionChange change, String bridgeId) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        RobotMessageKey key = key(change.getRobotId(), change.getSequence());
        String problem = RobotValidation.connection(change, now, MAX_FUTURE_SECONDS);
        return db.transaction(connection -> {
            Outcome refused = refuseIfBad(connection, key, problem, "connection", bridgeId, now);
            if (refused != null) {
                return refused;
            }
            Locked robot = lock(connection, Set.of(change.getRobotId())).get(change.getRobotId());
            String state = change.getState().name().substring("CONNECTION_STATE_".length());
            boolean fresh = insertOne(connection, robot.id, change.getSequence(), ProtoTime.instant(change.getTime()),
                    "CONNECTION", state, null, change.toByteArray(), now);
            Set<UUID> changed = new HashSet<>();
            Set<UUID> freed = new HashSet<>();
            Set<UUID> idled = new HashSet<>();
            boolean up = change.getState() == ConnectionState.CONNECTION_STATE_ONLINE;
            if (fresh) {
                try (PreparedStatement ps = Db.prepare(connection, "UPDATE robots SET online = ?, last_seen_at = "
                        + "greatest(last_seen_at, ?), updated_at = CASE WHEN online = ? THEN updated_at ELSE ? END WHERE id = ?")) {
                    ps.setBoolean(1, up);
                    ps.setTimestamp(2, Timestamp.from(now));
                    ps.setBoolean(3, up);
                    ps.setTimestamp(4, Timestamp.from(now));
                    ps.setObject(5, robot.id);
                    ps.executeUpdate();
                }
                changed.add(robot.id);
                if (up && "IDLE".equals(robot.state) && robot.currentReservation == null) {
                    idled.add(robot.id);
                    if (robot.enabled) {
                        freed.add(robot.id);
                    }
                }
            } else {
                touch(connection, List.of(robot.id), Timestamp.from(now));
            }
            List<RobotCommands.Issued> commands = homing.settle(connection, idled, Homing.Change.NONE, freed, changed);
            return new Outcome(StoredAck.newBuilder().addStored(key).build(), changed, Set.of(), freed, commands);
        });
    }

    /** A refusal for an invalid message or an unknown robot (kept for inspection), or null when neither. */
    @Nullable
    private static Outcome refuseIfBad(Connection connection, RobotMessageKey key, @Nullable String problem, String topic,
                                       String bridgeId, Instant now) throws SQLException {
        RejectedMessage rejected = null;
        if (problem != null) {
            rejected = rejected(key, RejectReason.REJECT_REASON_INVALID_CONTENT, problem);
        } else if (lock(connection, Set.of(key.getRobotId())).isEmpty()) {
            rejected = rejected(key, RejectReason.REJECT_REASON_UNKNOWN_ROBOT,
                    "no robot with robot_id " + key.getRobotId() + " is registered");
        }
        if (rejected == null) {
            return null;
        }
        keepRejected(connection, List.of(rejected), topic, bridgeId, now);
        return new Outcome(StoredAck.newBuilder().addRejected(rejected).build(), Set.of(), Set.of(), Set.of(), List.of());
    }

    /** Refused robot messages, kept in robot_rejected_messages with their key and reason. */
    private static void keepRejected(Connection connection, List<RejectedMessage> rejected, String topic, String bridgeId,
                                     Instant now) throws SQLException {
        if (rejected.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = Db.prepare(connection, "INSERT INTO robot_rejected_messages (topic, reason, robot_key, "
                + "bridge_id, received_at) VALUES (?, ?, ?, ?, ?)")) {
            for (RejectedMessage r : rejected) {
                String robotKey = truncate(r.getKey().getRobotId(), 64);
                ps.setString(1, "chargebot/v1/robots/" + robotKey + "/" + topic);
                ps.setString(2, r.getReason().name() + ": " + r.getDetail() + " (sequence " + r.getKey().getSequence() + ")");
                ps.setString(3, robotKey);
                ps.setString(4, bridgeId);
                ps.setTimestamp(5, Timestamp.from(now));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Stores a malformed-message report once per report id. */
    StoredAck malformed(MalformedMessage report, String bridgeId) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Instant received = report.hasReceiveTime() ? ProtoTime.instant(report.getReceiveTime()) : null;
        db.statement(connection -> {
            try (PreparedStatement ps = Db.prepare(connection, "INSERT INTO robot_rejected_messages (topic, reason, payload, "
                    + "received_at, report_id, robot_key, bridge_id, content_type, payload_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    + "ON CONFLICT (report_id) DO NOTHING")) {
                ps.setString(1, truncate(report.getTopic(), 256));
                ps.setString(2, truncate(report.getError().isEmpty() ? "malformed" : report.getError(), MAX_DETAIL));
                ps.setBytes(3, report.getPayload().size() > 65_536 ? report.getPayload().substring(0, 65_536).toByteArray()
                        : report.getPayload().toByteArray());
                ps.setTimestamp(4, Timestamp.from(received != null ? received : now));
                ps.setString(5, report.getReportId());
                ps.setString(6, report.getRobotId().isEmpty() ? null : truncate(report.getRobotId(), 64));
                ps.setString(7, bridgeId);
                ps.setString(8, report.getContentType().isEmpty() ? null : truncate(report.getContentType(), 256));
                ps.setInt(9, report.getPayloadSize());
                return ps.executeUpdate();
            }
        });
        return StoredAck.newBuilder().addMalformedReportIds(report.getReportId()).build();
    }

    // ------------------------------------------------------------------------------------------------

    static RobotMessageKey key(String robotId, long sequence) {
        return RobotMessageKey.newBuilder().setRobotId(robotId).setSequence(sequence).build();
    }

    private static RejectedMessage rejected(RobotMessageKey key, RejectReason reason, String detail) {
        return RejectedMessage.newBuilder().setKey(key).setReason(reason).setDetail(truncate(detail, MAX_DETAIL)).build();
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    /** The id of a reservation name already checked by {@link RobotValidation}. */
    static UUID reservationId(String name) {
        return UUID.fromString(name.substring(ResourceNames.RESERVATIONS.length() + 1));
    }

    static BigDecimal kwh(double value) {
        return BigDecimal.valueOf(value).setScale(2, RoundingMode.HALF_UP);
    }
}
