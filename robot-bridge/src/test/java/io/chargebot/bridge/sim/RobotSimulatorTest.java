package io.chargebot.bridge.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Timestamps;
import io.chargebot.bridge.Await;
import io.chargebot.bridge.BridgeConfig;
import io.chargebot.bridge.FakeRobotServer;
import io.chargebot.bridge.RobotBridge;
import io.chargebot.bridge.TestBroker;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.ConnectionChange;
import io.chargebot.robot.v1.ConnectionState;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.robot.v1.RobotEventType;
import io.chargebot.robot.v1.RobotPosition;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.SpotTarget;
import io.chargebot.robot.v1.Telemetry;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Simulated robots → real broker → bridge → a test double of the server, and commands back. */
class RobotSimulatorTest {

    private FakeRobotServer server;
    private RobotBridge bridge;
    private RobotSimulator simulator;
    private String root;

    @BeforeEach
    void setUp() throws Exception {
        server = new FakeRobotServer();
        root = TestBroker.uniqueRoot();
        bridge = RobotBridge.start(BridgeConfig.of(TestBroker.url(), "unused", TestBroker.uniqueId("b"))
                .withTopicRoot(root, TestBroker.uniqueId("g")), server.channel(), true);
        assertThat(bridge.awaitReady(Duration.ofSeconds(30))).isTrue();
    }

    @AfterEach
    void tearDown() {
        if (simulator != null) {
            simulator.close();
        }
        bridge.close();
        server.close();
    }

    @Test
    void goToSpotIsAckedThenArrivedChargingStartedChargingFinishedThenIdle() {
        String robotId = TestBroker.uniqueId("sim");
        simulator = RobotSimulator.start(new RobotSimulator.Options(TestBroker.url(), root, List.of(robotId), 50,
                600));
        Await.until("robot online", () -> server.connectionsOf(robotId).stream()
                .anyMatch(c -> c.getState() == ConnectionState.CONNECTION_STATE_ONLINE));
        Await.until("idle telemetry", () -> server.telemetryOf(robotId).stream()
                .anyMatch(t -> t.getState() == RobotState.ROBOT_STATE_IDLE));

        long now = System.currentTimeMillis();
        RobotCommand goToSpot = RobotCommand.newBuilder()
                .setCommandId(UUID.randomUUID().toString())
                .setRobotId(robotId)
                .setType(CommandType.COMMAND_TYPE_GO_TO_SPOT)
                .setReservation("reservations/res-1")
                .setSpot(SpotTarget.newBuilder().setFloor("B1").setCode("A-12").setXMeters(30).setYMeters(4))
                .setChargeEndTime(Timestamps.fromMillis(now + 10 * 60_000)) // 10 simulated minutes = 1 s at x600
                .setConnectorType(ConnectorType.CONNECTOR_TYPE_DC_COMBO1)
                .setIssueTime(Timestamps.fromMillis(now))
                .setExpireTime(Timestamps.fromMillis(now + 60_000))
                .build();
        server.sendCommand(goToSpot);
        server.sendCommand(goToSpot); // a re-send: answered again with the same event, executed once

        Await.until("charging finished", () -> server.eventsOf(robotId).stream()
                .anyMatch(e -> e.getType() == RobotEventType.ROBOT_EVENT_TYPE_CHARGING_FINISHED));
        List<RobotEvent> events = server.eventsOf(robotId).stream().distinct().toList();
        assertThat(events).extracting(RobotEvent::getType).containsExactly(
                RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK,
                RobotEventType.ROBOT_EVENT_TYPE_ARRIVED,
                RobotEventType.ROBOT_EVENT_TYPE_CHARGING_STARTED,
                RobotEventType.ROBOT_EVENT_TYPE_CHARGING_FINISHED);
        assertThat(events.get(0).getCommandId()).isEqualTo(goToSpot.getCommandId());
        assertThat(events.subList(1, 4)).allSatisfy(e -> assertThat(e.getReservation())
                .isEqualTo("reservations/res-1"));
        assertThat(events.get(3).getEnergyDeliveredKwh()).isPositive();
        assertThat(events).extracting(RobotEvent::getSequence).isSorted().doesNotHaveDuplicates();

        Await.until("back to idle at base", () -> {
            List<Telemetry> t = server.telemetryOf(robotId);
            return t.get(t.size() - 1).getState() == RobotState.ROBOT_STATE_IDLE
                    && t.stream().anyMatch(x -> x.getState() == RobotState.ROBOT_STATE_RETURNING);
        });
        List<Telemetry> telemetry = server.telemetryOf(robotId);
        assertThat(telemetry).anySatisfy(t -> {
            assertThat(t.getState()).isEqualTo(RobotState.ROBOT_STATE_CHARGING);
            assertThat(t.getPosition().getXMeters()).isEqualTo(30.0);
            assertThat(t.getPosition().getYMeters()).isEqualTo(4.0);
            assertThat(t.getReservation()).isEqualTo("reservations/res-1");
        });
        assertThat(telemetry).extracting(Telemetry::getSequence).doesNotHaveDuplicates();
    }

    @Test
    void cancelSendsTheRobotBackAndACrashPublishesTheWill() {
        String robotId = TestBroker.uniqueId("sim");
        simulator = RobotSimulator.start(new RobotSimulator.Options(TestBroker.url(), root, List.of(robotId), 50,
                1));
        Await.until("robot online", () -> !server.connectionsOf(robotId).isEmpty());
        long now = System.currentTimeMillis();
        RobotCommand goToSpot = RobotCommand.newBuilder()
                .setCommandId(UUID.randomUUID().toString()).setRobotId(robotId)
                .setType(CommandType.COMMAND_TYPE_GO_TO_SPOT).setReservation("reservations/res-2")
                .setSpot(SpotTarget.newBuilder().setFloor("B1").setXMeters(5000).setYMeters(0)) // far: still moving
                .setChargeEndTime(Timestamps.fromMillis(now + 3_600_000))
                .setExpireTime(Timestamps.fromMillis(now + 60_000)).build();
        server.sendCommand(goToSpot);
        Await.until("moving", () -> server.telemetryOf(robotId).stream()
                .anyMatch(t -> t.getState() == RobotState.ROBOT_STATE_MOVING));
        RobotCommand cancel = RobotCommand.newBuilder()
                .setCommandId(UUID.randomUUID().toString()).setRobotId(robotId)
                .setType(CommandType.COMMAND_TYPE_CANCEL).setReservation("reservations/res-2")
                .setExpireTime(Timestamps.fromMillis(now + 60_000)).build();
        server.sendCommand(cancel);
        Await.until("cancel acked", () -> server.eventsOf(robotId).stream()
                .anyMatch(e -> e.getCommandId().equals(cancel.getCommandId())
                        && e.getType() == RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK));
        Await.until("returning without a reservation", () -> server.telemetryOf(robotId).stream()
                .anyMatch(t -> t.getState() == RobotState.ROBOT_STATE_RETURNING && t.getReservation().isEmpty()));
        assertThat(server.eventsOf(robotId)).noneMatch(e -> e.getType() == RobotEventType.ROBOT_EVENT_TYPE_ARRIVED);

        simulator.crash(robotId);
        Await.until("last will", () -> server.connectionsOf(robotId).stream()
                .anyMatch(c -> c.getState() == ConnectionState.CONNECTION_STATE_CONNECTION_BROKEN));
        ConnectionChange will = server.connectionsOf(robotId).stream()
                .filter(c -> c.getState() == ConnectionState.CONNECTION_STATE_CONNECTION_BROKEN).findFirst()
                .orElseThrow();
        assertThat(will.getSequence()).isPositive();
    }

    @Test
    void returnToBaseDrivesAnIdleRobotToTheGivenBaseAndIsRefusedWhileItWorks() {
        String robotId = TestBroker.uniqueId("sim");
        simulator = RobotSimulator.start(new RobotSimulator.Options(TestBroker.url(), root, List.of(robotId), 50,
                600));
        Await.until("idle telemetry", () -> server.telemetryOf(robotId).stream()
                .anyMatch(t -> t.getState() == RobotState.ROBOT_STATE_IDLE));
        long now = System.currentTimeMillis();
        RobotPosition base = RobotPosition.newBuilder().setFloor("B3").setXMeters(12).setYMeters(7).build();
        RobotCommand home = RobotCommand.newBuilder()
                .setCommandId(UUID.randomUUID().toString()).setRobotId(robotId)
                .setType(CommandType.COMMAND_TYPE_RETURN_TO_BASE).setBasePosition(base)
                .setExpireTime(Timestamps.fromMillis(now + 60_000)).build();
        server.sendCommand(home);
        Await.until("at the new base, idle", () -> {
            List<Telemetry> t = server.telemetryOf(robotId);
            Telemetry last = t.get(t.size() - 1);
            return last.getState() == RobotState.ROBOT_STATE_IDLE && last.getPosition().getFloor().equals("B3")
                    && last.getPosition().getXMeters() == 12.0 && last.getPosition().getYMeters() == 7.0;
        });
        assertThat(server.telemetryOf(robotId)).anyMatch(t -> t.getState() == RobotState.ROBOT_STATE_RETURNING);
        assertThat(server.eventsOf(robotId)).anyMatch(e -> e.getCommandId().equals(home.getCommandId())
                && e.getType() == RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK);

        RobotCommand goToSpot = RobotCommand.newBuilder()
                .setCommandId(UUID.randomUUID().toString()).setRobotId(robotId)
                .setType(CommandType.COMMAND_TYPE_GO_TO_SPOT).setReservation("reservations/res-3")
                .setSpot(SpotTarget.newBuilder().setFloor("B3").setXMeters(900_000).setYMeters(0)) // far: still moving
                .setChargeEndTime(Timestamps.fromMillis(now + 3_600_000))
                .setExpireTime(Timestamps.fromMillis(now + 60_000)).build();
        server.sendCommand(goToSpot);
        Await.until("moving", () -> server.telemetryOf(robotId).stream()
                .anyMatch(t -> t.getState() == RobotState.ROBOT_STATE_MOVING));
        RobotCommand late = home.toBuilder().setCommandId(UUID.randomUUID().toString()).build();
        server.sendCommand(late);
        Await.until("refused", () -> server.eventsOf(robotId).stream()
                .anyMatch(e -> e.getCommandId().equals(late.getCommandId())
                        && e.getType() == RobotEventType.ROBOT_EVENT_TYPE_COMMAND_REJECTED && e.getErrorCode().equals("BUSY")));
    }
}
