package io.chargebot.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.util.Timestamps;
import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.RobotCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Commands beyond the broker's in-flight window (its Receive Maximum for the bridge's QoS 1 publishes) wait in the
 * bridge and are published in order as publishes complete, instead of failing with "Too many publishes in progress".
 */
class CommandQueueTest {

    /** A private Mosquitto whose Receive Maximum (max_inflight_messages) is 2. */
    @Test
    void commandsBeyondASmallInFlightWindowWaitAndAreAllPublishedInOrder() throws Exception {
        assumeTrue(TestMosquitto.installed(), "mosquitto not installed");
        try (TestMosquitto broker = TestMosquitto.start(Files.createTempDirectory("chargebot-mosquitto-inflight-"),
                List.of("allow_anonymous true", "persistence false", "max_inflight_messages 2"))) {
            RobotBridge bridge = sendAtOnceAndExpectEachOnceInOrder(broker.url(), 10, 10);
            assertThat(bridge.metrics().commandsWaited.get()).as("commands that waited for the window").isPositive();
        }
    }

    /** The test broker (embedded HiveMQ CE: Receive Maximum 10; Mosquitto: 20) and 50 robots freed together. */
    @Test
    void fiftyRobotsDispatchedTogetherAllGetTheirCommands() throws Exception {
        sendAtOnceAndExpectEachOnceInOrder(TestBroker.url(), 50, 4);
    }

    /**
     * A frozen broker answers no PUBACK: two commands fill its window, three wait (the queue's size), two more are
     * dropped and counted. One of the waiting expires before the broker is back: it is dropped as expired, the others
     * are published in order.
     */
    @Test
    void aFullQueueDropsNewCommandsAndAnExpiredWaitingCommandIsNotPublished() throws Exception {
        assumeTrue(TestMosquitto.installed(), "mosquitto not installed");
        String root = TestBroker.uniqueRoot();
        try (TestMosquitto broker = TestMosquitto.start(Files.createTempDirectory("chargebot-mosquitto-inflight-"),
                List.of("allow_anonymous true", "persistence false", "max_inflight_messages 2"));
                FakeRobotServer server = new FakeRobotServer()) {
            BridgeConfig config = BridgeConfig.of(broker.url(), "unused", TestBroker.uniqueId("b"))
                    .withTopicRoot(root, TestBroker.uniqueId("g"))
                    .withCommandQueueSize(3);
            try (RobotBridge bridge = RobotBridge.start(config, server.channel(), true);
                    TestRobot subscriber = new TestRobot(broker.url(), TestBroker.uniqueId("sub"))) {
                assertThat(bridge.awaitReady(Duration.ofSeconds(30))).as("bridge ready").isTrue();
                subscriber.subscribeCommands(root + "/+/commands");
                long now = System.currentTimeMillis();
                long shortExpiry = now + 5_000;
                List<RobotCommand> commands = new ArrayList<>();
                for (int i = 0; i < 7; i++) {
                    commands.add(RobotCommand.newBuilder()
                            .setCommandId("c" + i + "-" + UUID.randomUUID())
                            .setRobotId("robot-" + (i % 2))
                            .setType(CommandType.COMMAND_TYPE_RETURN_TO_BASE)
                            .setIssueTime(Timestamps.fromMillis(now))
                            .setExpireTime(Timestamps.fromMillis(i == 2 ? shortExpiry : now + 600_000))
                            .build());
                }

                broker.pause();
                try {
                    for (RobotCommand command : commands) {
                        server.sendCommand(command);
                    }
                    Await.until("two in flight, three waiting, two dropped",
                            () -> bridge.metrics().commandsDropped.get() == 2
                                    && bridge.metrics().commandsQueued.get() == 3);
                    Await.until("the waiting command's expire_time passed",
                            () -> System.currentTimeMillis() > shortExpiry + 100);
                } finally {
                    broker.resume();
                }

                Await.until("the rest published", () -> bridge.metrics().commandsPublished.get() == 4);
                Await.until("the rest at the subscriber", () -> subscriber.commands.size() >= 4);
                List<String> received = new ArrayList<>();
                for (TestRobot.Received r : subscriber.commands) {
                    received.add(TestRobot.decode(r.message()).getCommandId());
                }
                assertThat(received).containsExactly(commands.get(0).getCommandId(), commands.get(1).getCommandId(),
                        commands.get(3).getCommandId(), commands.get(4).getCommandId());
                assertThat(bridge.metrics().commandsExpired.get()).isEqualTo(1);
                assertThat(bridge.metrics().commandsDropped.get()).isEqualTo(3);
                assertThat(bridge.metrics().commandsWaited.get()).isEqualTo(3);
                assertThat(bridge.metrics().commandsQueued.get()).isZero();
            }
        }
    }

    /**
     * The server sends {@code perRobot} commands to each of {@code robots} robots at once; a subscriber to every
     * robot's commands gets each exactly once, in order per robot, and the bridge drops none. Returns the bridge
     * (closed) for its metrics.
     */
    private static RobotBridge sendAtOnceAndExpectEachOnceInOrder(String url, int robots, int perRobot)
            throws Exception {
        String root = TestBroker.uniqueRoot();
        RobotTopics topics = new RobotTopics(root);
        BridgeConfig config = BridgeConfig.of(url, "unused", TestBroker.uniqueId("b"))
                .withTopicRoot(root, TestBroker.uniqueId("g"));
        long now = System.currentTimeMillis();
        Map<String, List<String>> sent = new LinkedHashMap<>();
        List<RobotCommand> commands = new ArrayList<>();
        for (int i = 0; i < perRobot; i++) {
            for (int r = 0; r < robots; r++) {
                String robotId = "robot-" + r;
                RobotCommand command = RobotCommand.newBuilder()
                        .setCommandId(UUID.randomUUID().toString())
                        .setRobotId(robotId)
                        .setType(i % 2 == 0 ? CommandType.COMMAND_TYPE_GO_TO_SPOT : CommandType.COMMAND_TYPE_CANCEL)
                        .setReservation("reservations/r" + r + "-" + i)
                        .setIssueTime(Timestamps.fromMillis(now))
                        .setExpireTime(Timestamps.fromMillis(now + 600_000))
                        .build();
                commands.add(command);
                sent.computeIfAbsent(robotId, k -> new ArrayList<>()).add(command.getCommandId());
            }
        }
        try (FakeRobotServer server = new FakeRobotServer();
                RobotBridge bridge = RobotBridge.start(config, server.channel(), true);
                TestRobot subscriber = new TestRobot(url, TestBroker.uniqueId("sub"))) {
            assertThat(bridge.awaitReady(Duration.ofSeconds(30))).as("bridge ready").isTrue();
            subscriber.subscribeCommands(root + "/+/commands");

            for (RobotCommand command : commands) {
                server.sendCommand(command);
            }

            Await.until("every command at the subscriber", Duration.ofSeconds(60),
                    () -> subscriber.commands.size() >= commands.size());
            Await.until("every publish completed", () -> bridge.metrics().commandsPublished.get() == commands.size());
            Map<String, List<String>> received = new LinkedHashMap<>();
            for (TestRobot.Received r : subscriber.commands) {
                RobotCommand command = TestRobot.decode(r.message());
                assertThat(r.topic()).isEqualTo(topics.topic(command.getRobotId(), RobotTopics.Kind.COMMANDS));
                received.computeIfAbsent(command.getRobotId(), k -> new ArrayList<>()).add(command.getCommandId());
            }
            assertThat(received).as("each command once, in order per robot").isEqualTo(sent);
            assertThat(bridge.metrics().commandsDropped.get()).isZero();
            assertThat(bridge.metrics().commandsQueued.get()).isZero();
            return bridge;
        }
    }
}
