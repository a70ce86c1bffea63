package io.chargebot.bridge;

import java.util.UUID;

/**
 * The MQTT broker for tests: {@code CHARGEBOT_TEST_MQTT_URL} (e.g. tcp://127.0.0.1:1883, the machine's Mosquitto) when
 * set, else one embedded HiveMQ CE per test JVM. Tests use their own topic root so runs on a shared broker don't meet.
 */
public final class TestBroker {

    private static EmbeddedBroker embedded;
    private static RuntimeException failure;

    private TestBroker() {
    }

    public static synchronized String url() {
        String external = System.getenv("CHARGEBOT_TEST_MQTT_URL");
        if (external != null && !external.isBlank()) {
            return external;
        }
        if (failure != null) {
            throw failure;
        }
        if (embedded == null) {
            try {
                embedded = EmbeddedBroker.start(0);
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
            EmbeddedBroker broker = embedded;
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
        }
        return embedded.url();
    }

    /** A fresh topic root, e.g. "t3f9a1c2d/chargebot/v1/robots". */
    public static String uniqueRoot() {
        return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "/" + RobotTopics.DEFAULT_ROOT;
    }

    public static String uniqueId(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }
}
