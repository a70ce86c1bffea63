package io.chargebot.bridge;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one bridge configured from the environment (see {@link BridgeConfig#fromEnvironment}). Without
 * {@code MQTT_URL} it first starts an embedded HiveMQ CE broker on a free port and prints its URL. Logs the counters
 * every minute; stops on SIGTERM/Ctrl+C.
 */
public final class BridgeMain {

    private static final Logger log = LoggerFactory.getLogger(BridgeMain.class);

    private BridgeMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        BridgeConfig config = BridgeConfig.fromEnvironment(System.getenv());
        EmbeddedBroker broker = null;
        if (config.mqttUrl().isEmpty()) {
            broker = EmbeddedBroker.start(0);
            config = config.withMqttUrl(broker.url());
            System.out.println("MQTT broker " + broker.url() + " (embedded HiveMQ CE; set MQTT_URL to use another)");
        }
        RobotBridge bridge = RobotBridge.start(config);
        System.out.println("CHARGEBOT BRIDGE READY mqtt=" + config.mqttUrl() + " grpc=" + config.grpcTarget()
                + " bridgeId=" + config.bridgeId());
        ScheduledExecutorService stats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bridge-stats");
            t.setDaemon(true);
            return t;
        });
        stats.scheduleAtFixedRate(() -> log.info("Bridge counters: {}", bridge.metrics()), 1, 1, TimeUnit.MINUTES);
        CountDownLatch stopped = new CountDownLatch(1);
        EmbeddedBroker ownedBroker = broker;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bridge.close();
            if (ownedBroker != null) {
                ownedBroker.close();
            }
            stopped.countDown();
        }, "bridge-shutdown"));
        stopped.await();
    }
}
