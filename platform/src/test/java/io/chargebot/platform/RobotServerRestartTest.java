package io.chargebot.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.bridge.Await;
import io.chargebot.bridge.BridgeConfig;
import io.chargebot.bridge.RobotBridge;
import io.chargebot.bridge.RobotTopics;
import io.chargebot.bridge.TestBroker;
import io.chargebot.bridge.TestRobot;
import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.ServerOptions;
import io.chargebot.server.db.DatabaseSettings;
import io.chargebot.server.testing.ParkingFixtures;
import io.chargebot.server.testing.TestDatabases;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Robots → real broker → real bridge → server → PostgreSQL while the server dies: the gRPC server is shut down hard
 * (streams cancelled, transactions possibly committed but not acknowledged) and a new server starts on the same port
 * and database. Afterwards every sequence each robot published is stored exactly once. Broker: embedded HiveMQ CE or
 * {@code CHARGEBOT_TEST_MQTT_URL}; database: embedded PostgreSQL or {@code CHARGEBOT_TEST_DATABASE_URL}.
 */
class RobotServerRestartTest {

    private static final String BRIDGE_SECRET = "bridge-secret-for-the-restart-test-0123456789";
    private static final int ROBOTS = 3;

    private static ChargeBotServer startServer(DatabaseSettings database, int port) {
        return ChargeBotServer.start(new ServerOptions(port, database, 0, false,
                Map.of("chargebot.service-clients", "robot-bridge:" + BRIDGE_SECRET + ":robot.connect")));
    }

    /** Kills the server's gRPC side at once (no drain, streams cancelled mid-batch), then the rest of it. */
    private static void killHard(ChargeBotServer server) {
        server.context().getBean(GrpcEmbeddedServer.class).getServer().shutdownNow();
        server.close();
    }

    private static String telemetry(long sequence) {
        return "{\"sequence\":\"" + sequence + "\",\"time\":\"" + Instant.now() + "\",\"state\":\"ROBOT_STATE_MOVING\","
                + "\"position\":{\"floor\":\"B1\",\"xMeters\":1.5,\"yMeters\":2.5},\"batteryPercent\":70}";
    }

    @Test
    void nothingIsLostOrDoubledWhenTheServerDiesMidStream() throws Exception {
        DatabaseSettings database = TestDatabases.create();
        ChargeBotServer server = startServer(database, 0);
        int port = server.grpcPort();
        String root = TestBroker.uniqueRoot();
        RobotTopics topics = new RobotTopics(root);
        List<String> keys = new ArrayList<>();
        ParkingFixtures.TestLot lot = ParkingFixtures.seoulLot(database, 1);
        for (int i = 0; i < ROBOTS; i++) {
            String key = TestBroker.uniqueId("restart-");
            keys.add(key);
            ParkingFixtures.execute(database, "INSERT INTO robots (robot_key, lot_id, display_name, enabled) VALUES ('" + key
                    + "', '" + lot.id() + "', 'restart test', true)");
        }
        BridgeConfig config = BridgeConfig.of(TestBroker.url(), "127.0.0.1:" + port, TestBroker.uniqueId("b"))
                .withTopicRoot(root, TestBroker.uniqueId("g"))
                .withCredentials("robot-bridge", BRIDGE_SECRET)
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(500));
        AtomicBoolean publishing = new AtomicBoolean(true);
        // Set while the server is down, once enough was published meanwhile: the bridge cannot acknowledge
        // anything then, and a broker keeps only so many unacknowledged QoS 1 messages for it (Mosquitto's
        // default max_queued_messages is 1000; beyond it, it drops them). A slow restart must not make the
        // broker's limit, rather than the bridge and the server, decide what is lost.
        AtomicBoolean holding = new AtomicBoolean();
        List<AtomicLong> published = new ArrayList<>();
        List<Thread> robots = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        try (RobotBridge bridge = RobotBridge.start(config)) {
            assertThat(bridge.awaitReady(Duration.ofSeconds(60))).isTrue();
            for (String key : keys) {
                AtomicLong last = new AtomicLong();
                published.add(last);
                Thread robot = new Thread(() -> {
                    try (TestRobot client = new TestRobot(TestBroker.url(), key)) {
                        String topic = topics.topic(key, RobotTopics.Kind.TELEMETRY);
                        while (publishing.get()) {
                            if (holding.get()) {
                                Thread.sleep(5);
                                continue;
                            }
                            long sequence = last.get() + 1;
                            // Returns once the broker acknowledged it (QoS 1): from here on it must be stored.
                            client.publish(topic, telemetry(sequence).getBytes(StandardCharsets.UTF_8), "application/json");
                            last.set(sequence);
                            Thread.sleep(5);
                        }
                    } catch (Exception e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                }, "robot-" + key);
                robot.start();
                robots.add(robot);
            }
            Await.until("telemetry stored before the kill", Duration.ofSeconds(60), () -> stored(database, keys) >= 100);

            killHard(server);
            long publishedWhileDown = total(published);
            Await.until("robots publish while the server is down", Duration.ofSeconds(30),
                    () -> total(published) >= publishedWhileDown + 100);
            holding.set(true);

            server = startServer(database, port);
            holding.set(false);
            long publishedBeforeRestart = total(published);
            Await.until("telemetry stored after the restart", Duration.ofSeconds(60),
                    () -> stored(database, keys) > publishedBeforeRestart);
            publishing.set(false);
            for (Thread robot : robots) {
                robot.join(30_000);
            }
            assertThat(failures).isEmpty();
            long sent = total(published);
            Await.until("every published message stored", Duration.ofSeconds(60), () -> stored(database, keys) >= sent);
            Await.until("every message acknowledged to the broker", Duration.ofSeconds(60), () -> bridge.pendingCount() == 0);

            assertThat(bridge.metrics().streamsOpened.get()).as("streams (one before, one after the restart)")
                    .isGreaterThanOrEqualTo(2);
            for (int i = 0; i < ROBOTS; i++) {
                long n = published.get(i).get();
                try (Connection c = TestDatabases.connect(database); PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*), count(DISTINCT l.sequence), min(l.sequence), max(l.sequence), "
                                + "(SELECT count(*) FROM robot_message_keys k WHERE k.robot_id = r.id) "
                                + "FROM robots r JOIN robot_logs l ON l.robot_id = r.id AND l.kind = 'TELEMETRY' "
                                + "WHERE r.robot_key = ? GROUP BY r.id")) {
                    ps.setString(1, keys.get(i));
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getLong(1)).as("rows of %s", keys.get(i)).isEqualTo(n);
                        assertThat(rs.getLong(2)).as("distinct sequences of %s", keys.get(i)).isEqualTo(n);
                        assertThat(rs.getLong(3)).isEqualTo(1);
                        assertThat(rs.getLong(4)).isEqualTo(n);
                        assertThat(rs.getLong(5)).as("dedup keys of %s", keys.get(i)).isEqualTo(n);
                    }
                }
            }
        } finally {
            publishing.set(false);
            server.close();
        }
    }

    private static long total(List<AtomicLong> published) {
        return published.stream().mapToLong(AtomicLong::get).sum();
    }

    private static long stored(DatabaseSettings database, List<String> keys) {
        try (Connection c = TestDatabases.connect(database); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM robot_logs l JOIN robots r ON r.id = l.robot_id WHERE r.robot_key = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", keys.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
