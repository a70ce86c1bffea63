package io.chargebot.server.robot;

import static io.chargebot.server.auth.AuthTestClient.withToken;
import static io.chargebot.server.robot.RobotTestBed.await;
import static io.chargebot.server.robot.RobotTestBed.batch;
import static io.chargebot.server.robot.RobotTestBed.event;
import static io.chargebot.server.robot.RobotTestBed.telemetry;
import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.auth.v1.AuthTokens;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.reservation.v1.CancelReservationRequest;
import io.chargebot.reservation.v1.ReservationServiceGrpc;
import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.GetRobotRequest;
import io.chargebot.robot.v1.Robot;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.robot.v1.RobotEventType;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.testing.ParkingFixtures;
import io.chargebot.user.v1.GetUserRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Dispatch of free robots to due reservations, and robot events driving reservations, over real gRPC. */
class RobotDispatchTest {

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

    private String reservationColumn(UUID reservation, String column) {
        return bed.queryString("SELECT " + column + "::text FROM reservations WHERE id = '" + reservation + "'");
    }

    private Robot get(Robot robot) {
        return bed.admin.getRobot(GetRobotRequest.newBuilder().setName(robot.getName()).build());
    }

    @Test
    void dispatchPicksTheEarliestDueReservationOfTheRobotsLotAndSendsItsCoordinates() {
        ParkingFixtures.TestLot lot = bed.lot(3);
        ParkingFixtures.TestLot other = bed.lot(1);
        UUID later = bed.reservation(user, bed.car(user), lot, 0, 10, 70);
        UUID earliest = bed.reservation(user, bed.car(user), lot, 1, 5, 65);
        UUID notDue = bed.reservation(user, bed.car(user), lot, 2, 60, 120);
        UUID otherLot = bed.reservation(user, bed.car(user), other, 0, -5, 55);
        Robot robot = bed.robot(lot);
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            RobotTestBed.online(bridge, robot.getRobotId(), 1, bed.now());
            RobotCommand command = bridge.command(c -> c.getType() == CommandType.COMMAND_TYPE_GO_TO_SPOT
                    && c.getRobotId().equals(robot.getRobotId()));
            assertThat(command.getRobotId()).isEqualTo(robot.getRobotId());
            assertThat(command.getReservation()).isEqualTo("reservations/" + earliest);
            assertThat(command.getSpot().getCode()).isEqualTo("A02");
            assertThat(command.getSpot().getFloor()).isEqualTo("B1");
            assertThat(command.getSpot().getXMeters()).isEqualTo(6.0);
            assertThat(command.getSpot().getYMeters()).isEqualTo(5.0);
            assertThat(command.getSpot().getLotLocation().getLatitude()).isEqualTo(37.5663);
            assertThat(command.getPlate()).startsWith("12가");
            assertThat(command.getConnectorType()).isEqualTo(ConnectorType.CONNECTOR_TYPE_DC_COMBO1);
            assertThat(Duration.between(ProtoTime.instant(command.getChargeEndTime()),
                    bed.t.clock.instant().plus(Duration.ofMinutes(65))).abs()).isLessThan(Duration.ofMillis(1));
            assertThat(command.getCommandId()).isNotEmpty();
            assertThat(command.hasExpireTime()).isTrue();
            // Written claimed by the dispatch (this replica holds the stream) and sent by it, not by a relay poll.
            assertThat(bed.queryString("SELECT status || '/' || attempts FROM robot_commands WHERE id = '"
                    + command.getCommandId() + "'")).isEqualTo("SENT/1");
        }
        assertThat(reservationColumn(earliest, "robot_id")).isNotNull();
        assertThat(reservationColumn(earliest, "dispatched_at")).isNotNull();
        assertThat(reservationColumn(later, "robot_id")).isNull();
        assertThat(reservationColumn(notDue, "robot_id")).isNull();
        assertThat(reservationColumn(otherLot, "robot_id")).isNull();
        Robot dispatched = get(robot);
        assertThat(dispatched.getState()).isEqualTo(RobotState.ROBOT_STATE_DISPATCHED);
        assertThat(dispatched.getCurrentReservation()).isEqualTo("reservations/" + earliest);
    }

    @Test
    void eventsDriveTheReservationThroughInProgressToCompleted() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        UUID reservation = bed.reservation(user, bed.car(user), lot, 0, 1, 61);
        Robot robot = bed.robot(lot);
        String id = robot.getRobotId();
        String name = "reservations/" + reservation;
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            long seq = RobotTestBed.online(bridge, id, 1, bed.now());
            RobotCommand go = bridge.command(c -> c.getReservation().equals(name));
            bridge.send(event(id, seq++, RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK, "", go.getCommandId(), bed.now()));
            assertThat(bed.queryString("SELECT status FROM robot_commands WHERE id = '" + go.getCommandId() + "'"))
                    .isEqualTo("ACKNOWLEDGED");
            // Still IDLE in telemetry until the robot takes the command up: it stays DISPATCHED.
            bridge.send(batch(telemetry(id, seq++, RobotState.ROBOT_STATE_IDLE, bed.now())));
            assertThat(get(robot).getState()).isEqualTo(RobotState.ROBOT_STATE_DISPATCHED);
            bridge.send(batch(telemetry(id, seq++, RobotState.ROBOT_STATE_MOVING, bed.now()).setReservation(name)));
            assertThat(get(robot).getState()).isEqualTo(RobotState.ROBOT_STATE_MOVING);

            bridge.send(event(id, seq++, RobotEventType.ROBOT_EVENT_TYPE_ARRIVED, name, "", bed.now()));
            assertThat(reservationColumn(reservation, "status")).isEqualTo("IN_PROGRESS");
            bridge.send(event(id, seq++, RobotEventType.ROBOT_EVENT_TYPE_CHARGING_STARTED, name, "", bed.now()));
            assertThat(reservationColumn(reservation, "charging_started_at")).isNotNull();
            bridge.send(batch(telemetry(id, seq++, RobotState.ROBOT_STATE_CHARGING, bed.now()).setReservation(name)
                    .setChargingPowerKw(50)));
            assertThat(get(robot).getState()).isEqualTo(RobotState.ROBOT_STATE_CHARGING);

            long finishedSeq = seq++;
            io.chargebot.robot.v1.ConnectRequest finished = io.chargebot.robot.v1.ConnectRequest.newBuilder().setEvent(
                    RobotEvent.newBuilder().setRobotId(id).setSequence(finishedSeq).setTime(bed.now())
                            .setType(RobotEventType.ROBOT_EVENT_TYPE_CHARGING_FINISHED).setReservation(name)
                            .setEnergyDeliveredKwh(12.345)).build();
            assertThat(bridge.send(finished).getStoredCount()).isEqualTo(1);
            assertThat(bridge.send(finished).getStoredCount()).isEqualTo(1); // redelivered: acknowledged, no second effect
            assertThat(reservationColumn(reservation, "status")).isEqualTo("COMPLETED");
            assertThat(reservationColumn(reservation, "finished")).isEqualTo("true");
            assertThat(reservationColumn(reservation, "energy_delivered_kwh")).isEqualTo("12.35");
            assertThat(reservationColumn(reservation, "charging_finished_at")).isNotNull();
            assertThat(get(robot).getCurrentReservation()).isEmpty();
            // The driver is notified of each step once, although the finished event came twice.
            assertThat(bed.count("SELECT count(*) FROM notification_outbox WHERE resource_name = '" + name + "' AND type IN "
                    + "('ROBOT_DISPATCHED', 'CHARGING_STARTED', 'CHARGING_FINISHED') GROUP BY resource_name")).isEqualTo(3);
            assertThat(bed.queryString("SELECT body FROM notification_outbox WHERE resource_name = '" + name
                    + "' AND type = 'CHARGING_FINISHED'")).contains("12.35 kWh");
            assertThat(bed.count("SELECT count(*) FROM robot_logs l JOIN robots b ON b.id = l.robot_id WHERE b.robot_key = '"
                    + id + "' AND l.kind = 'EVENT'")).isEqualTo(4);
            // The robot's log shows the command it was sent next to what it reported.
            io.chargebot.robot.v1.ListRobotLogsResponse commands = bed.admin.listRobotLogs(
                    io.chargebot.robot.v1.ListRobotLogsRequest.newBuilder().setParent(robot.getName())
                            .addKinds(io.chargebot.robot.v1.RobotLogKind.ROBOT_LOG_KIND_COMMAND).build());
            assertThat(commands.getRobotLogsList()).extracting(l -> l.getCommand().getCommandId()).containsExactly(go.getCommandId());
            assertThat(commands.getRobotLogs(0).getCommand().getSpot().getCode()).isEqualTo("A01");
        }
    }

    @Test
    void aDispatchFailingInTheFreeingTransactionLeavesTheMessageStoredAndIsTriedAgain() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        UUID reservation = bed.reservation(user, bed.car(user), lot, 0, 2, 62);
        Robot robot = bed.robot(lot);
        UUID robotId = bed.queryUuid("SELECT id FROM robots WHERE robot_key = '" + robot.getRobotId() + "'");
        String refuse = "refuse_" + robotId.toString().replace("-", "");
        // The dispatch's command insert fails for this robot until the trigger is dropped.
        ParkingFixtures.execute(bed.t.database, "CREATE FUNCTION " + refuse + "() RETURNS trigger LANGUAGE plpgsql AS "
                + "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$");
        ParkingFixtures.execute(bed.t.database, "CREATE TRIGGER " + refuse + " BEFORE INSERT ON robot_commands FOR EACH ROW "
                + "WHEN (NEW.robot_id = '" + robotId + "') EXECUTE FUNCTION " + refuse + "()");
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            bridge.send(RobotTestBed.connection(robot.getRobotId(), 1,
                    io.chargebot.robot.v1.ConnectionState.CONNECTION_STATE_ONLINE, bed.now()));
            assertThat(bridge.send(batch(telemetry(robot.getRobotId(), 2, RobotState.ROBOT_STATE_IDLE, bed.now())))
                    .getStoredCount()).isEqualTo(1);
            // Stored and applied although the dispatch in the same transaction failed; nothing of the dispatch remains.
            assertThat(bed.count("SELECT count(*) FROM robot_logs WHERE robot_id = '" + robotId + "'")).isEqualTo(2);
            assertThat(get(robot).getState()).isEqualTo(RobotState.ROBOT_STATE_IDLE);
            assertThat(reservationColumn(reservation, "robot_id")).isNull();
            assertThat(bed.count("SELECT count(*) FROM notification_outbox WHERE resource_name = 'reservations/" + reservation
                    + "'")).isZero();
            ParkingFixtures.execute(bed.t.database, "DROP TRIGGER " + refuse + " ON robot_commands");
            RobotCommand go = bridge.command(c -> c.getReservation().equals("reservations/" + reservation));
            assertThat(go.getRobotId()).isEqualTo(robot.getRobotId());
        } finally {
            ParkingFixtures.execute(bed.t.database, "DROP TRIGGER IF EXISTS " + refuse + " ON robot_commands");
            ParkingFixtures.execute(bed.t.database, "DROP FUNCTION " + refuse + "()");
        }
        assertThat(bed.count("SELECT count(*) FROM robot_commands WHERE reservation_id = '" + reservation + "'")).isEqualTo(1);
        assertThat(get(robot).getState()).isEqualTo(RobotState.ROBOT_STATE_DISPATCHED);
    }

    @Test
    void twoFreeRobotsNeverGetTheSameReservation() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        UUID reservation = bed.reservation(user, bed.car(user), lot, 0, 3, 63);
        Robot a = bed.robot(lot);
        Robot b = bed.robot(lot);
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            bridge.send(RobotTestBed.connection(a.getRobotId(), 1, io.chargebot.robot.v1.ConnectionState.CONNECTION_STATE_ONLINE,
                    bed.now()));
            bridge.send(RobotTestBed.connection(b.getRobotId(), 1, io.chargebot.robot.v1.ConnectionState.CONNECTION_STATE_ONLINE,
                    bed.now()));
            bridge.send(batch(telemetry(a.getRobotId(), 2, RobotState.ROBOT_STATE_IDLE, bed.now()),
                    telemetry(b.getRobotId(), 2, RobotState.ROBOT_STATE_IDLE, bed.now())));
            RobotCommand go = bridge.command(c -> c.getReservation().equals("reservations/" + reservation));
            await("dispatch to settle", () -> bed.count("SELECT count(*) FROM robots WHERE lot_id = '" + lot.id()
                    + "' AND state = 'DISPATCHED'") == 1);
            assertThat(go.getRobotId()).isIn(a.getRobotId(), b.getRobotId());
        }
        assertThat(bed.count("SELECT count(*) FROM robot_commands WHERE reservation_id = '" + reservation + "'")).isEqualTo(1);
        assertThat(bed.count("SELECT count(*) FROM robots WHERE current_reservation_id = '" + reservation + "'")).isEqualTo(1);
    }

    @Test
    void concurrentDispatchAssignsEachReservationToOneRobot() throws Exception {
        ParkingFixtures.TestLot lot = bed.lot(3);
        List<UUID> reservations = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            reservations.add(bed.reservation(user, bed.car(user), lot, i, i, 60 + i));
        }
        List<UUID> robots = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            robots.add(bed.queryUuid("SELECT id FROM robots WHERE robot_key = '" + bed.robot(lot).getRobotId() + "'"));
        }
        // All free at once (as if their IDLE reports arrived together on several replicas).
        ParkingFixtures.execute(bed.t.database, "UPDATE robots SET online = true, state = 'IDLE', last_seen_at = '"
                + bed.t.clock.instant() + "' WHERE lot_id = '" + lot.id() + "'");
        Dispatcher dispatcher = bed.t.server.context().getBean(Dispatcher.class);
        ExecutorService pool = Executors.newFixedThreadPool(robots.size());
        CountDownLatch go = new CountDownLatch(1);
        List<Future<RobotCommands.Issued>> results = new ArrayList<>();
        for (UUID robot : robots) {
            results.add(pool.submit(() -> {
                go.await();
                return dispatcher.dispatch(robot, false);
            }));
        }
        go.countDown();
        for (Future<RobotCommands.Issued> result : results) {
            result.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        await("all three reservations assigned", () -> bed.count("SELECT count(*) FROM reservations WHERE lot_id = '" + lot.id()
                + "' AND robot_id IS NOT NULL") == 3);
        Set<String> assignedRobots = new HashSet<>();
        for (UUID reservation : reservations) {
            String robot = reservationColumn(reservation, "robot_id");
            assertThat(assignedRobots.add(robot)).as("a robot serves one reservation").isTrue();
            assertThat(bed.count("SELECT count(*) FROM robots WHERE current_reservation_id = '" + reservation + "'")).isEqualTo(1);
            assertThat(bed.count("SELECT count(*) FROM robot_commands WHERE kind = 'GO_TO_SPOT' AND reservation_id = '"
                    + reservation + "'")).isEqualTo(1);
        }
        assertThat(bed.count("SELECT count(*) FROM robots WHERE lot_id = '" + lot.id() + "' AND state = 'DISPATCHED'"))
                .isEqualTo(3);
    }

    @Test
    void cancellingADispatchedReservationSendsACancelCommand() {
        String loginId = RobotTestBed.unique("driver");
        AuthTokens tokens = bed.t.signUp(loginId, "the right passphrase");
        UUID driver = UUID.fromString(withToken(bed.t.users, tokens.getAccessToken())
                .getUser(GetUserRequest.newBuilder().setName("users/me").build()).getName().substring("users/".length()));
        ParkingFixtures.TestLot lot = bed.lot(1);
        UUID reservation = bed.reservation(driver, bed.car(driver), lot, 0, 10, 70);
        Robot robot = bed.robot(lot);
        String name = "reservations/" + reservation;
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            long seq = RobotTestBed.online(bridge, robot.getRobotId(), 1, bed.now());
            RobotCommand go = bridge.command(c -> c.getType() == CommandType.COMMAND_TYPE_GO_TO_SPOT && c.getReservation().equals(name));
            // The driver may look at the robot serving its reservation.
            Robot serving = withToken(io.chargebot.robot.v1.RobotServiceGrpc.newBlockingStub(bed.t.channel), tokens.getAccessToken())
                    .getRobot(GetRobotRequest.newBuilder().setName(robot.getName()).build());
            assertThat(serving.getCurrentReservation()).isEqualTo(name);

            withToken(ReservationServiceGrpc.newBlockingStub(bed.t.channel), tokens.getAccessToken())
                    .cancelReservation(CancelReservationRequest.newBuilder().setName(name).setReason("plans changed").build());

            RobotCommand cancel = bridge.command(c -> c.getType() == CommandType.COMMAND_TYPE_CANCEL
                    && c.getReservation().equals(name));
            assertThat(cancel.getReservation()).isEqualTo(name);
            assertThat(cancel.getRobotId()).isEqualTo(robot.getRobotId());
            assertThat(cancel.getCommandId()).isNotEqualTo(go.getCommandId());

            bridge.send(event(robot.getRobotId(), seq, RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK, name, cancel.getCommandId(),
                    bed.now()));
            Robot after = get(robot);
            assertThat(after.getCurrentReservation()).isEmpty();
            assertThat(after.getState()).isEqualTo(RobotState.ROBOT_STATE_IDLE);
            // The GO_TO_SPOT of the cancelled reservation is not sent again.
            await("the obsolete GO_TO_SPOT to be closed", () -> "FAILED".equals(bed.queryString(
                    "SELECT status FROM robot_commands WHERE id = '" + go.getCommandId() + "'")));
        }
    }

    @Test
    void aFailedRobotPutsTheReservationBackInTheQueue() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        UUID reservation = bed.reservation(user, bed.car(user), lot, 0, 2, 62);
        Robot robot = bed.robot(lot);
        String name = "reservations/" + reservation;
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            long seq = RobotTestBed.online(bridge, robot.getRobotId(), 1, bed.now());
            RobotCommand first = bridge.command(c -> c.getReservation().equals(name));
            bridge.send(io.chargebot.robot.v1.ConnectRequest.newBuilder().setEvent(RobotEvent.newBuilder()
                    .setRobotId(robot.getRobotId()).setSequence(seq).setTime(bed.now())
                    .setType(RobotEventType.ROBOT_EVENT_TYPE_FAILED).setReservation(name).setErrorCode("E_BLOCKED")
                    .setMessage("the spot is blocked")).build());
            assertThat(reservationColumn(reservation, "status")).isEqualTo("CONFIRMED");
            assertThat(bed.queryString("SELECT status FROM robot_commands WHERE id = '" + first.getCommandId() + "'"))
                    .isEqualTo("FAILED");
            // The periodic dispatch sends a robot again (here the same one, free again), with a new command.
            RobotCommand again = bridge.command(c -> c.getReservation().equals(name) && !c.getCommandId().equals(first.getCommandId()));
            assertThat(again.getType()).isEqualTo(CommandType.COMMAND_TYPE_GO_TO_SPOT);
            assertThat(bed.queryString("SELECT body FROM notification_outbox WHERE resource_name = '" + name
                    + "' AND type = 'CHARGING_FAILED'")).contains("the spot is blocked");
            assertThat(bed.count("SELECT count(*) FROM notification_outbox WHERE resource_name = '" + name
                    + "' AND type = 'ROBOT_DISPATCHED'")).as("each dispatch").isEqualTo(2);
        }
    }
}
