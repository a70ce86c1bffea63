package io.chargebot.server.robot;

import static io.chargebot.server.robot.RobotTestBed.batch;
import static io.chargebot.server.robot.RobotTestBed.telemetry;
import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.robot.v1.Robot;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.StoredAck;
import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.grpc.ProtoTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * RobotLogMaintenance: daily robot_logs partitions ahead (rows already in the default partition move into them),
 * expired partitions dropped, deduplication keys expired by when they were stored, and a round that is safe on
 * several replicas at once. Time moves with the test clock.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RobotLogRetentionTest {

    private static RobotTestBed bed;

    @BeforeAll
    static void start() {
        // The periodic round stays out of the way: the test runs rounds itself.
        bed = new RobotTestBed(Map.of("chargebot.robots.maintenance-interval", "1000d",
                "chargebot.robots.maintenance-first-run", "1000d",
                "chargebot.robots.key-retention", "7d", "chargebot.robots.log-retention", "30d"));
    }

    @AfterAll
    static void stop() {
        bed.close();
    }

    private static RobotLogMaintenance maintenance(ChargeBotServer server) {
        return server.context().getBean(RobotLogMaintenance.class);
    }

    private static String partition(Instant at) {
        return RobotLogMaintenance.PARTITION_PREFIX + DateTimeFormatter.BASIC_ISO_DATE.format(LocalDate.ofInstant(at,
                ZoneOffset.UTC));
    }

    private int keys(String robot) {
        return bed.count("SELECT count(*) FROM robot_message_keys k JOIN robots r ON r.id = k.robot_id WHERE r.robot_key = '"
                + robot + "'");
    }

    private int rows(String robot) {
        return bed.count("SELECT count(*) FROM robot_logs l JOIN robots r ON r.id = l.robot_id WHERE r.robot_key = '"
                + robot + "'");
    }

    private int rowsIn(String table, String robot) {
        return bed.count("SELECT count(*) FROM " + table + " l JOIN robots r ON r.id = l.robot_id WHERE r.robot_key = '"
                + robot + "'");
    }

    private StoredAck store(RobotTestBed.Bridge bridge, String robot, long sequence, Instant time) {
        return bridge.send(batch(telemetry(robot, sequence, RobotState.ROBOT_STATE_IDLE, ProtoTime.timestamp(time))));
    }

    @Test
    @Order(1) // before any other round created today's partition
    void partitionsKeysAndExpiry() throws Exception {
        Robot robot = bed.robot(bed.lot(1));
        String key = robot.getRobotId();
        try (RobotTestBed.Bridge bridge = bed.bridge()) {
            bridge.hello();
            // Stored before any round: in the default partition.
            Instant first = bed.t.clock.instant();
            assertThat(store(bridge, key, 1, first).getStoredCount()).isEqualTo(1);
            assertThat(rowsIn("robot_logs_default", key)).isEqualTo(1);

            // A round creates today's partition and the next days', moving today's row out of the default partition.
            RobotLogMaintenance.Result round = maintenance(bed.t.server).run();
            assertThat(round.skipped()).isFalse();
            assertThat(round.created()).contains(partition(first),
                    partition(first.plus(Duration.ofDays(RobotLogMaintenance.DAYS_AHEAD))));
            assertThat(rowsIn("robot_logs_default", key)).isZero();
            assertThat(rowsIn(partition(first), key)).isEqualTo(1);
            // New rows go straight to the day's partition; a redelivery is still a duplicate.
            store(bridge, key, 2, first);
            store(bridge, key, 1, first);
            assertThat(rowsIn(partition(first), key)).isEqualTo(2);
            assertThat(keys(key)).isEqualTo(2);
            // A second round has nothing to create.
            assertThat(maintenance(bed.t.server).run().created()).isEmpty();

            // Eight days on: the keys (stored over 7 days ago) expire; the log (30 days) stays. A message stored now
            // (its robot timestamp 8 days old: a robot uploading what it buffered) keeps its key.
            bed.t.clock.advance(Duration.ofDays(8));
            store(bridge, key, 3, first);
            RobotLogMaintenance.Result later = maintenance(bed.t.server).run();
            assertThat(later.keysDeleted()).isGreaterThanOrEqualTo(2);
            assertThat(keys(key)).isEqualTo(1);
            assertThat(rows(key)).isEqualTo(3);
            assertThat(store(bridge, key, 3, first).getStoredCount()).isEqualTo(1);
            assertThat(rows(key)).as("sequence 3 is still deduplicated").isEqualTo(3);
            assertThat(later.created()).contains(partition(bed.t.clock.instant()));

            // A row far in the past lands in the default partition; after the log retention it goes with the day's
            // partition.
            Instant old = first.minus(Duration.ofDays(60));
            store(bridge, key, 4, old);
            assertThat(rowsIn("robot_logs_default", key)).isEqualTo(1);
            bed.t.clock.advance(Duration.ofDays(30));
            RobotLogMaintenance.Result expired = maintenance(bed.t.server).run();
            assertThat(expired.dropped()).contains(partition(first));
            assertThat(expired.defaultRowsDeleted()).isGreaterThanOrEqualTo(1);
            assertThat(rows(key)).isZero();
            assertThat(bed.count("SELECT count(*) FROM pg_class WHERE relname = '" + partition(first) + "'")).isZero();
        }
    }

    @Test
    @Order(2)
    void roundsOnSeveralReplicasAtOnceDoNotFail() throws Exception {
        ChargeBotServer replica = bed.replica();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<RobotLogMaintenance.Result>> rounds = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ChargeBotServer server = i % 2 == 0 ? bed.t.server : replica;
                rounds.add(() -> maintenance(server).run());
            }
            for (Future<RobotLogMaintenance.Result> f : pool.invokeAll(rounds)) {
                f.get(); // throws if a round failed
            }
            // Whichever replica ran, today's partition exists once.
            assertThat(bed.count("SELECT count(*) FROM pg_class WHERE relname = '" + partition(bed.t.clock.instant())
                    + "'")).isEqualTo(1);
        } finally {
            pool.shutdownNow();
            replica.close();
        }
    }
}
