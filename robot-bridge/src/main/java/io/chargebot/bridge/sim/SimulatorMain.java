package io.chargebot.bridge.sim;

import io.chargebot.bridge.RobotTopics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs simulated robots against {@code MQTT_URL} (default tcp://127.0.0.1:1883).
 *
 * <pre>
 * java -cp chargebot-robot-bridge.jar io.chargebot.bridge.sim.SimulatorMain \
 *     [--robots=3] [--prefix=sim-robot-] [--ids=a,b,c] [--telemetry-ms=1000] [--time-scale=10]
 * </pre>
 */
public final class SimulatorMain {

    private SimulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        int count = 3;
        String prefix = "sim-robot-";
        List<String> ids = null;
        long telemetryMillis = 1000;
        double timeScale = 10;
        for (String arg : args) {
            if (arg.startsWith("--robots=")) {
                count = Integer.parseInt(arg.substring("--robots=".length()));
            } else if (arg.startsWith("--prefix=")) {
                prefix = arg.substring("--prefix=".length());
            } else if (arg.startsWith("--ids=")) {
                ids = List.of(arg.substring("--ids=".length()).split(","));
            } else if (arg.startsWith("--telemetry-ms=")) {
                telemetryMillis = Long.parseLong(arg.substring("--telemetry-ms=".length()));
            } else if (arg.startsWith("--time-scale=")) {
                timeScale = Double.parseDouble(arg.substring("--time-scale=".length()));
            } else {
                System.err.println("usage: SimulatorMain [--robots=N] [--prefix=P] [--ids=a,b] [--telemetry-ms=MS]"
                        + " [--time-scale=X]   (MQTT_URL, CHARGEBOT_MQTT_TOPIC_ROOT from the environment)");
                System.exit(2);
            }
        }
        if (ids == null) {
            ids = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                ids.add(String.format("%s%02d", prefix, i));
            }
        }
        String url = System.getenv().getOrDefault("MQTT_URL", "tcp://127.0.0.1:1883");
        String root = System.getenv().getOrDefault("CHARGEBOT_MQTT_TOPIC_ROOT", RobotTopics.DEFAULT_ROOT);
        RobotSimulator simulator = RobotSimulator.start(
                new RobotSimulator.Options(url, root, ids, telemetryMillis, timeScale));
        System.out.println("Simulating " + ids + " on " + url + " (telemetry every " + telemetryMillis
                + " ms, time x" + timeScale + ")");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }, "simulator-shutdown"));
        stopped.await();
    }
}
