package io.chargebot.server.robot;

import static io.chargebot.server.auth.AuthTestClient.withToken;

import com.google.protobuf.Timestamp;
import io.chargebot.auth.v1.IssueServiceTokenRequest;
import io.chargebot.robot.v1.BridgeHello;
import io.chargebot.robot.v1.ConnectRequest;
import io.chargebot.robot.v1.ConnectResponse;
import io.chargebot.robot.v1.ConnectionChange;
import io.chargebot.robot.v1.ConnectionState;
import io.chargebot.robot.v1.CreateRobotRequest;
import io.chargebot.robot.v1.Robot;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.robot.v1.RobotEventType;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.StoredAck;
import io.chargebot.robot.v1.Telemetry;
import io.chargebot.robot.v1.TelemetryBatch;
import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.testing.ParkingFixtures;
import io.chargebot.server.testing.TestDatabases;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** A server for robot tests: admin, bridge and driver callers, fixtures written by SQL, and a test bridge. */
final class RobotTestBed implements AutoCloseable {

    static final String ADMIN_PASSWORD = "an admin passphrase for robot tests";
    static final String BRIDGE_SECRET = "bridge-secret-for-robot-tests-0123456789";
    static final String CAMERA_SECRET = "camera-secret-for-robot-tests-0123456789";
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final AtomicLong PLATES = new AtomicLong(5000);

    final AuthTestClient t;
    final RobotServiceGrpc.RobotServiceBlockingStub admin;
    final RobotServiceGrpc.RobotServiceBlockingStub anonymous;
    final String bridgeToken;
    final String cameraToken;
    final String adminToken;
    final Map<String, Object> properties;

    RobotTestBed(Map<String, Object> extra) {
        Map<String, Object> properties = new HashMap<>(AuthTestClient.relaxedLimits());
        properties.put("chargebot.admin.password", ADMIN_PASSWORD);
        properties.put("chargebot.service-clients", "robot-bridge:" + BRIDGE_SECRET + ":robot.connect,"
                + "camera-1:" + CAMERA_SECRET + ":plate.match");
        properties.put("chargebot.robots.sweep-interval", "200ms");
        properties.put("chargebot.robots.command-poll-interval", "100ms");
        properties.putAll(extra);
        this.properties = Map.copyOf(properties);
        t = new AuthTestClient(properties);
        anonymous = RobotServiceGrpc.newBlockingStub(t.channel);
        adminToken = t.signIn("admin", ADMIN_PASSWORD).getAccessToken();
        admin = withToken(anonymous, adminToken);
        bridgeToken = serviceToken("robot-bridge", BRIDGE_SECRET);
        cameraToken = serviceToken("camera-1", CAMERA_SECRET);
    }

    private String serviceToken(String id, String secret) {
        return t.auth.issueServiceToken(IssueServiceTokenRequest.newBuilder().setClientId(id).setClientSecret(secret).build())
                .getTokens().getAccessToken();
    }

    static String unique(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
    }

    ParkingFixtures.TestLot lot(int spots) {
        return ParkingFixtures.seoulLot(t.database, spots);
    }

    /** A registered, enabled robot in {@code lot}. */
    Robot robot(ParkingFixtures.TestLot lot) {
        return admin.createRobot(CreateRobotRequest.newBuilder().setRobotId(unique("bot"))
                .setRobot(Robot.newBuilder().setParkingLot(lot.name()).setDisplayName("테스트 로봇").setEnabled(true)).build());
    }

    /** A registered robot in {@code lot} with its base at {@code base}. */
    Robot robot(ParkingFixtures.TestLot lot, io.chargebot.robot.v1.RobotPosition base, boolean enabled) {
        return admin.createRobot(CreateRobotRequest.newBuilder().setRobotId(unique("bot"))
                .setRobot(Robot.newBuilder().setParkingLot(lot.name()).setBasePosition(base).setEnabled(enabled)).build());
    }

    /** A user (by SQL) with a car; returns the car id. */
    UUID car(UUID userId) {
        return queryUuid("INSERT INTO cars (user_id, plate, plate_normalized, connector_type) VALUES ('" + userId + "', "
                + "'12가" + PLATES.incrementAndGet() + "', '12가" + PLATES.get() + "', 'DC_COMBO1') RETURNING id");
    }

    UUID user() {
        return queryUuid("INSERT INTO users (login_id, display_name) VALUES ('" + unique("u") + "', '운전자') RETURNING id");
    }

    /** A CONFIRMED reservation (by SQL, bypassing booking rules) of {@code car} at a spot, from now + startMinutes. */
    UUID reservation(UUID userId, UUID carId, ParkingFixtures.TestLot lot, int spot, int startMinutes, int endMinutes) {
        Instant now = t.clock.instant();
        return queryUuid("INSERT INTO reservations (user_id, car_id, spot_id, lot_id, plate_normalized, period) "
                + "SELECT '" + userId + "', c.id, '" + lot.spots().get(spot) + "', '" + lot.id() + "', c.plate_normalized, "
                + "tstzrange('" + now.plus(Duration.ofMinutes(startMinutes)) + "', '" + now.plus(Duration.ofMinutes(endMinutes))
                + "') FROM cars c WHERE c.id = '" + carId + "' RETURNING id");
    }

    UUID queryUuid(String sql) {
        try (Connection c = TestDatabases.connect(t.database); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getObject(1, UUID.class);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    String queryString(String sql) {
        try (Connection c = TestDatabases.connect(t.database); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    int count(String sql) {
        return t.queryInt(sql);
    }

    /** Waits up to 20 s for {@code condition}. */
    static void await(String what, BooleanSupplier condition) {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > giveUp) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    Bridge bridge() {
        return new Bridge(withToken(RobotServiceGrpc.newStub(t.channel), bridgeToken));
    }

    /** Another replica on the same database, with the same settings and clock. */
    io.chargebot.server.ChargeBotServer replica() {
        return io.chargebot.server.testing.TestServers.start(t.database, properties, t.clock);
    }

    Timestamp now() {
        return ProtoTime.timestamp(t.clock.instant());
    }

    static Telemetry.Builder telemetry(String robotId, long sequence, RobotState state, Timestamp time) {
        return Telemetry.newBuilder().setRobotId(robotId).setSequence(sequence).setTime(time).setState(state)
                .setBatteryPercent(80.5);
    }

    static ConnectRequest batch(Telemetry.Builder... items) {
        TelemetryBatch.Builder batch = TelemetryBatch.newBuilder();
        for (Telemetry.Builder item : items) {
            batch.addItems(item);
        }
        return ConnectRequest.newBuilder().setTelemetry(batch).build();
    }

    static ConnectRequest connection(String robotId, long sequence, ConnectionState state, Timestamp time) {
        return ConnectRequest.newBuilder().setConnection(ConnectionChange.newBuilder().setRobotId(robotId).setSequence(sequence)
                .setTime(time).setState(state)).build();
    }

    static ConnectRequest event(String robotId, long sequence, RobotEventType type, String reservation, String commandId,
                                Timestamp time) {
        return ConnectRequest.newBuilder().setEvent(RobotEvent.newBuilder().setRobotId(robotId).setSequence(sequence).setTime(time)
                .setType(type).setReservation(reservation).setCommandId(commandId)).build();
    }

    /** A test bridge speaking Connect: everything the server sends is queued. */
    static final class Bridge implements AutoCloseable {
        final BlockingQueue<ConnectResponse> received = new LinkedBlockingQueue<>();
        final AtomicReference<Status> ended = new AtomicReference<>();
        final StreamObserver<ConnectRequest> requests;

        Bridge(RobotServiceGrpc.RobotServiceStub stub) {
            requests = stub.connect(new StreamObserver<>() {
                @Override
                public void onNext(ConnectResponse value) {
                    received.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    ended.set(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    ended.set(Status.OK);
                }
            });
        }

        ConnectResponse hello() {
            requests.onNext(ConnectRequest.newBuilder().setHello(BridgeHello.newBuilder().setBridgeId(unique("bridge"))
                    .setSoftwareVersion("test")).build());
            return next(r -> r.hasWelcome());
        }

        /** Sends and returns the next ack (commands received meanwhile stay queued). */
        StoredAck send(ConnectRequest request) {
            requests.onNext(request);
            return next(ConnectResponse::hasAck).getAck();
        }

        /** The next response matching {@code match}; others received before it are dropped unless they are commands. */
        ConnectResponse next(Predicate<ConnectResponse> match) {
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            java.util.List<ConnectResponse> keep = new java.util.ArrayList<>();
            try {
                while (System.nanoTime() < giveUp) {
                    ConnectResponse r = received.poll(50, TimeUnit.MILLISECONDS);
                    if (r == null) {
                        if (ended.get() != null) {
                            throw new AssertionError("stream ended: " + ended.get());
                        }
                        continue;
                    }
                    if (match.test(r)) {
                        return r;
                    }
                    if (r.hasCommand()) {
                        keep.add(r);
                    }
                }
                throw new AssertionError("nothing matching within 20 s");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            } finally {
                received.addAll(keep);
            }
        }

        RobotCommand command(Predicate<RobotCommand> match) {
            return next(r -> r.hasCommand() && match.test(r.getCommand())).getCommand();
        }

        Status awaitEnd() {
            RobotTestBed.await("the stream to end", () -> ended.get() != null);
            return ended.get();
        }

        @Override
        public void close() {
            if (ended.get() == null) {
                try {
                    requests.onCompleted();
                } catch (RuntimeException ignored) {
                    // Already closed.
                }
            }
        }
    }

    /** Brings a robot online and IDLE through {@code bridge}; returns the next free sequence number. */
    static long online(Bridge bridge, String robotId, long sequence, Timestamp time) {
        bridge.send(connection(robotId, sequence, ConnectionState.CONNECTION_STATE_ONLINE, time));
        bridge.send(batch(telemetry(robotId, sequence + 1, RobotState.ROBOT_STATE_IDLE, time)));
        return sequence + 2;
    }

    @Override
    public void close() {
        t.close();
    }
}
