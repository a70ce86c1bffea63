package io.chargebot.server.robot;

import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.Robot;
import io.chargebot.server.testing.CapturedOutput;
import io.chargebot.server.testing.ParkingFixtures;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Closing the server while its background workers are busy (robot sweep every 200 ms, command poll, a bridge
 * stream, the robot listener, the notification dispatcher): the workers stop, and are waited for, before the
 * connection pool closes, so none of them fails against a closed pool and none is left running.
 */
class ServerShutdownTest {

    private static final List<String> WORKERS = List.of("chargebot-robot-sweep", "chargebot-robot-dispatch",
            "chargebot-robot-commands", "chargebot-robot-listener", "chargebot-robot-watch", "chargebot-robot-log-maintenance",
            "chargebot-notification-dispatcher", "chargebot-db-notifications");

    @Test
    void backgroundWorkersStopBeforeThePoolClosesWithoutFailedWork() {
        RobotTestBed bed = new RobotTestBed(Map.of("chargebot.notifications.poll-interval", "50ms"));
        String shutdown;
        try (CapturedOutput captured = new CapturedOutput()) {
            int before;
            try {
                ParkingFixtures.TestLot lot = bed.lot(1);
                UUID user = bed.user();
                bed.reservation(user, bed.car(user), lot, 0, 1, 61);
                Robot robot = bed.robot(lot);
                RobotTestBed.Bridge bridge = bed.bridge();
                bridge.hello();
                RobotTestBed.online(bridge, robot.getRobotId(), 1, bed.now());
                bridge.command(c -> c.getType() == CommandType.COMMAND_TYPE_GO_TO_SPOT);
                assertThat(liveWorkers()).contains("chargebot-robot-sweep", "chargebot-robot-listener",
                        "chargebot-notification-dispatcher");
            } finally {
                before = captured.text().length();
                bed.close();
            }
            shutdown = captured.text().substring(before);
        }
        assertThat(liveWorkers()).isEmpty();
        // Nothing logged a failure during the shutdown (a worker using the closed pool logs a WARN).
        assertThat(shutdown.lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList()).isEmpty();
    }

    private static List<String> liveWorkers() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(WORKERS::contains).distinct().toList();
    }
}
