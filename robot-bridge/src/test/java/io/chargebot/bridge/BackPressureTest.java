package io.chargebot.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Timestamps;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.Telemetry;
import java.time.Duration;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** While the server does not acknowledge, the bridge holds at most Receive Maximum messages; the rest wait in the broker. */
class BackPressureTest {

    @Test
    void unacknowledgedMessagesAreBoundedByReceiveMaximumAndNothingIsLost() throws Exception {
        String root = TestBroker.uniqueRoot();
        RobotTopics topics = new RobotTopics(root);
        String robotId = TestBroker.uniqueId("r");
        int receiveMaximum = 5;
        int messages = 40;
        try (FakeRobotServer server = new FakeRobotServer()) {
            server.acking = false;
            BridgeConfig config = BridgeConfig.of(TestBroker.url(), "unused", TestBroker.uniqueId("b"))
                    .withTopicRoot(root, TestBroker.uniqueId("g"))
                    .withReceiveMaximum(receiveMaximum);
            try (RobotBridge bridge = RobotBridge.start(config, server.channel(), true);
                    TestRobot robot = new TestRobot(TestBroker.url(), robotId + "-test")) {
                assertThat(bridge.awaitReady(Duration.ofSeconds(30))).isTrue();
                for (long seq = 1; seq <= messages; seq++) {
                    robot.publish(topics.topic(robotId, RobotTopics.Kind.TELEMETRY), RobotMessageCodec.toJson(
                            Telemetry.newBuilder().setRobotId(robotId).setSequence(seq)
                                    .setTime(Timestamps.fromMillis(1_795_000_000_000L + seq))
                                    .setState(RobotState.ROBOT_STATE_IDLE).build()), null);
                }
                Await.until("the first messages at the server", () -> !server.telemetry.isEmpty());
                assertThat(bridge.pendingCount()).isBetween(1, receiveMaximum);
                assertThat(server.telemetry.size()).isLessThanOrEqualTo(receiveMaximum);

                // Acks resume: everything arrives, in order, each once per delivery.
                while (server.telemetry.stream().map(Telemetry::getSequence).distinct().count() < messages) {
                    int before = server.telemetry.size();
                    server.ackAllTelemetry();
                    Await.until("more after an ack", () -> server.telemetry.size() > before
                            || server.telemetry.stream().map(Telemetry::getSequence).distinct().count() == messages);
                    assertThat(bridge.pendingCount()).isLessThanOrEqualTo(receiveMaximum);
                }
                server.ackAllTelemetry();
                Await.until("all acknowledged", () -> bridge.pendingCount() == 0);
                assertThat(server.telemetry).extracting(Telemetry::getSequence)
                        .containsExactlyElementsOf(LongStream.rangeClosed(1, messages).boxed().toList());
            }
        }
    }
}
