package io.chargebot.server.robot;

import static io.chargebot.server.robot.RobotTestBed.await;
import static io.chargebot.server.robot.RobotTestBed.batch;
import static io.chargebot.server.robot.RobotTestBed.event;
import static io.chargebot.server.robot.RobotTestBed.telemetry;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.ConnectionState;
import io.chargebot.robot.v1.GetRobotRequest;
import io.chargebot.robot.v1.ListRobotLogsRequest;
import io.chargebot.robot.v1.Robot;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotEventType;
import io.chargebot.robot.v1.RobotLogKind;
import io.chargebot.robot.v1.RobotPosition;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.UpdateRobotRequest;
import io.chargebot.server.testing.ParkingFixtures;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Server-issued RETURN_TO_BASE and robots taken off their reservation (Homing), over real gRPC and PostgreSQL. */
class RobotHomingTest {

    private static final RobotPosition BASE = position("B1", 0, 0);
    private static final RobotPosition AWAY = position("B1", 20, 5);

    private static RobotTestBed bed;
    private static UUID user;

    @BeforeAll
    static void start() {
        bed = new RobotTestBed(Map.of());
        user = bed.user();
    }

    @AfterAll
    static void stop() {
        bed.close();
    }

    private static RobotPosition position(String floor, double x, double y) {
        return RobotPosition.newBuilder().setFloor(floor).setXMeters(x).setYMeters(y).build();
    }

    private static boolean home(RobotCommand c, String robotId) {
        return c.getType() == CommandType.COMMAND_TYPE_RETURN_TO_BASE && c.getRobotId().equals(robotId);
    }

    private int commands(Robot robot, String kind) {
        return bed.count("SELECT count(*) FROM robot_commands c JOIN robots b ON b.id = c.robot_id WHERE b.robot_key = '"
                + robot.getRobotId() + "' AND c.kind = '" + kind + "'");
    }

    private String commandStatus(String commandId) {
        return bed.queryString("SELECT status FROM robot_commands WHERE id = '" + commandId + "'");
    }

    private Robot update(Robot robot, String... paths) {
        return bed.admin.updateRobot(UpdateRobotRequest.newBuilder().setRobot(robot)
                .setUpdateMask(FieldMask.newBuilder().addAllPaths(java.util.List.of(paths))).build());
    }

    /** Brings the robot online, IDLE away from its base (sequences 1, 2); returns the RETURN_TO_BASE it is sent. */
    private static RobotCommand idleAway(RobotTestBed.Bridge bridge, String id) {
        bridge.hello();
        bridge.send(RobotTestBed.connection(id, 1, ConnectionState.CONNECTION_STATE_ONLINE, bed.now()));
        bridge.send(batch(telemetry(id, 2, RobotState.ROBOT_STATE_IDLE, bed.now()).setPosition(AWAY)));
        return bridge.command(c -> home(c, id));
    }

    private Robot get(Robot robot) {
        return bed.admin.getRobot(GetRobotRequest.newBuilder().setName(robot.getName()).build());
    }

    @Test
    void anIdleRobotAwayFromBaseIsSentHomeOnceAndADueReservationStillGoesToIt() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        Robot robot = bed.robot(lot, BASE, true);
        String id = robot.getRobotId();
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            RobotCommand home = idleAway(bridge, id);
            assertThat(home.getBasePosition()).isEqualTo(BASE);
            assertThat(home.getReservation()).isEmpty();
            assertThat(home.hasExpireTime()).isTrue();
            assertThat(commandStatus(home.getCommandId())).isEqualTo("SENT");
            // In the robot's log like every command.
            assertThat(bed.admin.listRobotLogs(ListRobotLogsRequest.newBuilder().setParent(robot.getName())
                    .addKinds(RobotLogKind.ROBOT_LOG_KIND_COMMAND).build()).getRobotLogsList())
                    .extracting(l -> l.getCommand().getCommandId()).containsExactly(home.getCommandId());

            // Still idle away (it has not moved yet), a reconnect: no second RETURN_TO_BASE in this idle period.
            bridge.send(batch(telemetry(id, 3, RobotState.ROBOT_STATE_IDLE, bed.now()).setPosition(AWAY)));
            bridge.send(RobotTestBed.connection(id, 4, ConnectionState.CONNECTION_STATE_ONLINE, bed.now()));
            bridge.send(batch(telemetry(id, 5, RobotState.ROBOT_STATE_IDLE, bed.now()).setPosition(AWAY)));
            assertThat(commands(robot, "RETURN_TO_BASE")).isEqualTo(1);
            // The robot is still free: the RETURN_TO_BASE in flight does not block dispatch, and dispatch wins.
            assertThat(get(robot).getState()).isEqualTo(RobotState.ROBOT_STATE_IDLE);

            UUID reservation = bed.reservation(user, bed.car(user), lot, 0, 2, 62);
            RobotCommand go = bridge.command(c -> c.getType() == CommandType.COMMAND_TYPE_GO_TO_SPOT && c.getRobotId().equals(id));
            assertThat(go.getReservation()).isEqualTo("reservations/" + reservation);
            assertThat(go.getBasePosition()).isEqualTo(BASE);
            // The open RETURN_TO_BASE is closed, so it is not re-sent after the GO_TO_SPOT; a late ack changes nothing.
            assertThat(commandStatus(home.getCommandId())).isEqualTo("FAILED");
            bridge.send(event(id, 6, RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK, "", home.getCommandId(), bed.now()));
            assertThat(commandStatus(home.getCommandId())).isEqualTo("FAILED");
            assertThat(get(robot).getState()).isEqualTo(RobotState.ROBOT_STATE_DISPATCHED);
            assertThat(commands(robot, "RETURN_TO_BASE")).isEqualTo(1);
        }
    }

    @Test
    void theRobotsAcknowledgementClosesTheReturnToBaseAndANewIdlePeriodAtBaseSendsNothing() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        Robot robot = bed.robot(lot, BASE, true);
        String id = robot.getRobotId();
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            RobotCommand home = idleAway(bridge, id);
            bridge.send(event(id, 3, RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK, "", home.getCommandId(), bed.now()));
            assertThat(commandStatus(home.getCommandId())).isEqualTo("ACKNOWLEDGED");
            bridge.send(batch(telemetry(id, 4, RobotState.ROBOT_STATE_RETURNING, bed.now()).setPosition(position("B1", 10, 2))));
            // Within base-radius-meters (1 m) of the base counts as at base.
            bridge.send(batch(telemetry(id, 5, RobotState.ROBOT_STATE_IDLE, bed.now()).setPosition(position("B1", 0.5, 0.5))));
            assertThat(commands(robot, "RETURN_TO_BASE")).isEqualTo(1);
            assertThat(get(robot).getState()).isEqualTo(RobotState.ROBOT_STATE_IDLE);
            // Idle away again later (pushed aside, say): a new idle period, so one more RETURN_TO_BASE.
            bridge.send(batch(telemetry(id, 6, RobotState.ROBOT_STATE_MOVING, bed.now()).setPosition(position("B1", 3, 3))));
            bridge.send(batch(telemetry(id, 7, RobotState.ROBOT_STATE_IDLE, bed.now()).setPosition(position("B2", 0, 0))));
            RobotCommand again = bridge.command(c -> home(c, id) && !c.getCommandId().equals(home.getCommandId()));
            assertThat(again.getBasePosition()).isEqualTo(BASE);
            assertThat(commands(robot, "RETURN_TO_BASE")).isEqualTo(2);
        }
    }

    @Test
    void aRobotWithoutAKnownBaseOrPositionIsNotSentAnywhere() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        Robot noBase = bed.robot(lot);
        Robot noPosition = bed.robot(lot, BASE, true);
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            bridge.send(RobotTestBed.connection(noBase.getRobotId(), 1, ConnectionState.CONNECTION_STATE_ONLINE, bed.now()));
            bridge.send(batch(telemetry(noBase.getRobotId(), 2, RobotState.ROBOT_STATE_IDLE, bed.now()).setPosition(AWAY)));
            RobotTestBed.online(bridge, noPosition.getRobotId(), 1, bed.now());
        }
        assertThat(commands(noBase, "RETURN_TO_BASE")).isZero();
        assertThat(commands(noPosition, "RETURN_TO_BASE")).isZero();
    }

    @Test
    void aDisabledRobotIsTakenOffItsReservationAndSentHomeOnce() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        UUID reservation = bed.reservation(user, bed.car(user), lot, 0, 2, 62);
        String name = "reservations/" + reservation;
        Robot robot = bed.robot(lot, BASE, true);
        String id = robot.getRobotId();
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            long seq = RobotTestBed.online(bridge, id, 1, bed.now());
            RobotCommand go = bridge.command(c -> c.getReservation().equals(name));
            bridge.send(event(id, seq++, RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK, "", go.getCommandId(), bed.now()));
            bridge.send(batch(telemetry(id, seq++, RobotState.ROBOT_STATE_MOVING, bed.now()).setPosition(AWAY).setReservation(name)));

            update(robot.toBuilder().setEnabled(false).build(), "enabled");

            // Its reservation goes back in the queue; the robot is told with a CANCEL carrying its base (it returns on
            // its own after CANCEL), not with a RETURN_TO_BASE as well.
            RobotCommand cancel = bridge.command(c -> c.getType() == CommandType.COMMAND_TYPE_CANCEL && c.getRobotId().equals(id));
            assertThat(cancel.getReservation()).isEqualTo(name);
            assertThat(cancel.getBasePosition()).isEqualTo(BASE);
            assertThat(bed.queryString("SELECT robot_id::text FROM reservations WHERE id = '" + reservation + "'")).isNull();
            assertThat(commands(robot, "RETURN_TO_BASE")).isZero();
            // Disabling again changes nothing: no second CANCEL.
            update(robot.toBuilder().setEnabled(false).build(), "enabled");
            assertThat(commands(robot, "CANCEL")).isEqualTo(1);

            bridge.send(event(id, seq++, RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK, name, cancel.getCommandId(), bed.now()));
            assertThat(get(robot).getCurrentReservation()).isEmpty();
            // It stops short of its base: sent home once, however often it reports or reconnects in this idle period.
            bridge.send(batch(telemetry(id, seq++, RobotState.ROBOT_STATE_IDLE, bed.now()).setPosition(AWAY)));
            RobotCommand home = bridge.command(c -> home(c, id));
            assertThat(home.getBasePosition()).isEqualTo(BASE);
            bridge.send(batch(telemetry(id, seq++, RobotState.ROBOT_STATE_IDLE, bed.now()).setPosition(AWAY)));
            bridge.send(RobotTestBed.connection(id, seq++, ConnectionState.CONNECTION_STATE_ONLINE, bed.now()));
            update(robot.toBuilder().setEnabled(false).build(), "enabled");
            assertThat(commands(robot, "RETURN_TO_BASE")).isEqualTo(1);
            // Disabled: the reservation that went back in the queue is not dispatched to it again.
            assertThat(commands(robot, "GO_TO_SPOT")).isEqualTo(1);
            assertThat(get(robot).getState()).isEqualTo(RobotState.ROBOT_STATE_IDLE);
        }
    }

    @Test
    void aReEnabledRobotIdleAtBaseIsDispatchedNotSentHome() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        UUID reservation = bed.reservation(user, bed.car(user), lot, 0, 2, 62);
        Robot robot = bed.robot(lot, BASE, false);
        String id = robot.getRobotId();
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            bridge.send(RobotTestBed.connection(id, 1, ConnectionState.CONNECTION_STATE_ONLINE, bed.now()));
            bridge.send(batch(telemetry(id, 2, RobotState.ROBOT_STATE_IDLE, bed.now()).setPosition(BASE)));
            assertThat(bed.count("SELECT count(*) FROM robot_commands c JOIN robots b ON b.id = c.robot_id "
                    + "WHERE b.robot_key = '" + id + "'")).isZero();

            Robot enabled = update(robot.toBuilder().setEnabled(true).build(), "enabled");
            assertThat(enabled.getState()).isEqualTo(RobotState.ROBOT_STATE_DISPATCHED);
            RobotCommand go = bridge.command(c -> c.getRobotId().equals(id));
            assertThat(go.getType()).isEqualTo(CommandType.COMMAND_TYPE_GO_TO_SPOT);
            assertThat(go.getReservation()).isEqualTo("reservations/" + reservation);
            assertThat(commands(robot, "RETURN_TO_BASE")).isZero();
        }
    }

    @Test
    void aRobotMovedToAnotherLotLeavesItsReservationAndHeadsForItsNewBase() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        ParkingFixtures.TestLot other = bed.lot(1);
        UUID reservation = bed.reservation(user, bed.car(user), lot, 0, 2, 62);
        String name = "reservations/" + reservation;
        Robot robot = bed.robot(lot, BASE, true);
        String id = robot.getRobotId();
        RobotPosition newBase = position("1F", 40, 40);
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            long seq = RobotTestBed.online(bridge, id, 1, bed.now());
            RobotCommand go = bridge.command(c -> c.getReservation().equals(name));
            bridge.send(batch(telemetry(id, seq++, RobotState.ROBOT_STATE_MOVING, bed.now()).setPosition(AWAY).setReservation(name)));

            Robot moved = update(robot.toBuilder().setParkingLot(other.name()).setBasePosition(newBase).build(),
                    "parking_lot", "base_position");
            assertThat(moved.getParkingLot()).isEqualTo(other.name());
            RobotCommand cancel = bridge.command(c -> c.getType() == CommandType.COMMAND_TYPE_CANCEL && c.getRobotId().equals(id));
            assertThat(cancel.getReservation()).isEqualTo(name);
            assertThat(cancel.getBasePosition()).as("the new base").isEqualTo(newBase);
            assertThat(commandStatus(go.getCommandId())).isEqualTo("FAILED");
            assertThat(bed.queryString("SELECT robot_id::text FROM reservations WHERE id = '" + reservation + "'")).isNull();
            bridge.send(event(id, seq++, RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK, name, cancel.getCommandId(), bed.now()));

            // Returning, and the base moves once more: redirected at once with a RETURN_TO_BASE to the newest base.
            bridge.send(batch(telemetry(id, seq++, RobotState.ROBOT_STATE_RETURNING, bed.now()).setPosition(AWAY)));
            RobotPosition newest = position("1F", 42, 40);
            update(moved.toBuilder().setBasePosition(newest).build(), "base_position");
            RobotCommand home = bridge.command(c -> home(c, id));
            assertThat(home.getBasePosition()).isEqualTo(newest);
            // Arrived there: nothing more.
            bridge.send(batch(telemetry(id, seq++, RobotState.ROBOT_STATE_IDLE, bed.now()).setPosition(newest)));
            assertThat(commands(robot, "RETURN_TO_BASE")).isEqualTo(1);
        }
    }

    @Test
    void aNewBaseSendsAnIdleRobotThereAndADueReservationStillGoesToIt() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        Robot robot = bed.robot(lot, BASE, true);
        String id = robot.getRobotId();
        RobotPosition newBase = position("B1", 8, 0);
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            bridge.send(RobotTestBed.connection(id, 1, ConnectionState.CONNECTION_STATE_ONLINE, bed.now()));
            bridge.send(batch(telemetry(id, 2, RobotState.ROBOT_STATE_IDLE, bed.now()).setPosition(BASE)));
            assertThat(commands(robot, "RETURN_TO_BASE")).isZero();

            Robot moved = update(robot.toBuilder().setBasePosition(newBase).build(), "base_position");
            RobotCommand home = bridge.command(c -> home(c, id));
            assertThat(home.getBasePosition()).isEqualTo(newBase);
            // Setting the same base again is no change: nothing is sent.
            update(moved, "base_position");
            assertThat(commands(robot, "RETURN_TO_BASE")).isEqualTo(1);

            // A reservation that becomes due still goes to it (the RETURN_TO_BASE in flight does not block it), with the
            // new base in the GO_TO_SPOT; the RETURN_TO_BASE is closed.
            UUID reservation = bed.reservation(user, bed.car(user), lot, 0, 2, 62);
            RobotCommand go = bridge.command(c -> c.getType() == CommandType.COMMAND_TYPE_GO_TO_SPOT && c.getRobotId().equals(id));
            assertThat(go.getReservation()).isEqualTo("reservations/" + reservation);
            assertThat(commandStatus(home.getCommandId())).isEqualTo("FAILED");
            assertThat(commands(robot, "RETURN_TO_BASE")).isEqualTo(1);
        }
    }
}
