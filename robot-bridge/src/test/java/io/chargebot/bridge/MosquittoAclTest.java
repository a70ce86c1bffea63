package io.chargebot.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.util.Timestamps;
import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.Telemetry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.Test;

/**
 * The Mosquitto ACL documented in docs/robot-protocol.md, on a private Mosquitto started by the test (skipped when
 * the {@code mosquitto} binary is missing): a robot cannot publish as another robot or read its commands; the bridge
 * still receives every robot's own messages and can command them.
 */
class MosquittoAclTest {

    private static final Path MOSQUITTO_PASSWD = Path.of("/usr/bin/mosquitto_passwd");

    @Test
    void aRobotCannotSpeakForAnother() throws Exception {
        assumeTrue(TestMosquitto.installed() && Files.isExecutable(MOSQUITTO_PASSWD), "mosquitto not installed");
        Path dir = Files.createTempDirectory("chargebot-mosquitto-acl-");
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, "");
        for (String user : List.of("robot-a", "robot-b", "chargebot-bridge")) {
            Process p = new ProcessBuilder(MOSQUITTO_PASSWD.toString(), "-b", passwd.toString(), user, user + "-pw")
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).as("mosquitto_passwd " + user).isTrue();
        }
        Files.writeString(dir.resolve("acl"), aclFromDocs());
        try (TestMosquitto broker = TestMosquitto.start(dir, List.of(
                "allow_anonymous false",
                "password_file " + passwd,
                "acl_file " + dir.resolve("acl"),
                "persistence false"))) {
            String url = broker.url();
            try (FakeRobotServer server = new FakeRobotServer()) {
                BridgeConfig config = new BridgeConfig(url, "chargebot-bridge", "chargebot-bridge-pw", "unused", false,
                        null, null, "acl-" + UUID.randomUUID().toString().substring(0, 8), RobotTopics.DEFAULT_ROOT,
                        "chargebot-bridge", 100, Duration.ofMinutes(5), Duration.ofMillis(5), Duration.ofMillis(100),
                        Duration.ofSeconds(1), Duration.ofSeconds(30), BridgeConfig.DEFAULT_COMMAND_QUEUE_SIZE);
                try (RobotBridge bridge = RobotBridge.start(config, server.channel(), true)) {
                    assertThat(bridge.awaitReady(Duration.ofSeconds(30))).as("bridge subscribed under the ACL").isTrue();
                    MqttClient robotA = connect(url, "robot-a");
                    try {
                        RobotTopics topics = new RobotTopics(RobotTopics.DEFAULT_ROOT);
                        List<String> commands = new java.util.concurrent.CopyOnWriteArrayList<>();
                        robotA.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
                            @Override
                            public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {
                            }

                            @Override
                            public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) {
                            }

                            @Override
                            public void messageArrived(String topic, MqttMessage message) {
                                commands.add(topic);
                            }

                            @Override
                            public void deliveryComplete(IMqttToken token) {
                            }

                            @Override
                            public void connectComplete(boolean reconnect, String serverUri) {
                            }

                            @Override
                            public void authPacketArrived(int reasonCode,
                                    org.eclipse.paho.mqttv5.common.packet.MqttProperties properties) {
                            }
                        });

                        // Mosquitto grants robot-a's subscription to robot-b's commands but never delivers on it.
                        robotA.subscribe(new MqttSubscription[] {
                            new MqttSubscription(topics.topic("robot-b", RobotTopics.Kind.COMMANDS), 1),
                            new MqttSubscription(topics.topic("robot-a", RobotTopics.Kind.COMMANDS), 1)});

                        // robot-a publishing as robot-b is dropped by the broker
                        catchThrowable(() -> robotA.publish(topics.topic("robot-b", RobotTopics.Kind.TELEMETRY),
                                new MqttMessage(RobotMessageCodec.toJson(telemetry("robot-b", 1)), 1, false, null)));
                        robotA.publish(topics.topic("robot-a", RobotTopics.Kind.TELEMETRY),
                                new MqttMessage(RobotMessageCodec.toJson(telemetry("robot-a", 2)), 1, false, null));
                        Await.until("robot-a's own telemetry", () -> server.telemetryCount("robot-a", 2) == 1);
                        assertThat(server.telemetry).extracting(Telemetry::getRobotId).containsOnly("robot-a");

                        // the bridge commands both robots; robot-a only sees its own
                        for (String robotId : List.of("robot-b", "robot-a")) {
                            server.sendCommand(RobotCommand.newBuilder().setCommandId(UUID.randomUUID().toString())
                                    .setRobotId(robotId).setType(CommandType.COMMAND_TYPE_RETURN_TO_BASE)
                                    .setExpireTime(Timestamps.fromMillis(System.currentTimeMillis() + 60_000)).build());
                        }
                        Await.until("command at robot-a", () -> !commands.isEmpty());
                        Await.until("both commands published", () -> bridge.metrics().commandsPublished.get() == 2);
                        assertThat(commands).containsExactly(topics.topic("robot-a", RobotTopics.Kind.COMMANDS));
                    } finally {
                        robotA.disconnect();
                        robotA.close();
                    }
                }
            }
        }
    }

    /** The ACL block of docs/robot-protocol.md (the first code block after "Mosquitto ACL"). */
    private static String aclFromDocs() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "robot-protocol.md"));
        int section = doc.indexOf("Mosquitto ACL");
        int start = doc.indexOf("```\n", section) + 4;
        int end = doc.indexOf("```", start);
        return doc.substring(start, end);
    }

    private static Telemetry telemetry(String robotId, long sequence) {
        return Telemetry.newBuilder().setRobotId(robotId).setSequence(sequence)
                .setTime(Timestamps.fromMillis(1_795_000_000_000L)).setState(RobotState.ROBOT_STATE_IDLE).build();
    }

    private static MqttClient connect(String url, String user) throws Exception {
        MqttClient client = new MqttClient(url, user, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(user);
        options.setPassword((user + "-pw").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        client.connect(options);
        return client;
    }
}
