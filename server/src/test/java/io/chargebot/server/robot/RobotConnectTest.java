package io.chargebot.server.robot;

import static io.chargebot.server.auth.AuthTestClient.withToken;
import static io.chargebot.server.robot.RobotTestBed.batch;
import static io.chargebot.server.robot.RobotTestBed.connection;
import static io.chargebot.server.robot.RobotTestBed.telemetry;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.chargebot.robot.v1.ConnectRequest;
import io.chargebot.robot.v1.ConnectResponse;
import io.chargebot.robot.v1.ConnectionState;
import io.chargebot.robot.v1.GetRobotRequest;
import io.chargebot.robot.v1.MalformedMessage;
import io.chargebot.robot.v1.RejectReason;
import io.chargebot.robot.v1.RejectedMessage;
import io.chargebot.robot.v1.Robot;
import io.chargebot.robot.v1.RobotMessageKey;
import io.chargebot.robot.v1.RobotPosition;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.StoredAck;
import io.chargebot.robot.v1.Telemetry;
import io.chargebot.robot.v1.TelemetryBatch;
import io.chargebot.robot.v1.WatchRobotStatesRequest;
import io.chargebot.robot.v1.WatchRobotStatesResponse;
import io.chargebot.server.testing.ParkingFixtures;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RobotService.Connect over real gRPC: the hello, telemetry stored exactly once, refusals, malformed reports, watch. */
class RobotConnectTest {

    private static RobotTestBed bed;
    private static ParkingFixtures.TestLot lot;

    @BeforeAll
    static void start() {
        bed = new RobotTestBed(Map.of("chargebot.robots.max-batch-size", 50));
        lot = bed.lot(2);
    }

    @AfterAll
    static void stop() {
        bed.close();
    }

    private static RobotMessageKey key(String robot, long sequence) {
        return RobotMessageKey.newBuilder().setRobotId(robot).setSequence(sequence).build();
    }

    private int logRows(String robotKey) {
        return bed.count("SELECT count(*) FROM robot_logs l JOIN robots b ON b.id = l.robot_id WHERE b.robot_key = '" + robotKey + "'");
    }

    @Test
    void welcomesABridgeAndTellsItTheBatchLimit() {
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            ConnectResponse welcome = bridge.hello();
            assertThat(welcome.getWelcome().getMaxBatchSize()).isEqualTo(50);
            assertThat(welcome.getWelcome().getServerId()).isNotEmpty();
        }
    }

    @Test
    void aStreamThatDoesNotStartWithHelloFails() {
        RobotTestBed.Bridge bridge = bed.bridge();
        bridge.requests.onNext(batch(telemetry("bot-x", 1, RobotState.ROBOT_STATE_IDLE, bed.now())));
        assertThat(bridge.awaitEnd().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    }

    @Test
    void anOversizedBatchFailsTheStream() {
        RobotTestBed.Bridge bridge = bed.bridge();
        bridge.hello();
        TelemetryBatch.Builder big = TelemetryBatch.newBuilder();
        for (int i = 1; i <= 51; i++) {
            big.addItems(telemetry("bot-x", i, RobotState.ROBOT_STATE_IDLE, bed.now()));
        }
        bridge.requests.onNext(ConnectRequest.newBuilder().setTelemetry(big).build());
        Status status = bridge.awaitEnd();
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("telemetry.items");
    }

    @Test
    void onlyTheBridgeScopeMayConnect() {
        RobotTestBed.Bridge asAdmin = new RobotTestBed.Bridge(withToken(RobotServiceGrpc.newStub(bed.t.channel), bed.adminToken));
        asAdmin.requests.onNext(ConnectRequest.getDefaultInstance());
        assertThat(asAdmin.awaitEnd().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

        RobotTestBed.Bridge camera = new RobotTestBed.Bridge(withToken(RobotServiceGrpc.newStub(bed.t.channel), bed.cameraToken));
        camera.requests.onNext(ConnectRequest.getDefaultInstance());
        assertThat(camera.awaitEnd().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

        RobotTestBed.Bridge anonymous = new RobotTestBed.Bridge(RobotServiceGrpc.newStub(bed.t.channel));
        anonymous.requests.onNext(ConnectRequest.getDefaultInstance());
        assertThat(anonymous.awaitEnd().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void telemetryIsStoredExactlyOnceAcrossRedeliveriesAndStreams() {
        Robot robot = bed.robot(lot);
        String id = robot.getRobotId();
        Timestamp time = bed.now();
        ConnectRequest first = batch(
                telemetry(id, 10, RobotState.ROBOT_STATE_IDLE, time),
                telemetry(id, 11, RobotState.ROBOT_STATE_IDLE, time),
                telemetry(id, 11, RobotState.ROBOT_STATE_IDLE, time), // repeated inside one batch
                telemetry(id, 12, RobotState.ROBOT_STATE_IDLE, time));
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            StoredAck ack = bridge.send(first);
            assertThat(ack.getStoredList()).containsExactlyInAnyOrder(key(id, 10), key(id, 11), key(id, 12));
            assertThat(ack.getRejectedList()).isEmpty();
            // The bridge did not get the ack in time and sends the same batch again: acknowledged, not stored twice.
            assertThat(bridge.send(first).getStoredList()).containsExactlyInAnyOrder(key(id, 10), key(id, 11), key(id, 12));
        }
        // A new stream (bridge restarted) redelivers them once more.
        try (RobotTestBed.Bridge again = bed.bridge()) {
            again.hello();
            assertThat(again.send(first).getStoredList()).hasSize(3);
        }
        assertThat(logRows(id)).isEqualTo(3);
        assertThat(bed.count("SELECT count(DISTINCT sequence) FROM robot_logs l JOIN robots b ON b.id = l.robot_id "
                + "WHERE b.robot_key = '" + id + "'")).isEqualTo(3);
    }

    @Test
    void unknownRobotsAndInvalidContentAreRejectedAndKept() {
        Robot robot = bed.robot(lot);
        String id = robot.getRobotId();
        Timestamp time = bed.now();
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            StoredAck ack = bridge.send(batch(
                    telemetry("no-such-robot", 1, RobotState.ROBOT_STATE_IDLE, time),
                    telemetry(id, 1, RobotState.ROBOT_STATE_IDLE, time).setBatteryPercent(130),
                    telemetry(id, 0, RobotState.ROBOT_STATE_IDLE, time),
                    telemetry(id, 2, RobotState.ROBOT_STATE_DISPATCHED, time),
                    telemetry(id, 3, RobotState.ROBOT_STATE_IDLE, time)));
            assertThat(ack.getStoredList()).containsExactly(key(id, 3));
            assertThat(ack.getRejectedList()).extracting(RejectedMessage::getKey)
                    .containsExactlyInAnyOrder(key("no-such-robot", 1), key(id, 1), key(id, 0), key(id, 2));
            assertThat(ack.getRejectedList()).filteredOn(r -> r.getKey().getRobotId().equals("no-such-robot"))
                    .extracting(RejectedMessage::getReason).containsExactly(RejectReason.REJECT_REASON_UNKNOWN_ROBOT);
            assertThat(ack.getRejectedList()).filteredOn(r -> r.getKey().getSequence() == 1 && r.getKey().getRobotId().equals(id))
                    .extracting(RejectedMessage::getDetail).singleElement().asString().contains("battery_percent");
            // An event of an unknown robot is refused the same way.
            StoredAck eventAck = bridge.send(RobotTestBed.event("no-such-robot", 5,
                    io.chargebot.robot.v1.RobotEventType.ROBOT_EVENT_TYPE_ARRIVED, "reservations/" + java.util.UUID.randomUUID(),
                    "", time));
            assertThat(eventAck.getRejected(0).getReason()).isEqualTo(RejectReason.REJECT_REASON_UNKNOWN_ROBOT);
        }
        assertThat(logRows(id)).isEqualTo(1);
        assertThat(bed.count("SELECT count(*) FROM robot_rejected_messages WHERE robot_key = 'no-such-robot'")).isEqualTo(2);
    }

    @Test
    void malformedMessagesAreKeptOnceAndAcknowledgedByReportId() {
        MalformedMessage report = MalformedMessage.newBuilder().setReportId(java.util.UUID.randomUUID().toString())
                .setTopic("chargebot/v1/robots/bot-9/telemetry").setRobotId("bot-9")
                .setPayload(ByteString.copyFromUtf8("{\"sequence\": ")).setPayloadSize(13).setContentType("application/json")
                .setError("invalid JSON at offset 13").setReceiveTime(bed.now()).build();
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            ConnectRequest request = ConnectRequest.newBuilder().setMalformed(report).build();
            assertThat(bridge.send(request).getMalformedReportIdsList()).containsExactly(report.getReportId());
            assertThat(bridge.send(request).getMalformedReportIdsList()).containsExactly(report.getReportId());
        }
        assertThat(bed.count("SELECT count(*) FROM robot_rejected_messages WHERE report_id = '" + report.getReportId() + "'"))
                .isEqualTo(1);
        assertThat(bed.queryString("SELECT convert_from(payload, 'UTF8') FROM robot_rejected_messages WHERE report_id = '"
                + report.getReportId() + "'")).isEqualTo("{\"sequence\": ");
    }

    @Test
    void theLogRowsAndTheRobotsHoldExactlyWhatTheReportsSaid() {
        Robot moving = bed.robot(lot);
        Robot failing = bed.robot(lot);
        Timestamp base = bed.now();
        // 0.4995 µs past a microsecond rounds down, 0.5 µs rounds up (as PostgreSQL's own input does).
        Timestamp down = base.toBuilder().setNanos(123_456_499).build();
        Timestamp up = base.toBuilder().setNanos(999_999_500).build();
        java.util.UUID reservation = java.util.UUID.randomUUID();
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            bridge.send(connection(moving.getRobotId(), 1, ConnectionState.CONNECTION_STATE_ONLINE, base));
            bridge.send(connection(failing.getRobotId(), 1, ConnectionState.CONNECTION_STATE_ONLINE, base));
            StoredAck ack = bridge.send(batch(
                    telemetry(moving.getRobotId(), 2, RobotState.ROBOT_STATE_MOVING, down).setBatteryPercent(41.25)
                            .setReservation("reservations/" + reservation)
                            .setPosition(RobotPosition.newBuilder().setLocation(com.google.type.LatLng.newBuilder().setLatitude(37.5665).setLongitude(126.978))
                                    .setFloor("지하 2층").setXMeters(-1.5).setYMeters(2.25).setHeadingDegrees(270)),
                    telemetry(failing.getRobotId(), 7, RobotState.ROBOT_STATE_ERROR, up).setBatteryPercent(3)
                            .setErrorCode("E42").setErrorMessage("bumper \"stuck\", {left}")));
            assertThat(ack.getRejectedList()).isEmpty();
            assertThat(ack.getStoredList()).hasSize(2);
        }
        long seconds = base.getSeconds();
        assertThat(bed.queryString("SELECT concat_ws('|', (extract(epoch FROM l.recorded_at) * 1000000)::bigint, l.state, "
                + "l.battery_percent, l.latitude, l.longitude, l.floor, l.x_meters, l.y_meters, l.reservation_id, l.kind) "
                + "FROM robot_logs l "
                + "JOIN robots b ON b.id = l.robot_id WHERE b.robot_key = '" + moving.getRobotId() + "' AND l.kind = 'TELEMETRY'"))
                .isEqualTo((seconds * 1_000_000 + 123_456) + "|MOVING|41.25|37.5665|126.978|지하 2층|-1.5|2.25|" + reservation
                        + "|TELEMETRY");
        assertThat(bed.queryString("SELECT concat_ws('|', (extract(epoch FROM l.recorded_at) * 1000000)::bigint, l.state, "
                + "l.battery_percent, coalesce(l.floor, 'no floor'), coalesce(l.reservation_id::text, 'none')) "
                + "FROM robot_logs l "
                + "JOIN robots b ON b.id = l.robot_id WHERE b.robot_key = '" + failing.getRobotId() + "' AND l.kind = 'TELEMETRY'"))
                .isEqualTo((seconds * 1_000_000 + 1_000_000) + "|ERROR|3|no floor|none");
        assertThat(bed.queryString("SELECT concat_ws('|', state, battery_percent, floor, x_meters, y_meters, heading_degrees, "
                + "coalesce(error_code, 'none'), last_sequence) FROM robots WHERE robot_key = '" + moving.getRobotId() + "'"))
                .isEqualTo("MOVING|41.25|지하 2층|-1.5|2.25|270|none|2");
        assertThat(bed.queryString("SELECT concat_ws('|', state, error_code, error_message, last_sequence) FROM robots "
                + "WHERE robot_key = '" + failing.getRobotId() + "'"))
                .isEqualTo("ERROR|E42|bumper \"stuck\", {left}|7");
    }

    @Test
    void connectionAndTelemetrySetTheRobotsCurrentState() {
        Robot robot = bed.robot(lot);
        String id = robot.getRobotId();
        assertThat(robot.getState()).isEqualTo(RobotState.ROBOT_STATE_OFFLINE);
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            bridge.send(connection(id, 1, ConnectionState.CONNECTION_STATE_ONLINE, bed.now()));
            bridge.send(batch(telemetry(id, 3, RobotState.ROBOT_STATE_MOVING, bed.now()).setBatteryPercent(66.6)
                    .setPosition(RobotPosition.newBuilder().setFloor("B1").setXMeters(3).setYMeters(4).setHeadingDegrees(90))));
            // An older report arriving late does not overwrite the newer one.
            bridge.send(batch(telemetry(id, 2, RobotState.ROBOT_STATE_IDLE, bed.now()).setBatteryPercent(99)));
            Robot seen = bed.admin.getRobot(GetRobotRequest.newBuilder().setName(robot.getName()).build());
            assertThat(seen.getOnline()).isTrue();
            assertThat(seen.getState()).isEqualTo(RobotState.ROBOT_STATE_MOVING);
            assertThat(seen.getBatteryPercent()).isCloseTo(66.6, org.assertj.core.data.Offset.offset(0.01));
            assertThat(seen.getPosition().getFloor()).isEqualTo("B1");
            assertThat(seen.getPosition().getXMeters()).isEqualTo(3);
            assertThat(seen.hasLastSeenTime()).isTrue();

            bridge.send(connection(id, 4, ConnectionState.CONNECTION_STATE_CONNECTION_BROKEN, bed.now()));
            Robot gone = bed.admin.getRobot(GetRobotRequest.newBuilder().setName(robot.getName()).build());
            assertThat(gone.getOnline()).isFalse();
            assertThat(gone.getState()).isEqualTo(RobotState.ROBOT_STATE_OFFLINE);
        }
    }

    @Test
    void aWatcherGetsTheSnapshotThenChanges() throws Exception {
        ParkingFixtures.TestLot watched = bed.lot(1);
        Robot robot = bed.robot(watched);
        BlockingQueue<WatchRobotStatesResponse> seen = new LinkedBlockingQueue<>();
        withToken(RobotServiceGrpc.newStub(bed.t.channel), bed.adminToken).watchRobotStates(
                WatchRobotStatesRequest.newBuilder().setParkingLot(watched.name()).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(WatchRobotStatesResponse value) {
                        seen.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        WatchRobotStatesResponse first = seen.poll(20, TimeUnit.SECONDS);
        assertThat(first).isNotNull();
        assertThat(first.getInitial()).isTrue();
        assertThat(first.getRobotsList()).extracting(Robot::getRobotId).containsExactly(robot.getRobotId());

        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            RobotTestBed.online(bridge, robot.getRobotId(), 1, bed.now());
        }
        RobotTestBed.await("the watcher to see the robot IDLE and online", () -> {
            for (WatchRobotStatesResponse r : seen) {
                for (Robot b : r.getRobotsList()) {
                    if (!r.getInitial() && b.getOnline() && b.getState() == RobotState.ROBOT_STATE_IDLE) {
                        return true;
                    }
                }
            }
            return false;
        });
        assertThat(seen).allMatch(r -> r == first || !r.getInitial());
    }

    @Test
    void validTelemetryItemsAreAcceptedEvenIfTheirBatchIsMixed() {
        Robot robot = bed.robot(lot);
        Telemetry.Builder good = telemetry(robot.getRobotId(), 7, RobotState.ROBOT_STATE_IDLE, bed.now());
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            StoredAck ack = bridge.send(batch(good, telemetry("x", 1, RobotState.ROBOT_STATE_IDLE, bed.now())));
            assertThat(ack.getStoredList()).containsExactly(key(robot.getRobotId(), 7));
            assertThat(ack.getRejected(0).getReason()).isEqualTo(RejectReason.REJECT_REASON_INVALID_CONTENT);
        }
    }

    @Test
    void otherRobotsAreStoredWhileOneRobotWaitsAndEachRobotKeepsItsOrder() throws Exception {
        Robot a = bed.robot(lot);
        Robot b = bed.robot(lot);
        String ida = a.getRobotId();
        String idb = b.getRobotId();
        Timestamp now = bed.now();
        try (RobotTestBed.Bridge bridge = bed.bridge();
             java.sql.Connection holder = io.chargebot.server.testing.TestDatabases.connect(bed.t.database)) {
            bridge.hello();
            holder.setAutoCommit(false);
            // Another transaction holds robot A's row (an admin's update, say): A's messages wait for it.
            try (java.sql.PreparedStatement ps = holder.prepareStatement("SELECT 1 FROM robots WHERE robot_key = ? FOR UPDATE")) {
                ps.setString(1, ida);
                ps.executeQuery().close();
            }
            try {
                bridge.requests.onNext(connection(ida, 1, ConnectionState.CONNECTION_STATE_ONLINE, now));
                bridge.requests.onNext(batch(telemetry(ida, 2, RobotState.ROBOT_STATE_MOVING, now)));
                bridge.requests.onNext(batch(telemetry(ida, 3, RobotState.ROBOT_STATE_IDLE, now)));
                bridge.requests.onNext(connection(idb, 1, ConnectionState.CONNECTION_STATE_ONLINE, now));
                bridge.requests.onNext(RobotTestBed.event(idb, 2, io.chargebot.robot.v1.RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK,
                        "", java.util.UUID.randomUUID().toString(), now));
                // B's requests, sent after A's, are stored and acknowledged while A's first still waits, in B's order.
                assertThat(bridge.next(ConnectResponse::hasAck).getAck().getStoredList()).containsExactly(key(idb, 1));
                assertThat(bridge.next(ConnectResponse::hasAck).getAck().getStoredList()).containsExactly(key(idb, 2));
                assertThat(logRows(ida)).isZero();
            } finally {
                holder.rollback();
            }
            // Then A's, in the order they were sent: the last report is the robot's state.
            assertThat(bridge.next(ConnectResponse::hasAck).getAck().getStoredList()).containsExactly(key(ida, 1));
            assertThat(bridge.next(ConnectResponse::hasAck).getAck().getStoredList()).containsExactly(key(ida, 2));
            assertThat(bridge.next(ConnectResponse::hasAck).getAck().getStoredList()).containsExactly(key(ida, 3));
        }
        assertThat(bed.admin.getRobot(GetRobotRequest.newBuilder().setName(a.getName()).build()).getState())
                .isEqualTo(RobotState.ROBOT_STATE_IDLE);
        assertThat(logRows(idb)).isEqualTo(2);
    }
}
