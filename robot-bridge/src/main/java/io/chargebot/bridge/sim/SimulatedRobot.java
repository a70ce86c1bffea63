package io.chargebot.bridge.sim;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.chargebot.bridge.RobotMessageCodec;
import io.chargebot.bridge.RobotTopics;
import io.chargebot.bridge.MqttSocketFactory;
import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.ConnectionChange;
import io.chargebot.robot.v1.ConnectionState;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.robot.v1.RobotEventType;
import io.chargebot.robot.v1.RobotPosition;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.Telemetry;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated robot speaking the documented protocol (docs/robot-protocol.md): a retained {@code connection} topic
 * with a last will, telemetry every tick, and the GO_TO_SPOT → ARRIVED → CHARGING_STARTED → CHARGING_FINISHED →
 * RETURNING → IDLE cycle, with CANCEL and RETURN_TO_BASE. Simulated time runs {@code timeScale} times faster than the
 * wall clock (driving and charging); timestamps it reports are wall-clock. All state changes run on the simulator's
 * single scheduler thread.
 */
final class SimulatedRobot {

    private static final Logger log = LoggerFactory.getLogger(SimulatedRobot.class);
    private static final double SPEED_METERS_PER_SECOND = 1.0;

    private final String robotId;
    private final RobotTopics topics;
    private final RobotSimulator.Options options;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final MqttAsyncClient mqtt;
    private final AtomicLong sequence;
    private final Map<String, RobotEvent> replies = new HashMap<>();
    private ScheduledFuture<?> ticker;

    // Simulation state (scheduler thread only).
    private RobotState state = RobotState.ROBOT_STATE_IDLE;
    private RobotPosition base;
    private RobotPosition position;
    private double battery = 95.0;
    private String reservation = "";
    private RobotCommand job;
    private double targetX;
    private double targetY;
    private String targetFloor;
    private long chargeEndMillis;
    private double chargingPowerKw;
    private double energyKwh;
    private long lastTickMillis;

    SimulatedRobot(String robotId, RobotTopics topics, RobotSimulator.Options options,
            ScheduledExecutorService scheduler, Clock clock) throws MqttException {
        this.robotId = robotId;
        this.topics = topics;
        this.options = options;
        this.scheduler = scheduler;
        this.clock = clock;
        this.sequence = new AtomicLong(clock.millis() * 1000);
        this.base = RobotPosition.newBuilder().setFloor("B1").setXMeters(0).setYMeters(0).build();
        this.position = base;
        this.mqtt = new MqttAsyncClient(options.mqttUrl(), robotId, new MemoryPersistence());
    }

    String robotId() {
        return robotId;
    }

    void start() throws MqttException {
        MqttConnectionOptions connect = new MqttConnectionOptions();
        connect.setCleanStart(false);
        connect.setSessionExpiryInterval(3600L);
        connect.setKeepAliveInterval(15);
        connect.setAutomaticReconnect(true);
        connect.setAutomaticReconnectDelay(1, 30);
        if (options.mqttUrl().startsWith("tcp://")) {
            connect.setSocketFactory(new MqttSocketFactory());
        }
        // The will: CONNECTION_BROKEN with a sequence number reserved now, retained.
        MqttMessage will = new MqttMessage(RobotMessageCodec.toJson(connection(ConnectionState
                .CONNECTION_STATE_CONNECTION_BROKEN)), 1, true, null);
        MqttProperties willProperties = new MqttProperties();
        willProperties.setContentType(RobotMessageCodec.JSON);
        connect.setWill(topics.topic(robotId, RobotTopics.Kind.CONNECTION), will);
        connect.setWillMessageProperties(willProperties);
        mqtt.setCallback(new Callback());
        mqtt.connect(connect).waitForCompletion(15_000);
        // connectComplete (below) subscribes and says ONLINE, also after automatic reconnects.
        lastTickMillis = clock.millis();
        ticker = scheduler.scheduleAtFixedRate(this::safeTick, options.telemetryIntervalMillis(),
                options.telemetryIntervalMillis(), TimeUnit.MILLISECONDS);
    }

    private final class Callback implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            log.info("Robot {} disconnected: {}", robotId, response);
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {
            log.warn("Robot {} MQTT error", robotId, e);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            byte[] payload = message.getPayload();
            scheduler.execute(() -> onCommand(payload));
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            try {
                mqtt.subscribe(new MqttSubscription(topics.topic(robotId, RobotTopics.Kind.COMMANDS), 1));
                publish(RobotTopics.Kind.CONNECTION, connection(ConnectionState.CONNECTION_STATE_ONLINE), true);
            } catch (MqttException e) {
                log.warn("Robot {} could not subscribe", robotId, e);
            }
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }

    private void onCommand(byte[] payload) {
        RobotCommand command;
        try {
            command = RobotMessageCodec.decodeCommand(payload);
        } catch (InvalidProtocolBufferException e) {
            log.warn("Robot {} got an unreadable command: {}", robotId, e.getMessage());
            return;
        }
        RobotEvent earlier = replies.get(command.getCommandId());
        if (earlier != null) {
            // A re-sent command: answer again with the same message (same sequence), execute nothing.
            publish(RobotTopics.Kind.EVENTS, earlier, false);
            return;
        }
        String rejection = check(command);
        RobotEvent reply = event(rejection == null ? RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK
                : RobotEventType.ROBOT_EVENT_TYPE_COMMAND_REJECTED)
                .setCommandId(command.getCommandId())
                .setReservation(command.getReservation())
                .setErrorCode(rejection == null ? "" : rejection)
                .setMessage(rejection == null ? "" : "robot " + robotId + " cannot do " + command.getType() + " now")
                .build();
        replies.put(command.getCommandId(), reply);
        publish(RobotTopics.Kind.EVENTS, reply, false);
        if (rejection != null) {
            return;
        }
        if (command.hasBasePosition() && command.getBasePosition().getFloor().length() > 0) {
            base = command.getBasePosition();
        }
        switch (command.getType()) {
            case COMMAND_TYPE_GO_TO_SPOT -> {
                job = command;
                reservation = command.getReservation();
                targetFloor = command.getSpot().getFloor();
                targetX = command.getSpot().getXMeters();
                targetY = command.getSpot().getYMeters();
                setState(RobotState.ROBOT_STATE_MOVING);
            }
            case COMMAND_TYPE_CANCEL -> {
                if (reservation.equals(command.getReservation()) || command.getReservation().isEmpty()) {
                    job = null;
                    reservation = "";
                    returnToBase();
                }
            }
            case COMMAND_TYPE_RETURN_TO_BASE -> returnToBase();
            default -> {
            }
        }
    }

    /** Null when the command can be executed, else the rejection's error code. */
    private String check(RobotCommand command) {
        if (command.hasExpireTime() && Timestamps.toMillis(command.getExpireTime()) < clock.millis()) {
            return "EXPIRED";
        }
        if (command.getType() == CommandType.COMMAND_TYPE_GO_TO_SPOT) {
            if (!command.hasSpot() || command.getReservation().isEmpty()) {
                return "INVALID_COMMAND";
            }
            if (!reservation.isEmpty() || state == RobotState.ROBOT_STATE_ERROR) {
                return "BUSY";
            }
        }
        if (command.getType() == CommandType.COMMAND_TYPE_RETURN_TO_BASE && !reservation.isEmpty()) {
            return "BUSY";
        }
        if (command.getType() == CommandType.COMMAND_TYPE_UNSPECIFIED) {
            return "UNKNOWN_COMMAND";
        }
        return null;
    }

    private void returnToBase() {
        chargingPowerKw = 0;
        targetFloor = base.getFloor();
        targetX = base.getXMeters();
        targetY = base.getYMeters();
        setState(RobotState.ROBOT_STATE_RETURNING);
    }

    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.warn("Robot {} tick failed", robotId, e);
        }
    }

    /** One step of simulated time, then a telemetry report. */
    private void tick() {
        long now = clock.millis();
        double simSeconds = (now - lastTickMillis) / 1000.0 * options.timeScale();
        lastTickMillis = now;
        switch (state) {
            case ROBOT_STATE_MOVING -> {
                battery = Math.max(5, battery - simSeconds * 0.01);
                if (drive(simSeconds)) {
                    publish(RobotTopics.Kind.EVENTS, event(RobotEventType.ROBOT_EVENT_TYPE_ARRIVED)
                            .setReservation(reservation).build(), false);
                    startCharging(now);
                }
            }
            case ROBOT_STATE_CHARGING -> {
                energyKwh += chargingPowerKw * simSeconds / 3600.0;
                if (now >= chargeEndMillis) {
                    publish(RobotTopics.Kind.EVENTS, event(RobotEventType.ROBOT_EVENT_TYPE_CHARGING_FINISHED)
                            .setReservation(reservation).setEnergyDeliveredKwh(round(energyKwh)).build(), false);
                    job = null;
                    reservation = "";
                    returnToBase();
                }
            }
            case ROBOT_STATE_RETURNING -> {
                battery = Math.max(5, battery - simSeconds * 0.01);
                if (drive(simSeconds)) {
                    energyKwh = 0;
                    setState(RobotState.ROBOT_STATE_IDLE);
                }
            }
            case ROBOT_STATE_IDLE -> battery = Math.min(100, battery + simSeconds * 0.02);
            default -> {
            }
        }
        publishTelemetry();
    }

    private void startCharging(long now) {
        RobotCommand command = job;
        energyKwh = 0;
        chargingPowerKw = switch (command.getConnectorType()) {
            case CONNECTOR_TYPE_AC_TYPE1, CONNECTOR_TYPE_AC_TYPE2, CONNECTOR_TYPE_GB_T_AC -> 7.0;
            case CONNECTOR_TYPE_UNSPECIFIED -> 11.0;
            default -> 50.0;
        };
        long end = command.hasChargeEndTime() ? Timestamps.toMillis(command.getChargeEndTime()) : now;
        // Simulated duration (end - now) passes timeScale times faster.
        chargeEndMillis = now + (long) (Math.max(0, end - now) / options.timeScale());
        publish(RobotTopics.Kind.EVENTS, event(RobotEventType.ROBOT_EVENT_TYPE_CHARGING_STARTED)
                .setReservation(reservation).build(), false);
        setState(RobotState.ROBOT_STATE_CHARGING);
    }

    /** Moves towards the target; true on arrival. */
    private boolean drive(double simSeconds) {
        double dx = targetX - position.getXMeters();
        double dy = targetY - position.getYMeters();
        double distance = Math.hypot(dx, dy);
        double step = SPEED_METERS_PER_SECOND * simSeconds;
        RobotPosition.Builder next = position.toBuilder().setFloor(targetFloor == null ? "" : targetFloor);
        if (distance > 0) {
            next.setHeadingDegrees((Math.toDegrees(Math.atan2(dx, dy)) + 360) % 360);
        }
        if (step >= distance) {
            position = next.setXMeters(targetX).setYMeters(targetY).build();
            return true;
        }
        position = next.setXMeters(position.getXMeters() + dx / distance * step)
                .setYMeters(position.getYMeters() + dy / distance * step).build();
        return false;
    }

    private void setState(RobotState next) {
        if (state != next) {
            state = next;
            publishTelemetry();
        }
    }

    private void publishTelemetry() {
        Telemetry.Builder t = Telemetry.newBuilder()
                .setRobotId(robotId)
                .setSequence(sequence.incrementAndGet())
                .setTime(now())
                .setState(state)
                .setPosition(position)
                .setBatteryPercent(round(battery))
                .setSpeedMetersPerSecond(state == RobotState.ROBOT_STATE_MOVING
                        || state == RobotState.ROBOT_STATE_RETURNING ? SPEED_METERS_PER_SECOND : 0)
                .setReservation(reservation);
        if (state == RobotState.ROBOT_STATE_CHARGING) {
            t.setChargingPowerKw(chargingPowerKw).setEnergyDeliveredKwh(round(energyKwh));
        }
        publish(RobotTopics.Kind.TELEMETRY, t.build(), false);
    }

    private RobotEvent.Builder event(RobotEventType type) {
        return RobotEvent.newBuilder().setRobotId(robotId).setSequence(sequence.incrementAndGet()).setTime(now())
                .setType(type);
    }

    private ConnectionChange connection(ConnectionState connectionState) {
        return ConnectionChange.newBuilder().setRobotId(robotId).setSequence(sequence.incrementAndGet())
                .setTime(now()).setState(connectionState).build();
    }

    private Timestamp now() {
        return Timestamps.fromMillis(clock.millis());
    }

    private void publish(RobotTopics.Kind kind, Message message, boolean retained) {
        MqttProperties properties = new MqttProperties();
        properties.setContentType(RobotMessageCodec.JSON);
        try {
            mqtt.publish(topics.topic(robotId, kind), new MqttMessage(RobotMessageCodec.toJson(message), 1, retained,
                    properties));
        } catch (MqttException e) {
            // Paho buffers nothing while disconnected; telemetry is periodic anyway. Events would need a local queue
            // on a real robot (see docs/robot-protocol.md); the simulator logs the loss.
            log.warn("Robot {} could not publish {}: {}", robotId, kind, e.toString());
        }
    }

    /** Says OFFLINE (retained) and disconnects cleanly, so the will is not published. */
    void stop() {
        if (ticker != null) {
            ticker.cancel(false);
        }
        try {
            if (mqtt.isConnected()) {
                publish(RobotTopics.Kind.CONNECTION, connection(ConnectionState.CONNECTION_STATE_OFFLINE), true);
                mqtt.disconnect(3000).waitForCompletion(4000);
            }
            mqtt.close(true);
        } catch (MqttException e) {
            log.debug("robot {} stop", robotId, e);
        }
    }

    /** Drops the TCP connection without DISCONNECT, so the broker publishes the will (tests). */
    void crash() {
        if (ticker != null) {
            ticker.cancel(false);
        }
        try {
            mqtt.disconnectForcibly(0, 1000, false);
            mqtt.close(true);
        } catch (MqttException e) {
            log.debug("robot {} crash", robotId, e);
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
