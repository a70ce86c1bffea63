package io.chargebot.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.util.Timestamps;
import com.google.type.LatLng;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.MalformedMessage;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.robot.v1.RobotEventType;
import io.chargebot.robot.v1.RobotPosition;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.SpotTarget;
import io.chargebot.robot.v1.Telemetry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bridge between a real MQTT broker and a test double of the server's Connect stream. */
class RobotBridgeTest {

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private FakeRobotServer server;
    private String root;
    private RobotTopics topics;
    private String bridgeId;
    private String group;

    @BeforeEach
    void setUp() throws Exception {
        server = new FakeRobotServer();
        root = TestBroker.uniqueRoot();
        topics = new RobotTopics(root);
        bridgeId = TestBroker.uniqueId("b");
        group = TestBroker.uniqueId("g");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        server.close();
    }

    private RobotBridge startBridge() throws InterruptedException {
        BridgeConfig config = BridgeConfig.of(TestBroker.url(), "unused", bridgeId).withTopicRoot(root, group);
        RobotBridge bridge = RobotBridge.start(config, server.channel(), true);
        closeables.add(bridge);
        assertThat(bridge.awaitReady(Duration.ofSeconds(30))).as("bridge ready").isTrue();
        return bridge;
    }

    private TestRobot robot(String robotId) throws Exception {
        TestRobot robot = new TestRobot(TestBroker.url(), robotId + "-test");
        closeables.add(robot);
        return robot;
    }

    private static Telemetry telemetry(String robotId, long sequence) {
        return Telemetry.newBuilder()
                .setRobotId(robotId)
                .setSequence(sequence)
                .setTime(Timestamps.fromMillis(1_795_000_000_250L))
                .setState(RobotState.ROBOT_STATE_MOVING)
                .setPosition(RobotPosition.newBuilder()
                        .setLocation(LatLng.newBuilder().setLatitude(37.4979).setLongitude(127.0276))
                        .setFloor("B2").setXMeters(12.5).setYMeters(40).setHeadingDegrees(90))
                .setBatteryPercent(87.5)
                .setSpeedMetersPerSecond(1.2)
                .setReservation("reservations/8f1c0b9e")
                .build();
    }

    @Test
    void telemetryArrivesAsPublishedAndIsAckedOnlyAfterStoredAck() throws Exception {
        String robotId = TestBroker.uniqueId("r");
        Telemetry published = telemetry(robotId, 1_000_001);
        server.acking = false;
        RobotBridge first = startBridge();
        TestRobot robot = robot(robotId);

        robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY), RobotMessageCodec.toJson(published),
                "application/json");

        Await.until("telemetry at the server", () -> server.telemetryCount(robotId, 1_000_001) == 1);
        assertThat(server.telemetry).contains(published);
        assertThat(first.metrics().mqttAcked.get()).isZero();
        assertThat(first.pendingCount()).isEqualTo(1);

        // No StoredAck: after a restart the broker delivers the message again.
        first.close();
        server.acking = true;
        RobotBridge second = startBridge();
        Await.until("re-delivery after restart", () -> server.telemetryCount(robotId, 1_000_001) == 2);
        Await.until("MQTT ack after StoredAck", () -> second.metrics().mqttAcked.get() == 1);
        assertThat(second.pendingCount()).isZero();

        // Acknowledged now: another restart does not bring it back (a later message proves delivery works).
        second.close();
        RobotBridge third = startBridge();
        Telemetry marker = telemetry(robotId, 1_000_002);
        robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY), RobotMessageCodec.toJson(marker), null);
        Await.until("marker at the server", () -> server.telemetryCount(robotId, 1_000_002) == 1);
        assertThat(server.telemetryCount(robotId, 1_000_001)).isEqualTo(2);
        assertThat(third.metrics().malformed.get()).isZero();
        assertThat(server.hellos).extracting(h -> h.getBridgeId()).containsOnly(bridgeId);
    }

    /**
     * On a private Mosquitto (the embedded HiveMQ CE hands a shared subscriber one message at a time, see ReconnectTest,
     * so nothing could wait in the bridge): the server withholds acks for A's telemetry.
     */
    @Test
    void eventsAndChangesOfStateDoNotWaitBehindOtherRobotsTelemetryButEachRobotKeepsItsOrder() throws Exception {
        assumeTrue(TestMosquitto.installed(), "mosquitto not installed");
        try (TestMosquitto broker = TestMosquitto.start(Files.createTempDirectory("chargebot-mosquitto-order-"),
                List.of("allow_anonymous true", "persistence false"))) {
            server.acking = false;
            String a = TestBroker.uniqueId("ra");
            String b = TestBroker.uniqueId("rb");
            String c = TestBroker.uniqueId("rc");
            RobotBridge bridge = RobotBridge.start(BridgeConfig.of(broker.url(), "unused", bridgeId).withTopicRoot(root, group),
                    server.channel(), true);
            closeables.add(bridge);
            assertThat(bridge.awaitReady(Duration.ofSeconds(30))).as("bridge ready").isTrue();
            TestRobot robotA = new TestRobot(broker.url(), a + "-test");
            closeables.add(robotA);
            TestRobot robotB = new TestRobot(broker.url(), b + "-test");
            closeables.add(robotB);
            // A's first report goes on its own (a change of state: the bridge knew none); two batches of A's reports
            // unacknowledged then leave the pipeline no room for a third.
            for (int sequence = 1; sequence <= 3; sequence++) {
                robotA.publish(topics.topic(a, RobotTopics.Kind.TELEMETRY), RobotMessageCodec.toJson(telemetry(a, sequence)), null);
                String arrival = a + "#" + sequence;
                Await.until(arrival + " at the server", () -> server.arrivals.contains(arrival));
            }
            robotA.publish(topics.topic(a, RobotTopics.Kind.TELEMETRY), RobotMessageCodec.toJson(telemetry(a, 4)), null);
            Await.until("A's fourth report waiting in the bridge", () -> bridge.pendingCount() == 4);
            robotA.publish(topics.topic(a, RobotTopics.Kind.EVENTS), RobotMessageCodec.toJson(event(a, 5)), null);
            Await.until("A's event waiting in the bridge", () -> bridge.pendingCount() == 5);
            robotB.publish(topics.topic(b, RobotTopics.Kind.EVENTS), RobotMessageCodec.toJson(event(b, 1)), null);

            // B's event goes at once; A's event stays behind A's own waiting report.
            Await.until("B's event at the server", () -> server.arrivals.contains(b + "#1"));
            assertThat(server.arrivals).containsExactly(a + "#1", a + "#2", a + "#3", b + "#1");

            // C's first report, a change of state, goes at once past the full pipeline; its next report, in the same
            // state, waits for room; its change to IDLE after that waits behind it, so C's order holds.
            robotB.publish(topics.topic(c, RobotTopics.Kind.TELEMETRY), RobotMessageCodec.toJson(telemetry(c, 1)), null);
            Await.until("C's first report at the server", () -> server.arrivals.contains(c + "#1"));
            robotB.publish(topics.topic(c, RobotTopics.Kind.TELEMETRY), RobotMessageCodec.toJson(telemetry(c, 2)), null);
            robotB.publish(topics.topic(c, RobotTopics.Kind.TELEMETRY),
                    RobotMessageCodec.toJson(telemetry(c, 3).toBuilder().setState(RobotState.ROBOT_STATE_IDLE).build()), null);
            Await.until("C's two reports waiting in the bridge", () -> bridge.pendingCount() == 9);
            assertThat(server.arrivals).containsExactly(a + "#1", a + "#2", a + "#3", b + "#1", c + "#1");

            server.ackAllTelemetry();
            Await.until("the waiting reports and event", () -> server.arrivals.size() == 9);
            assertThat(server.arrivals).containsExactly(a + "#1", a + "#2", a + "#3", b + "#1", c + "#1",
                    a + "#4", a + "#5", c + "#2", c + "#3");
            assertThat(server.batchSizes).containsExactly(1, 1, 1, 1, 1, 1, 1);
        }
    }

    private static RobotEvent event(String robotId, long sequence) {
        return RobotEvent.newBuilder().setRobotId(robotId).setSequence(sequence)
                .setTime(Timestamps.fromMillis(1_795_000_001_000L)).setType(RobotEventType.ROBOT_EVENT_TYPE_ARRIVED)
                .setReservation("reservations/r1").build();
    }

    @Test
    void protobufPayloadsAndEventsAreForwardedInOrder() throws Exception {
        String robotId = TestBroker.uniqueId("r");
        RobotBridge bridge = startBridge();
        TestRobot robot = robot(robotId);
        Telemetry binary = telemetry(robotId, 7);
        RobotEvent event = RobotEvent.newBuilder().setRobotId(robotId).setSequence(8)
                .setTime(Timestamps.fromMillis(1_795_000_001_000L)).setType(RobotEventType.ROBOT_EVENT_TYPE_ARRIVED)
                .setReservation("reservations/r1").build();

        robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY), binary.toByteArray(),
                "application/x-protobuf; messageType=chargebot.robot.v1.Telemetry");
        // JSON without robotId: taken from the topic.
        robot.publish(topics.topic(robotId, RobotTopics.Kind.EVENTS),
                RobotMessageCodec.toJson(event.toBuilder().clearRobotId().build()), "application/json; charset=utf-8");

        Await.until("event at the server", () -> server.eventsOf(robotId).size() == 1);
        assertThat(server.telemetry).containsExactly(binary);
        assertThat(server.events).containsExactly(event);
        Await.until("both acked", () -> bridge.metrics().mqttAcked.get() == 2);
        assertThat(server.batchSizes).allSatisfy(n -> assertThat(n).isBetween(1, FakeRobotServer.MAX_BATCH));
    }

    @Test
    void commandsArePublishedToTheRobotWithMessageExpiry() throws Exception {
        String robotId = TestBroker.uniqueId("r");
        RobotBridge bridge = startBridge();
        TestRobot robot = robot(robotId);
        robot.subscribeCommands(topics.topic(robotId, RobotTopics.Kind.COMMANDS));
        long now = System.currentTimeMillis();
        RobotCommand command = RobotCommand.newBuilder()
                .setCommandId(UUID.randomUUID().toString())
                .setRobotId(robotId)
                .setType(CommandType.COMMAND_TYPE_GO_TO_SPOT)
                .setReservation("reservations/r1")
                .setSpot(SpotTarget.newBuilder().setFloor("B2").setCode("A-12").setXMeters(31).setYMeters(8.5)
                        .setLotLocation(LatLng.newBuilder().setLatitude(37.4979).setLongitude(127.0276)))
                .setChargeEndTime(Timestamps.fromMillis(now + 3_600_000))
                .setPlate("123가4567")
                .setConnectorType(ConnectorType.CONNECTOR_TYPE_DC_COMBO1)
                .setIssueTime(Timestamps.fromMillis(now))
                .setExpireTime(Timestamps.fromMillis(now + 120_000))
                .build();
        RobotCommand expired = command.toBuilder().setCommandId(UUID.randomUUID().toString())
                .setExpireTime(Timestamps.fromMillis(now - 1000)).build();

        server.sendCommand(expired);
        server.sendCommand(command);

        Await.until("command at the robot", () -> !robot.commands.isEmpty());
        TestRobot.Received received = robot.commands.get(0);
        assertThat(received.topic()).isEqualTo(root + "/" + robotId + "/commands");
        assertThat(received.message().getQos()).isEqualTo(1);
        assertThat(TestRobot.decode(received.message())).isEqualTo(command);
        assertThat(received.message().getProperties().getContentType()).isEqualTo("application/json");
        assertThat(received.message().getProperties().getMessageExpiryInterval()).isBetween(1L, 120L);
        Await.until("expired command dropped", () -> bridge.metrics().commandsDropped.get() == 1);
        assertThat(robot.commands).hasSize(1);
    }

    @Test
    void messagesOfUnknownRobotsAreRejectedCountedAndAcknowledged() throws Exception {
        String stranger = TestBroker.uniqueId("x");
        String robotId = TestBroker.uniqueId("r");
        server.unknownRobots.add(stranger);
        RobotBridge bridge = startBridge();
        TestRobot robot = robot(robotId);

        robot.publish(topics.topic(stranger, RobotTopics.Kind.TELEMETRY),
                RobotMessageCodec.toJson(telemetry(stranger, 1)), null);
        robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY),
                RobotMessageCodec.toJson(telemetry(robotId, 2)), null);

        Await.until("the known robot's telemetry", () -> server.telemetryCount(robotId, 2) == 1);
        Await.until("both acknowledged", () -> bridge.metrics().mqttAcked.get() == 2);
        assertThat(bridge.metrics().rejected.get()).isEqualTo(1);
        assertThat(bridge.metrics().stored.get()).isEqualTo(1);
        assertThat(bridge.pendingCount()).isZero();
    }

    @Test
    void malformedMessagesAreCountedReportedAndDoNotStopTheBridge() throws Exception {
        String robotId = TestBroker.uniqueId("r");
        RobotBridge bridge = startBridge();
        TestRobot robot = robot(robotId);
        byte[] oversized = new byte[70 * 1024];
        java.util.Arrays.fill(oversized, (byte) 'x');

        robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY),
                "{\"sequence\": 1, \"state\": ".getBytes(StandardCharsets.UTF_8), "application/json");
        robot.publish(topics.topic(robotId, RobotTopics.Kind.EVENTS),
                "{\"sequence\": 2, \"type\": \"ROBOT_EVENT_TYPE_ARRIVED\", \"colour\": \"red\"}"
                        .getBytes(StandardCharsets.UTF_8), null);
        robot.publish(root + "/" + robotId + "/telemtry", RobotMessageCodec.toJson(telemetry(robotId, 3)), null);
        robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY), oversized, null);
        robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY),
                RobotMessageCodec.toJson(telemetry("someone-else", 4)), null);
        robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY), "{}".getBytes(StandardCharsets.UTF_8),
                "text/plain");
        robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY),
                RobotMessageCodec.toJson(telemetry(robotId, 5)), null);

        Await.until("valid telemetry after the bad ones", () -> server.telemetryCount(robotId, 5) == 1);
        Await.until("six malformed reports", () -> server.malformed.size() == 6);
        assertThat(bridge.metrics().malformed.get()).isEqualTo(6);
        List<MalformedMessage> reports = server.malformed;
        assertThat(reports).allSatisfy(r -> {
            assertThat(r.getReportId()).isNotEmpty();
            assertThat(r.getRobotId()).isEqualTo(robotId);
            assertThat(r.hasReceiveTime()).isTrue();
        });
        assertThat(reports.get(0).getError()).contains("invalid JSON");
        assertThat(reports.get(0).getPayload().toStringUtf8()).isEqualTo("{\"sequence\": 1, \"state\": ");
        assertThat(reports.get(1).getError()).contains("colour");
        assertThat(reports.get(2).getError()).contains("wrong topic");
        assertThat(reports.get(2).getTopic()).endsWith("/telemtry");
        assertThat(reports.get(3).getError()).contains("too large");
        assertThat(reports.get(3).getPayloadSize()).isEqualTo(70 * 1024);
        assertThat(reports.get(3).getPayload().size()).isEqualTo(RobotMessageCodec.MAX_PAYLOAD_BYTES);
        assertThat(reports.get(4).getError()).contains("does not match");
        assertThat(reports.get(5).getError()).contains("unsupported content type");
        assertThat(reports.get(5).getContentType()).isEqualTo("text/plain");
        Await.until("everything acked", () -> bridge.metrics().mqttAcked.get() == 7);
        assertThat(bridge.pendingCount()).isZero();
    }
}
