package io.chargebot.server.robot;

import static io.chargebot.server.auth.AuthTestClient.withToken;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.CreateRobotRequest;
import io.chargebot.robot.v1.Robot;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.UpdateRobotRequest;
import io.chargebot.robot.v1.WatchRobotStatesRequest;
import io.chargebot.robot.v1.WatchRobotStatesResponse;
import io.chargebot.server.ChargeBotServer;
import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.auth.v1.SignInRequest;
import io.chargebot.server.testing.ParkingFixtures;
import io.chargebot.server.testing.TestServers;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two replicas on one database, with polling and sweeps slowed to an hour so only LISTEN/NOTIFY can
 * carry work between them: a command queued on one replica reaches the bridge stream held by the
 * other, and a watcher on one replica sees changes ingested by the other.
 */
class RobotReplicasTest {

    private static RobotTestBed bed;
    private static ChargeBotServer other;
    private static ManagedChannel otherChannel;
    private static RobotServiceGrpc.RobotServiceBlockingStub otherAdmin;
    private static String otherAdminToken;

    @BeforeAll
    static void start() {
        bed = new RobotTestBed(Map.of("chargebot.robots.command-poll-interval", "1h", "chargebot.robots.sweep-interval", "1h"));
        other = bed.replica();
        otherChannel = TestServers.channel(other);
        otherAdminToken = AuthServiceGrpc.newBlockingStub(otherChannel).signIn(SignInRequest.newBuilder().setLoginId("admin")
                .setPassword(RobotTestBed.ADMIN_PASSWORD).build()).getTokens().getAccessToken();
        otherAdmin = withToken(RobotServiceGrpc.newBlockingStub(otherChannel), otherAdminToken);
    }

    @AfterAll
    static void stop() {
        otherChannel.shutdownNow();
        other.close();
        bed.close();
    }

    @Test
    void aCommandQueuedOnOneReplicaReachesTheBridgeOfAnother() {
        ParkingFixtures.TestLot lot = bed.lot(1);
        UUID user = bed.user();
        UUID reservation = bed.reservation(user, bed.car(user), lot, 0, 5, 65);
        // Registered out of service: coming online does not dispatch it.
        Robot robot = otherAdmin.createRobot(CreateRobotRequest.newBuilder().setRobotId(RobotTestBed.unique("bot"))
                .setRobot(Robot.newBuilder().setParkingLot(lot.name())).build());
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            RobotTestBed.online(bridge, robot.getRobotId(), 1, bed.now());
            // Enabled on the other replica, which dispatches it there.
            otherAdmin.updateRobot(UpdateRobotRequest.newBuilder().setRobot(robot.toBuilder().setEnabled(true))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("enabled")).build());
            RobotCommand go = bridge.command(c -> c.getRobotId().equals(robot.getRobotId()));
            assertThat(go.getType()).isEqualTo(CommandType.COMMAND_TYPE_GO_TO_SPOT);
            assertThat(go.getReservation()).isEqualTo("reservations/" + reservation);
        }
    }

    @Test
    void aWatcherOnOneReplicaSeesChangesIngestedByAnother() throws Exception {
        ParkingFixtures.TestLot lot = bed.lot(1);
        Robot robot = bed.robot(lot);
        BlockingQueue<WatchRobotStatesResponse> seen = new LinkedBlockingQueue<>();
        withToken(RobotServiceGrpc.newStub(otherChannel), otherAdminToken).watchRobotStates(
                WatchRobotStatesRequest.newBuilder().setParkingLot(lot.name()).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(WatchRobotStatesResponse value) {
                        seen.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        RobotTestBed.await("the snapshot", () -> !seen.isEmpty());
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            RobotTestBed.online(bridge, robot.getRobotId(), 1, bed.now());
        }
        RobotTestBed.await("the other replica's watcher to see the robot IDLE", () -> seen.stream()
                .filter(r -> !r.getInitial()).flatMap(r -> r.getRobotsList().stream())
                .anyMatch(r -> r.getRobotId().equals(robot.getRobotId()) && r.getState() == RobotState.ROBOT_STATE_IDLE));
    }
}
