package io.chargebot.bridge.sim;

import static java.util.Objects.requireNonNull;

import io.chargebot.bridge.RobotTopics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * N simulated robots on one MQTT broker, each with its own MQTT connection (client id = robot id). See
 * {@link SimulatedRobot} for what a robot does.
 */
public final class RobotSimulator implements AutoCloseable {

    /**
     * What to simulate.
     *
     * @param mqttUrl broker URI
     * @param topicRoot robot topic root, normally {@link RobotTopics#DEFAULT_ROOT}
     * @param robotIds ids of the robots (as registered with the server)
     * @param telemetryIntervalMillis wall-clock milliseconds between telemetry reports (and simulation steps)
     * @param timeScale how much faster than the wall clock simulated driving and charging run (1 = real time)
     */
    public record Options(String mqttUrl, String topicRoot, List<String> robotIds, long telemetryIntervalMillis,
            double timeScale) {

        public Options {
            requireNonNull(mqttUrl, "mqttUrl");
            requireNonNull(topicRoot, "topicRoot");
            robotIds = List.copyOf(robotIds);
            if (telemetryIntervalMillis < 1) {
                throw new IllegalArgumentException("telemetryIntervalMillis: " + telemetryIntervalMillis
                        + " (expected: >= 1)");
            }
            if (!(timeScale > 0)) {
                throw new IllegalArgumentException("timeScale: " + timeScale + " (expected: > 0)");
            }
        }
    }

    private final ScheduledExecutorService scheduler;
    private final List<SimulatedRobot> robots = new ArrayList<>();

    private RobotSimulator(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /** Connects every robot (each says ONLINE) and starts their telemetry. */
    public static RobotSimulator start(Options options) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "robot-simulator");
            t.setDaemon(true);
            return t;
        });
        RobotSimulator simulator = new RobotSimulator(scheduler);
        RobotTopics topics = new RobotTopics(options.topicRoot());
        try {
            for (String robotId : options.robotIds()) {
                SimulatedRobot robot = new SimulatedRobot(robotId, topics, options, scheduler, Clock.systemUTC());
                simulator.robots.add(robot);
                robot.start();
            }
        } catch (MqttException | RuntimeException e) {
            simulator.close();
            throw new IllegalStateException("cannot start the simulated robots on " + options.mqttUrl(), e);
        }
        return simulator;
    }

    public List<String> robotIds() {
        return robots.stream().map(SimulatedRobot::robotId).toList();
    }

    /** Drops one robot's connection without DISCONNECT; the broker then publishes its CONNECTION_BROKEN will. */
    public void crash(String robotId) {
        robots.stream().filter(r -> r.robotId().equals(robotId)).forEach(SimulatedRobot::crash);
    }

    /** Every robot says OFFLINE and disconnects. */
    @Override
    public void close() {
        for (SimulatedRobot robot : robots) {
            robot.stop();
        }
        scheduler.shutdownNow();
    }
}
