package io.chargebot.server.robot;

import static io.chargebot.server.auth.AuthTestClient.assertFails;
import static io.chargebot.server.auth.AuthTestClient.assertInvalid;
import static io.chargebot.server.auth.AuthTestClient.failure;
import static io.chargebot.server.auth.AuthTestClient.fields;
import static io.chargebot.server.auth.AuthTestClient.withToken;
import static io.chargebot.server.robot.RobotTestBed.batch;
import static io.chargebot.server.robot.RobotTestBed.telemetry;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import com.google.type.LatLng;
import io.chargebot.api.RobotIds;
import io.chargebot.robot.v1.CreateRobotRequest;
import io.chargebot.robot.v1.GetRobotRequest;
import io.chargebot.robot.v1.ListRobotLogsRequest;
import io.chargebot.robot.v1.ListRobotLogsResponse;
import io.chargebot.robot.v1.ListRobotsRequest;
import io.chargebot.robot.v1.ListRobotsResponse;
import io.chargebot.robot.v1.Robot;
import io.chargebot.robot.v1.RobotLog;
import io.chargebot.robot.v1.RobotLogKind;
import io.chargebot.robot.v1.RobotPosition;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.UpdateRobotRequest;
import io.chargebot.robot.v1.WatchRobotStatesRequest;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.testing.ParkingFixtures;
import io.chargebot.server.testing.TestDatabases;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The robot registry, the robot log and who may call them, over real gRPC. */
class RobotAdminTest {

    private static RobotTestBed bed;
    private static RobotServiceGrpc.RobotServiceBlockingStub user;
    private static RobotServiceGrpc.RobotServiceBlockingStub bridge;
    private static ParkingFixtures.TestLot lot;

    @BeforeAll
    static void start() {
        bed = new RobotTestBed(Map.of());
        user = withToken(bed.anonymous, bed.t.signUp(RobotTestBed.unique("driver"), "the right passphrase").getAccessToken());
        bridge = withToken(bed.anonymous, bed.bridgeToken);
        lot = bed.lot(1);
    }

    @AfterAll
    static void stop() {
        bed.close();
    }

    private static CreateRobotRequest.Builder create(String robotId, Robot.Builder robot) {
        return CreateRobotRequest.newBuilder().setRobotId(robotId).setRobot(robot);
    }

    @Test
    void createsAndReadsARobot() {
        String id = RobotTestBed.unique("Bot_A");
        RobotPosition base = RobotPosition.newBuilder().setFloor("B1").setXMeters(1.5).setYMeters(2.5).setHeadingDegrees(180)
                .setLocation(LatLng.newBuilder().setLatitude(37.5).setLongitude(127.0)).build();
        Robot created = bed.admin.createRobot(create(id, Robot.newBuilder().setParkingLot(lot.name()).setDisplayName("강남 1호기")
                .setSerialNumber("SN-" + id).setBasePosition(base).setEnabled(true).setState(RobotState.ROBOT_STATE_IDLE)).build());
        assertThat(created.getName()).isEqualTo("robots/" + id);
        assertThat(created.getRobotId()).isEqualTo(id);
        assertThat(created.getParkingLot()).isEqualTo(lot.name());
        assertThat(created.getDisplayName()).isEqualTo("강남 1호기");
        assertThat(created.getSerialNumber()).isEqualTo("SN-" + id);
        assertThat(created.getBasePosition()).isEqualTo(base);
        assertThat(created.getEnabled()).isTrue();
        assertThat(created.getState()).as("output only").isEqualTo(RobotState.ROBOT_STATE_OFFLINE);
        assertThat(created.getOnline()).isFalse();
        assertThat(created.hasCreateTime()).isTrue();
        assertThat(created.hasLastSeenTime()).isFalse();

        assertThat(bed.admin.getRobot(GetRobotRequest.newBuilder().setName(created.getName()).build())).isEqualTo(created);
        assertThat(bridge.getRobot(GetRobotRequest.newBuilder().setName(created.getName()).build())).isEqualTo(created);
        assertThat(bed.count("SELECT count(*) FROM audit_log WHERE action = 'robot.create' AND resource_name = 'robots/" + id + "'"))
                .isEqualTo(1);
    }

    @Test
    void badInputNamesEveryBadField() {
        StatusRuntimeException e = failure(() -> bed.admin.createRobot(create("x", Robot.newBuilder().setParkingLot("lots/1")
                .setDisplayName("n".repeat(101)).setBasePosition(RobotPosition.newBuilder()
                        .setLocation(LatLng.newBuilder().setLatitude(91)).setHeadingDegrees(400))).build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(fields(e)).containsExactlyInAnyOrder("robot_id", "robot.parking_lot", "robot.display_name",
                "robot.base_position.location.latitude", "robot.base_position.heading_degrees");
        assertInvalid(() -> bed.admin.createRobot(CreateRobotRequest.newBuilder().setRobotId("has space").build()), "robot_id");
        assertInvalid(() -> bed.admin.createRobot(create("ok-id", Robot.newBuilder()).build()), "robot.parking_lot");
        assertInvalid(() -> bed.admin.createRobot(create("a".repeat(65), Robot.newBuilder().setParkingLot(lot.name())).build()),
                "robot_id");
        assertFails(() -> bed.admin.createRobot(create("bot-lotless", Robot.newBuilder()
                .setParkingLot("parkingLots/" + UUID.randomUUID())).build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
    }

    @Test
    void theDatabaseHoldsTheSameRobotIdRuleAsTheApi() throws Exception {
        try (Connection c = TestDatabases.connect(bed.t.database)) {
            for (String good : new String[] {"abc", "Bot_9-z", "a".repeat(64)}) {
                String key = good.length() == 64 ? good : good + "-" + RobotTestBed.unique("db").replace('-', '_');
                assertThat(RobotIds.valid(key)).as(key).isTrue();
                assertThat(insertRobot(c, key)).as(key).isNull();
            }
            for (String bad : new String[] {"ab", "a".repeat(65), "has space", "로봇-12", "abc\n", "ab/c", "ab^", "ab]"}) {
                assertThat(RobotIds.valid(bad)).as(bad).isFalse();
                assertThat(insertRobot(c, bad)).as(bad).isEqualTo("23514");
            }
        }
    }

    /** Inserts a robot of {@code key} by SQL, rolled back; null when accepted, else the SQL state. */
    private static String insertRobot(Connection c, String key) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO robots (robot_key, lot_id) VALUES (?, ?)")) {
            ps.setString(1, key);
            ps.setObject(2, lot.id());
            ps.executeUpdate();
            return null;
        } catch (SQLException e) {
            return e.getSQLState();
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    @Test
    void robotIdsAndSerialNumbersAreUnique() {
        String id = RobotTestBed.unique("bot");
        bed.admin.createRobot(create(id, Robot.newBuilder().setParkingLot(lot.name()).setSerialNumber("SN-" + id)).build());
        assertFails(() -> bed.admin.createRobot(create(id, Robot.newBuilder().setParkingLot(lot.name())).build()),
                Status.Code.ALREADY_EXISTS, "RESOURCE_EXISTS");
        StatusRuntimeException serial = failure(() -> bed.admin.createRobot(create(RobotTestBed.unique("bot"),
                Robot.newBuilder().setParkingLot(lot.name()).setSerialNumber("SN-" + id)).build()));
        assertThat(serial.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(fields(serial)).containsExactly("robot.serial_number");
    }

    @Test
    void onlyAdminsManageRobots() {
        Robot robot = bed.robot(lot);
        CreateRobotRequest request = create(RobotTestBed.unique("bot"), Robot.newBuilder().setParkingLot(lot.name())).build();
        assertFails(() -> user.createRobot(request), Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        assertFails(() -> bridge.createRobot(request), Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        assertFails(() -> bed.anonymous.createRobot(request), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        UpdateRobotRequest update = UpdateRobotRequest.newBuilder().setRobot(robot.toBuilder().setEnabled(false))
                .setUpdateMask(FieldMask.newBuilder().addPaths("enabled")).build();
        assertFails(() -> user.updateRobot(update), Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        assertFails(() -> user.listRobots(ListRobotsRequest.getDefaultInstance()), Status.Code.PERMISSION_DENIED,
                "PERMISSION_DENIED");
        assertFails(() -> user.listRobotLogs(ListRobotLogsRequest.newBuilder().setParent(robot.getName()).build()),
                Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        assertFails(() -> bed.anonymous.getRobot(GetRobotRequest.newBuilder().setName(robot.getName()).build()),
                Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        // A driver sees only a robot serving one of its reservations.
        assertFails(() -> user.getRobot(GetRobotRequest.newBuilder().setName(robot.getName()).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        StatusRuntimeException watch = failure(() -> user.watchRobotStates(WatchRobotStatesRequest.getDefaultInstance()).next());
        assertThat(watch.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void updatesOnlyTheMaskedFields() {
        Robot robot = bed.robot(lot);
        ParkingFixtures.TestLot other = bed.lot(1);
        Robot updated = bed.admin.updateRobot(UpdateRobotRequest.newBuilder()
                .setRobot(robot.toBuilder().setDisplayName("새 이름").setParkingLot(other.name()).setEnabled(false)
                        .setSerialNumber("ignored"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("display_name").addPaths("parking_lot").addPaths("enabled")).build());
        assertThat(updated.getDisplayName()).isEqualTo("새 이름");
        assertThat(updated.getParkingLot()).isEqualTo(other.name());
        assertThat(updated.getEnabled()).isFalse();
        assertThat(updated.getSerialNumber()).isEmpty();

        assertInvalid(() -> bed.admin.updateRobot(UpdateRobotRequest.newBuilder().setRobot(robot)
                .setUpdateMask(FieldMask.newBuilder().addPaths("state")).build()), "update_mask");
        assertInvalid(() -> bed.admin.updateRobot(UpdateRobotRequest.newBuilder().setRobot(robot).build()), "update_mask");
        assertInvalid(() -> bed.admin.updateRobot(UpdateRobotRequest.newBuilder().setRobot(robot.toBuilder().setName("bots/x"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("enabled")).build()), "robot.name");
        assertFails(() -> bed.admin.updateRobot(UpdateRobotRequest.newBuilder().setRobot(robot.toBuilder().setName("robots/nobody"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("enabled")).build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
    }

    @Test
    void getRejectsBadNames() {
        assertInvalid(() -> bed.admin.getRobot(GetRobotRequest.newBuilder().setName("robots/a b").build()), "name");
        assertInvalid(() -> bed.admin.getRobot(GetRobotRequest.getDefaultInstance()), "name");
        assertFails(() -> bed.admin.getRobot(GetRobotRequest.newBuilder().setName("robots/nobody").build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
    }

    @Test
    void listsRobotsOfALotPageByPage() {
        ParkingFixtures.TestLot listed = bed.lot(1);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(bed.robot(listed).getRobotId());
        }
        List<String> seen = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            ListRobotsResponse page = bed.admin.listRobots(ListRobotsRequest.newBuilder().setParkingLot(listed.name()).setPageSize(2)
                    .setPageToken(token).build());
            page.getRobotsList().forEach(r -> seen.add(r.getRobotId()));
            token = page.getNextPageToken();
            pages++;
        } while (!token.isEmpty());
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(ids.stream().sorted().toList());

        assertThat(bed.admin.listRobots(ListRobotsRequest.newBuilder().setParkingLot(listed.name())
                .addStates(RobotState.ROBOT_STATE_IDLE).build()).getRobotsList()).isEmpty();
        assertThat(bed.admin.listRobots(ListRobotsRequest.newBuilder().setParkingLot(listed.name())
                .addStates(RobotState.ROBOT_STATE_OFFLINE).build()).getRobotsCount()).isEqualTo(5);

        assertInvalid(() -> bed.admin.listRobots(ListRobotsRequest.newBuilder().setPageSize(101).build()), "page_size");
        assertInvalid(() -> bed.admin.listRobots(ListRobotsRequest.newBuilder().setParkingLot("x").build()), "parking_lot");
        assertInvalid(() -> bed.admin.listRobots(ListRobotsRequest.newBuilder().setPageToken("bogus").build()), "page_token");
    }

    @Test
    void listsARobotsLogByTimeRangeWithPaging() {
        Robot robot = bed.robot(lot);
        String id = robot.getRobotId();
        Instant base = bed.t.clock.instant().minus(Duration.ofMinutes(30));
        try (RobotTestBed.Bridge b = bed.bridge()) {
            b.hello();
            b.send(RobotTestBed.connection(id, 1, io.chargebot.robot.v1.ConnectionState.CONNECTION_STATE_ONLINE,
                    ProtoTime.timestamp(base)));
            for (int i = 2; i <= 6; i++) {
                Timestamp time = ProtoTime.timestamp(base.plus(Duration.ofMinutes(i)));
                b.send(batch(telemetry(id, i, RobotState.ROBOT_STATE_IDLE, time)));
            }
        }
        List<RobotLog> all = new ArrayList<>();
        String token = "";
        do {
            ListRobotLogsResponse page = bed.admin.listRobotLogs(ListRobotLogsRequest.newBuilder().setParent(robot.getName())
                    .setPageSize(2).setPageToken(token).build());
            all.addAll(page.getRobotLogsList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        assertThat(all).extracting(RobotLog::getSequence).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(all.get(0).getKind()).isEqualTo(RobotLogKind.ROBOT_LOG_KIND_CONNECTION);
        assertThat(all.get(0).getConnection().getRobotId()).isEqualTo(id);
        assertThat(all.get(1).getTelemetry().getSequence()).isEqualTo(2);
        assertThat(all.get(1).getName()).startsWith(robot.getName() + "/logs/");

        ListRobotLogsResponse newest = bed.admin.listRobotLogs(ListRobotLogsRequest.newBuilder().setParent(robot.getName())
                .addKinds(RobotLogKind.ROBOT_LOG_KIND_TELEMETRY).setOrderBy("time desc")
                .setStartTime(ProtoTime.timestamp(base.plus(Duration.ofMinutes(3))))
                .setEndTime(ProtoTime.timestamp(base.plus(Duration.ofMinutes(6)))).build());
        assertThat(newest.getRobotLogsList()).extracting(RobotLog::getSequence).containsExactly(5L, 4L, 3L);

        assertInvalid(() -> bed.admin.listRobotLogs(ListRobotLogsRequest.newBuilder().setParent("robots/").build()), "parent");
        assertInvalid(() -> bed.admin.listRobotLogs(ListRobotLogsRequest.newBuilder().setParent(robot.getName())
                .setStartTime(ProtoTime.timestamp(base)).setEndTime(ProtoTime.timestamp(base.minusSeconds(1))).build()), "end_time");
        assertInvalid(() -> bed.admin.listRobotLogs(ListRobotLogsRequest.newBuilder().setParent(robot.getName())
                .setOrderBy("sequence").build()), "order_by");
        assertInvalid(() -> bed.admin.listRobotLogs(ListRobotLogsRequest.newBuilder().setParent(robot.getName())
                .setPageSize(1001).build()), "page_size");
        assertFails(() -> bed.admin.listRobotLogs(ListRobotLogsRequest.newBuilder().setParent("robots/nobody").build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
    }

    @Test
    void aFullBatchIsStoredAtOnceAndListedInOrder() {
        Robot robot = bed.robot(lot);
        Instant base = bed.t.clock.instant().minus(Duration.ofMinutes(20));
        io.chargebot.robot.v1.TelemetryBatch.Builder full = io.chargebot.robot.v1.TelemetryBatch.newBuilder();
        for (int i = 1; i <= 500; i++) {
            full.addItems(telemetry(robot.getRobotId(), i, RobotState.ROBOT_STATE_IDLE,
                    ProtoTime.timestamp(base.plusMillis(i * 100L))).setPosition(RobotPosition.newBuilder().setXMeters(i)));
        }
        try (RobotTestBed.Bridge b = bed.bridge()) {
            assertThat(b.hello().getWelcome().getMaxBatchSize()).isEqualTo(500);
            assertThat(b.send(io.chargebot.robot.v1.ConnectRequest.newBuilder().setTelemetry(full).build()).getStoredCount())
                    .isEqualTo(500);
        }
        ListRobotLogsResponse page = bed.admin.listRobotLogs(ListRobotLogsRequest.newBuilder().setParent(robot.getName())
                .setPageSize(1000).build());
        assertThat(page.getRobotLogsCount()).isEqualTo(500);
        assertThat(page.getRobotLogs(499).getTelemetry().getPosition().getXMeters()).isEqualTo(500);
        assertThat(page.getNextPageToken()).isEmpty();
    }
}
