package io.chargebot.server.robot;

import static io.chargebot.server.robot.RobotTestBed.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.ConnectRequest;
import io.chargebot.robot.v1.ConnectionState;
import io.chargebot.robot.v1.GetRobotRequest;
import io.chargebot.robot.v1.Robot;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.robot.v1.RobotEventType;
import io.chargebot.robot.v1.RobotPosition;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.server.testing.ParkingFixtures;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What happens as the (test) clock moves: unacknowledged commands are re-sent, then expire; late failures fail. */
class RobotCommandExpiryTest {

    private static RobotTestBed bed;
    private static UUID user;

    @BeforeAll
    static void start() {
        bed = new RobotTestBed(Map.of("chargebot.robots.command-ttl", "2m", "chargebot.robots.command-resend-interval", "10s",
                "chargebot.robots.offline-after", "1h"));
        user = bed.user();
    }

    @AfterAll
    static void stop() {
        bed.close();
    }

    private String status(String commandId) {
        return bed.queryString("SELECT status FROM robot_commands WHERE id = '" + commandId + "'");
    }

    /** Moves the clock past the re-send interval (the same command comes again), then past its expiry. */
    private void sentAgainThenExpired(RobotTestBed.Bridge bridge, RobotCommand first) {
        bed.t.clock.advance(Duration.ofSeconds(11));
        RobotCommand again = bridge.command(c -> c.getCommandId().equals(first.getCommandId()));
        assertThat(again).isEqualTo(first);
        await("two attempts recorded", () -> bed.count("SELECT attempts FROM robot_commands WHERE id = '"
                + first.getCommandId() + "'") >= 2);
        bed.t.clock.advance(Duration.ofMinutes(2));
        await("the command to expire", () -> "EXPIRED".equals(status(first.getCommandId())));
    }

    @Test
    void anUnacknowledgedCommandIsSentAgainThenExpires() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        UUID reservation = bed.reservation(user, bed.car(user), lot, 0, 5, 65);
        Robot robot = bed.robot(lot);
        String name = "reservations/" + reservation;
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            RobotTestBed.online(bridge, robot.getRobotId(), 1, bed.now());
            RobotCommand first = bridge.command(c -> c.getReservation().equals(name));
            assertThat(status(first.getCommandId())).isEqualTo("SENT");

            sentAgainThenExpired(bridge, first);
            // The reservation went back in the queue and is dispatched again, with a new command.
            RobotCommand next = bridge.command(c -> c.getReservation().equals(name) && !c.getCommandId().equals(first.getCommandId()));
            assertThat(next.getType()).isEqualTo(CommandType.COMMAND_TYPE_GO_TO_SPOT);
        }
    }

    @Test
    void anUnacknowledgedReturnToBaseIsSentAgainThenExpiresWithoutChangingTheRobot() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        RobotPosition base = RobotPosition.newBuilder().setFloor("B1").setXMeters(1).setYMeters(1).build();
        Robot robot = bed.robot(lot, base, true);
        String id = robot.getRobotId();
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            bridge.send(RobotTestBed.connection(id, 1, ConnectionState.CONNECTION_STATE_ONLINE, bed.now()));
            bridge.send(RobotTestBed.batch(RobotTestBed.telemetry(id, 2, RobotState.ROBOT_STATE_IDLE, bed.now())
                    .setPosition(RobotPosition.newBuilder().setFloor("B1").setXMeters(30).setYMeters(1))));
            RobotCommand first = bridge.command(c -> c.getRobotId().equals(id));
            assertThat(first.getType()).isEqualTo(CommandType.COMMAND_TYPE_RETURN_TO_BASE);

            sentAgainThenExpired(bridge, first);
            assertThat(bed.count("SELECT count(*) FROM robot_commands WHERE robot_id = (SELECT id FROM robots WHERE "
                    + "robot_key = '" + id + "')")).as("no other command").isEqualTo(1);
            assertThat(bed.admin.getRobot(GetRobotRequest.newBuilder().setName(robot.getName()).build()).getState())
                    .isEqualTo(RobotState.ROBOT_STATE_IDLE);
        }
    }

    @Test
    void aFailureAfterTheWindowEndedFailsTheReservation() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        UUID reservation = bed.reservation(user, bed.car(user), lot, 0, -2, 1);
        Robot robot = bed.robot(lot);
        String name = "reservations/" + reservation;
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            long seq = RobotTestBed.online(bridge, robot.getRobotId(), 1, bed.now());
            bridge.command(c -> c.getReservation().equals(name));
            // Past the window's end (1 min) but short of the command's time to live (2 min): at 2 min the
            // expiry sweep may release the reservation first, and the failure would then be a stale event.
            bed.t.clock.advance(Duration.ofSeconds(90));
            bridge.send(ConnectRequest.newBuilder().setEvent(RobotEvent.newBuilder().setRobotId(robot.getRobotId())
                    .setSequence(seq).setTime(bed.now()).setType(RobotEventType.ROBOT_EVENT_TYPE_FAILED).setReservation(name)
                    .setErrorCode("E_NO_CAR").setMessage("no car at the spot")).build());
        }
        assertThat(bed.queryString("SELECT status FROM reservations WHERE id = '" + reservation + "'")).isEqualTo("FAILED");
        assertThat(bed.queryString("SELECT failure_reason FROM reservations WHERE id = '" + reservation + "'"))
                .isEqualTo("no car at the spot");
    }
}
