package io.chargebot.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.util.Timestamps;
import io.chargebot.robot.v1.ConnectionChange;
import io.chargebot.robot.v1.ConnectionState;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.Telemetry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The bridge outlives restarts of the server and of the broker. */
class ReconnectTest {

    private static Telemetry telemetry(String robotId, long sequence) {
        return Telemetry.newBuilder().setRobotId(robotId).setSequence(sequence)
                .setTime(Timestamps.fromMillis(1_795_000_000_000L + sequence)).setState(RobotState.ROBOT_STATE_IDLE)
                .setBatteryPercent(50).build();
    }

    @Test
    void unacknowledgedMessagesAreSentAgainOnTheNextStream() throws Exception {
        String root = TestBroker.uniqueRoot();
        RobotTopics topics = new RobotTopics(root);
        String robotId = TestBroker.uniqueId("r");
        FakeRobotServer first = new FakeRobotServer();
        first.acking = false;
        BridgeConfig config = BridgeConfig.of(TestBroker.url(), "unused", TestBroker.uniqueId("b"))
                .withTopicRoot(root, TestBroker.uniqueId("g"))
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(500));
        try (RobotBridge bridge = RobotBridge.start(config, first.channel(), true);
                TestRobot robot = new TestRobot(TestBroker.url(), robotId + "-test")) {
            assertThat(bridge.awaitReady(Duration.ofSeconds(30))).isTrue();
            ConnectionChange online = ConnectionChange.newBuilder().setRobotId(robotId).setSequence(2)
                    .setTime(Timestamps.fromMillis(1_795_000_000_002L))
                    .setState(ConnectionState.CONNECTION_STATE_ONLINE).build();
            robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY),
                    RobotMessageCodec.toJson(telemetry(robotId, 1)), null);
            robot.publish(topics.topic(robotId, RobotTopics.Kind.CONNECTION), RobotMessageCodec.toJson(online), null);
            // HiveMQ CE sends a shared subscriber its next message only after a PUBACK; Mosquitto sends both.
            Await.until("the first at the first server", () -> first.telemetry.size() == 1);
            assertThat(bridge.pendingCount()).isPositive();
            assertThat(bridge.metrics().mqttAcked.get()).isZero();

            first.close(); // the server dies before acknowledging
            FakeRobotServer second = new FakeRobotServer(first.name());
            try {
                Await.until("both re-sent to the restarted server",
                        () -> second.telemetry.size() == 1 && second.connections.size() == 1);
                assertThat(second.telemetry).containsExactly(telemetry(robotId, 1));
                assertThat(second.connections).containsExactly(online);
                Await.until("acked after the restart", () -> bridge.metrics().mqttAcked.get() == 2);
                assertThat(bridge.pendingCount()).isZero();
                assertThat(bridge.metrics().streamsOpened.get()).isGreaterThanOrEqualTo(2);
            } finally {
                second.close();
            }
        }
    }

    @Test
    void aLostAckIsMadeUpBySendingTheMessageAgain() throws Exception {
        String root = TestBroker.uniqueRoot();
        RobotTopics topics = new RobotTopics(root);
        String robotId = TestBroker.uniqueId("r");
        try (FakeRobotServer server = new FakeRobotServer()) {
            server.acking = false;
            BridgeConfig config = BridgeConfig.of(TestBroker.url(), "unused", TestBroker.uniqueId("b"))
                    .withTopicRoot(root, TestBroker.uniqueId("g"))
                    .withAckTimeout(Duration.ofMillis(300));
            try (RobotBridge bridge = RobotBridge.start(config, server.channel(), true);
                    TestRobot robot = new TestRobot(TestBroker.url(), robotId + "-test")) {
                assertThat(bridge.awaitReady(Duration.ofSeconds(30))).isTrue();
                robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY),
                        RobotMessageCodec.toJson(telemetry(robotId, 1)), null);
                Await.until("sent again on the same stream", () -> server.telemetryCount(robotId, 1) >= 2);
                server.acking = true;
                Await.until("acknowledged", () -> bridge.metrics().mqttAcked.get() == 1);
                assertThat(bridge.pendingCount()).isZero();
                assertThat(bridge.metrics().resent.get()).isPositive();
                assertThat(bridge.metrics().streamsOpened.get()).isEqualTo(1);
            }
        }
    }

    @Test
    void theBridgeReconnectsAfterTheBrokerRestarts() throws Exception {
        assumeTrue(System.getenv("CHARGEBOT_TEST_MQTT_URL") == null, "needs a broker the test can restart");
        EmbeddedBroker broker = EmbeddedBroker.start(0);
        int port = broker.port();
        String root = TestBroker.uniqueRoot();
        RobotTopics topics = new RobotTopics(root);
        String robotId = TestBroker.uniqueId("r");
        FakeRobotServer server = new FakeRobotServer();
        BridgeConfig config = BridgeConfig.of(broker.url(), "unused", TestBroker.uniqueId("b"))
                .withTopicRoot(root, TestBroker.uniqueId("g"))
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1));
        try (RobotBridge bridge = RobotBridge.start(config, server.channel(), true)) {
            assertThat(bridge.awaitReady(Duration.ofSeconds(30))).isTrue();
            try (TestRobot robot = new TestRobot(broker.url(), robotId + "-a")) {
                robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY),
                        RobotMessageCodec.toJson(telemetry(robotId, 1)), null);
                Await.until("before the restart", () -> server.telemetryCount(robotId, 1) == 1);
            }

            broker.close();
            broker = EmbeddedBroker.start(port);
            Await.until("bridge reconnected", Duration.ofSeconds(60),
                    () -> bridge.metrics().mqttConnections.get() >= 2);
            try (TestRobot robot = new TestRobot(broker.url(), robotId + "-b")) {
                robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY),
                        RobotMessageCodec.toJson(telemetry(robotId, 2)), null);
                Await.until("after the restart", () -> server.telemetryCount(robotId, 2) == 1);
            }
        } finally {
            server.close();
            broker.close();
        }
    }
}
