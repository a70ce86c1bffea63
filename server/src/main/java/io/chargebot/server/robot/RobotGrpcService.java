package io.chargebot.server.robot;

import io.chargebot.api.RobotIds;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.robot.v1.ConnectRequest;
import io.chargebot.robot.v1.ConnectResponse;
import io.chargebot.robot.v1.CreateRobotRequest;
import io.chargebot.robot.v1.GetRobotRequest;
import io.chargebot.robot.v1.ListRobotLogsRequest;
import io.chargebot.robot.v1.ListRobotLogsResponse;
import io.chargebot.robot.v1.ListRobotsRequest;
import io.chargebot.robot.v1.ListRobotsResponse;
import io.chargebot.robot.v1.Robot;
import io.chargebot.robot.v1.RobotPosition;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.UpdateRobotRequest;
import io.chargebot.robot.v1.WatchRobotStatesRequest;
import io.chargebot.robot.v1.WatchRobotStatesResponse;
import io.chargebot.server.audit.AuditLog;
import io.chargebot.server.auth.Access;
import io.chargebot.server.auth.Principal;
import io.chargebot.server.auth.Role;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.Violations;
import io.chargebot.server.grpc.FieldMasks;
import io.chargebot.server.grpc.PageSizes;
import io.chargebot.server.grpc.PageTokens;
import io.chargebot.server.grpc.ResourceNames;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * RobotService: the bridge's Connect stream (SERVICE, scope robot.connect), the robot registry for
 * admins, the robot log and a live watch of robot states.
 */
@Singleton
final class RobotGrpcService extends RobotServiceGrpc.RobotServiceImplBase {

    static final String CONNECT_SCOPE = "robot.connect";
    static final int DEFAULT_PAGE_SIZE = 20;
    static final int MAX_PAGE_SIZE = 100;
    static final Set<String> UPDATABLE = Set.of("parking_lot", "display_name", "serial_number", "base_position", "enabled");

    private final Db db;
    private final Clock clock;
    private final RobotSettings settings;
    private final RobotIngest ingest;
    private final RobotStateHub hub;
    private final RobotBackground background;
    private final CommandRelay relay;
    private final PageTokens pageTokens;
    private final AuditLog audit;
    private final RobotLogs logs;
    private final Homing homing;
    private final StreamWorkers workers;

    RobotGrpcService(Db db, Clock clock, RobotSettings settings, RobotIngest ingest, RobotStateHub hub,
                     RobotBackground background, CommandRelay relay, PageTokens pageTokens, AuditLog audit, RobotLogs logs,
                     Homing homing, StreamWorkers workers) {
        this.db = db;
        this.clock = clock;
        this.settings = settings;
        this.ingest = ingest;
        this.hub = hub;
        this.background = background;
        this.relay = relay;
        this.pageTokens = pageTokens;
        this.audit = audit;
        this.logs = logs;
        this.homing = homing;
        this.workers = workers;
    }

    // ------------------------------------------------------------------------------------------------
    // Connect

    @Override
    @Access(value = Role.SERVICE, scope = CONNECT_SCOPE)
    public StreamObserver<ConnectRequest> connect(StreamObserver<ConnectResponse> responses) {
        // AuthInterceptor has checked the role and scope of @Access before the stream opens.
        return new BridgeStream((ServerCallStreamObserver<ConnectResponse>) responses, ingest, hub, background, relay, settings,
                workers);
    }

    // ------------------------------------------------------------------------------------------------
    // Registry

    @Override
    @Access({Role.ADMIN, Role.SERVICE, Role.USER})
    public void getRobot(GetRobotRequest request, StreamObserver<Robot> observer) {
        String key = Robots.parseName(request.getName(), "name");
        Principal caller = Principal.require();
        Instant now = clock.instant();
        Robots.Row row = db.read(connection -> {
            Robots.Row found = Robots.byKey(connection, key, now, settings.offlineAfter).orElse(null);
            if (found != null && caller.role() == Role.USER && !servesUser(connection, found, caller.userId())) {
                return null;
            }
            return found;
        });
        if (row == null) {
            throw ApiException.notFound(request.getName());
        }
        observer.onNext(Robots.toProto(row));
        observer.onCompleted();
    }

    /** A driver may see the robot serving one of its reservations. */
    private static boolean servesUser(Connection connection, Robots.Row robot, UUID user) throws SQLException {
        if (robot.currentReservation() == null) {
            return false;
        }
        try (PreparedStatement ps = Db.prepare(connection, "SELECT 1 FROM reservations WHERE id = ? AND user_id = ? AND robot_id = ?")) {
            ps.setObject(1, robot.currentReservation());
            ps.setObject(2, user);
            ps.setObject(3, robot.id());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    @Access(Role.ADMIN)
    public void listRobots(ListRobotsRequest request, StreamObserver<ListRobotsResponse> observer) {
        Violations v = new Violations();
        Integer pageSize = v.capture(() -> PageSizes.of(request.getPageSize(), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
        UUID lotId = request.getParkingLot().isEmpty() ? null
                : v.capture(() -> ResourceNames.parseParkingLot(request.getParkingLot(), "parking_lot"));
        Set<String> states = new LinkedHashSet<>();
        for (RobotState state : request.getStatesList()) {
            if (state == RobotState.UNRECOGNIZED) {
                v.add("states", "contains an unknown state");
            } else if (state != RobotState.ROBOT_STATE_UNSPECIFIED) {
                states.add(RobotStates.name(state));
            }
        }
        v.throwIfAny();
        String query = "ListRobots:" + request.getParkingLot() + ':' + String.join(",", new java.util.TreeSet<>(states));
        String after = request.getPageToken().isEmpty() ? null
                : StandardCharsets.UTF_8.decode(pageTokens.decode(request.getPageToken(), query)).toString();
        Instant now = clock.instant();
        List<Robots.Row> rows = db.read(connection -> {
            StringBuilder sql = new StringBuilder(Robots.SELECT).append("WHERE true");
            if (lotId != null) {
                sql.append(" AND b.lot_id = ?");
            }
            if (!states.isEmpty()) {
                sql.append(" AND ").append(Robots.EFFECTIVE_STATE).append(" = ANY (?)");
            }
            if (after != null) {
                sql.append(" AND b.robot_key > ?");
            }
            sql.append(" ORDER BY b.robot_key LIMIT ?");
            try (PreparedStatement ps = Db.prepare(connection, sql.toString())) {
                int i = 1;
                Timestamp silent = Robots.silentBefore(now, settings.offlineAfter);
                ps.setTimestamp(i++, silent);
                if (lotId != null) {
                    ps.setObject(i++, lotId);
                }
                if (!states.isEmpty()) {
                    ps.setTimestamp(i++, silent);
                    ps.setArray(i++, connection.createArrayOf("text", states.toArray()));
                }
                if (after != null) {
                    ps.setString(i++, after);
                }
                ps.setInt(i, pageSize + 1);
                List<Robots.Row> found = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(Robots.row(rs));
                    }
                }
                return found;
            }
        });
        ListRobotsResponse.Builder response = ListRobotsResponse.newBuilder();
        for (int i = 0; i < Math.min(rows.size(), pageSize); i++) {
            response.addRobots(Robots.toProto(rows.get(i)));
        }
        if (rows.size() > pageSize) {
            response.setNextPageToken(pageTokens.encode(query,
                    rows.get(pageSize - 1).key().getBytes(StandardCharsets.UTF_8)));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    /** Validated writable fields of a robot. */
    private record Fields(@Nullable UUID lotId, String displayName, @Nullable String serialNumber, Robots.Position base,
                          boolean enabled) {}

    private static Fields fields(Robot robot, Set<String> paths, Violations v) {
        UUID lotId = null;
        if (paths.contains("parking_lot")) {
            lotId = v.capture(() -> ResourceNames.parseParkingLot(robot.getParkingLot(), "robot.parking_lot"));
        }
        String displayName = robot.getDisplayName().strip();
        if (paths.contains("display_name")) {
            v.check(displayName.length() <= 100, "robot.display_name", "must be at most 100 characters");
        }
        String serial = robot.getSerialNumber().strip();
        if (paths.contains("serial_number")) {
            v.check(serial.length() <= 100, "robot.serial_number", "must be at most 100 characters");
        }
        Robots.Position base = Robots.Position.NONE;
        if (paths.contains("base_position") && robot.hasBasePosition()) {
            RobotPosition p = robot.getBasePosition();
            if (p.hasLocation()) {
                double lat = p.getLocation().getLatitude();
                double lng = p.getLocation().getLongitude();
                v.check(Double.isFinite(lat) && lat >= -90 && lat <= 90, "robot.base_position.location.latitude",
                        "must be between -90 and 90 degrees");
                v.check(Double.isFinite(lng) && lng >= -180 && lng <= 180, "robot.base_position.location.longitude",
                        "must be between -180 and 180 degrees");
            }
            v.check(p.getFloor().length() <= 10, "robot.base_position.floor", "must be at most 10 characters");
            v.check(Double.isFinite(p.getXMeters()), "robot.base_position.x_meters", "must be a finite number");
            v.check(Double.isFinite(p.getYMeters()), "robot.base_position.y_meters", "must be a finite number");
            v.check(Double.isFinite(p.getHeadingDegrees()) && p.getHeadingDegrees() >= 0 && p.getHeadingDegrees() <= 360,
                    "robot.base_position.heading_degrees", "must be between 0 and 360");
            base = Robots.Position.of(p, true);
        }
        return new Fields(lotId, displayName, serial.isEmpty() ? null : serial, base, robot.getEnabled());
    }

    @Override
    @Access(Role.ADMIN)
    public void createRobot(CreateRobotRequest request, StreamObserver<Robot> observer) {
        Violations v = new Violations();
        String key = request.getRobotId();
        v.check(RobotIds.valid(key), "robot_id", "must be " + RobotIds.RULE);
        v.check(request.hasRobot(), "robot", "is required");
        Fields f = fields(request.getRobot(), UPDATABLE, v);
        v.throwIfAny();
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        db.transaction(connection -> {
            requireLot(connection, f.lotId(), request.getRobot().getParkingLot());
            try (PreparedStatement ps = Db.prepare(connection, "INSERT INTO robots (robot_key, lot_id, display_name, serial_number, "
                    + "base_latitude, base_longitude, base_floor, base_x_meters, base_y_meters, base_heading_degrees, enabled, "
                    + "created_at, updated_at, state_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                int i = 1;
                ps.setString(i++, key);
                ps.setObject(i++, f.lotId());
                ps.setString(i++, f.displayName());
                ps.setString(i++, f.serialNumber());
                i = setPosition(ps, i, f.base());
                ps.setBoolean(i++, f.enabled());
                ps.setTimestamp(i++, Timestamp.from(now));
                ps.setTimestamp(i++, Timestamp.from(now));
                ps.setTimestamp(i, Timestamp.from(now));
                ps.executeUpdate();
            } catch (SQLException e) {
                throw duplicate(e, key);
            }
            audit.record(connection, null, null, "robot.create", Robots.name(key), null,
                    Map.of("parking_lot", request.getRobot().getParkingLot()));
            return null;
        });
        observer.onNext(get(key));
        observer.onCompleted();
    }

    @Override
    @Access(Role.ADMIN)
    public void updateRobot(UpdateRobotRequest request, StreamObserver<Robot> observer) {
        Violations v = new Violations();
        String key = v.capture(() -> Robots.parseName(request.getRobot().getName(), "robot.name"));
        List<String> paths = v.capture(() -> FieldMasks.paths(request.getUpdateMask(), UPDATABLE, "update_mask"));
        Fields f = fields(request.getRobot(), paths == null ? Set.of() : Set.copyOf(paths), v);
        v.throwIfAny();
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        record Updated(UUID robotId, List<RobotCommands.Issued> commands, Set<UUID> retry) {}
        Updated updated = db.transaction(connection -> {
            UUID id;
            UUID currentLot;
            boolean wasEnabled;
            Robots.Position currentBase;
            try (PreparedStatement ps = Db.prepare(connection, "SELECT id, lot_id, enabled, base_latitude, base_longitude, "
                    + "base_floor, base_x_meters, base_y_meters, base_heading_degrees FROM robots WHERE robot_key = ? "
                    + "FOR NO KEY UPDATE")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw ApiException.notFound(request.getRobot().getName());
                    }
                    id = rs.getObject(1, UUID.class);
                    currentLot = rs.getObject(2, UUID.class);
                    wasEnabled = rs.getBoolean(3);
                    currentBase = Robots.Position.read(rs, "base_");
                }
            }
            Map<String, String> details = new LinkedHashMap<>();
            boolean lotChanged = false;
            boolean baseChanged = false;
            for (String path : paths) {
                switch (path) {
                    case "parking_lot" -> {
                        requireLot(connection, f.lotId(), request.getRobot().getParkingLot());
                        lotChanged = !f.lotId().equals(currentLot);
                        set(connection, id, "lot_id = ?", ps -> ps.setObject(1, f.lotId()));
                        details.put("parking_lot", request.getRobot().getParkingLot());
                    }
                    case "display_name" -> set(connection, id, "display_name = ?", ps -> ps.setString(1, f.displayName()));
                    case "serial_number" -> {
                        try {
                            set(connection, id, "serial_number = ?", ps -> ps.setString(1, f.serialNumber()));
                        } catch (SQLException e) {
                            throw duplicate(e, key);
                        }
                    }
                    case "base_position" -> {
                        baseChanged = !f.base().equals(currentBase);
                        set(connection, id, "base_latitude = ?, base_longitude = ?, base_floor = ?, "
                                + "base_x_meters = ?, base_y_meters = ?, base_heading_degrees = ?", ps -> setPosition(ps, 1, f.base()));
                    }
                    case "enabled" -> {
                        set(connection, id, "enabled = ?", ps -> ps.setBoolean(1, f.enabled()));
                        details.put("enabled", Boolean.toString(f.enabled()));
                    }
                    default -> throw new IllegalStateException(path);
                }
            }
            set(connection, id, "updated_at = ?", ps -> ps.setTimestamp(1, Timestamp.from(now)));
            audit.record(connection, null, null, "robot.update", Robots.name(key), null, details);
            // Dispatch, CANCEL of a reservation the robot is taken off, RETURN_TO_BASE: Homing's rules.
            boolean disabled = paths.contains("enabled") && wasEnabled && !f.enabled();
            Set<UUID> retry = new HashSet<>(Set.of(id));
            Set<UUID> changed = new HashSet<>();
            List<RobotCommands.Issued> commands = homing.settle(connection, List.of(id),
                    new Homing.Change(disabled, lotChanged, baseChanged), retry, changed);
            return new Updated(id, commands, retry);
        });
        background.sent(updated.commands());
        background.dispatchSoon(updated.retry());
        hub.changed(List.of(updated.robotId()), List.of());
        observer.onNext(get(key));
        observer.onCompleted();
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private static void set(Connection connection, UUID id, String assignments, Binder binder) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "UPDATE robots SET " + assignments + " WHERE id = ?")) {
            binder.bind(ps);
            ps.setObject((int) assignments.chars().filter(c -> c == '?').count() + 1, id);
            ps.executeUpdate();
        }
    }

    private static int setPosition(PreparedStatement ps, int index, Robots.Position p) throws SQLException {
        int i = index;
        setDouble(ps, i++, p.latitude());
        setDouble(ps, i++, p.longitude());
        ps.setString(i++, p.floor());
        setDouble(ps, i++, p.x());
        setDouble(ps, i++, p.y());
        setDouble(ps, i++, p.heading());
        return i;
    }

    private static void setDouble(PreparedStatement ps, int index, @Nullable Double value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.DOUBLE);
        } else {
            ps.setDouble(index, value);
        }
    }

    private static void requireLot(Connection connection, UUID lotId, String name) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "SELECT 1 FROM parking_lots WHERE id = ? FOR KEY SHARE")) {
            ps.setObject(1, lotId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound(name);
                }
            }
        }
    }

    private static RuntimeException duplicate(SQLException e, String key) {
        if ("23505".equals(e.getSQLState())) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("serial_number")) {
                return new ApiException(Status.Code.ALREADY_EXISTS, ErrorReason.RESOURCE_EXISTS,
                        "another robot has this serial_number", List.of(new io.chargebot.server.error.FieldViolation(
                                "robot.serial_number", "is already registered")), Map.of(), null);
            }
            return new ApiException(Status.Code.ALREADY_EXISTS, ErrorReason.RESOURCE_EXISTS,
                    Robots.name(key) + " already exists", List.of(), Map.of("resource_name", Robots.name(key)), null);
        }
        return new io.chargebot.server.db.DataAccessException(e);
    }

    private Robot get(String key) {
        Instant now = clock.instant();
        return Robots.toProto(db.read(connection -> Robots.byKey(connection, key, now, settings.offlineAfter))
                .orElseThrow(() -> ApiException.notFound(Robots.name(key))));
    }

    // ------------------------------------------------------------------------------------------------
    // Log and watch

    @Override
    @Access(Role.ADMIN)
    public void listRobotLogs(ListRobotLogsRequest request, StreamObserver<ListRobotLogsResponse> observer) {
        observer.onNext(logs.list(request));
        observer.onCompleted();
    }

    @Override
    @Access(Role.ADMIN)
    public void watchRobotStates(WatchRobotStatesRequest request, StreamObserver<WatchRobotStatesResponse> observer) {
        UUID lotId = request.getParkingLot().isEmpty() ? null
                : ResourceNames.parseParkingLot(request.getParkingLot(), "parking_lot");
        if (lotId != null) {
            boolean exists = db.read(connection -> {
                try (PreparedStatement ps = Db.prepare(connection, "SELECT 1 FROM parking_lots WHERE id = ?")) {
                    ps.setObject(1, lotId);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next();
                    }
                }
            });
            if (!exists) {
                throw ApiException.notFound(request.getParkingLot());
            }
        }
        hub.subscribe((ServerCallStreamObserver<WatchRobotStatesResponse>) observer, lotId);
    }
}
