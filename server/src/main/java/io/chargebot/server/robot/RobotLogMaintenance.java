package io.chargebot.server.robot;

import io.chargebot.server.DaemonThreads;
import io.chargebot.server.db.Db;
import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the robot log cheap to expire and the deduplication keys bounded, periodically on every replica:
 * <ul>
 *   <li>daily partitions of robot_logs (UTC days, {@code robot_logs_pYYYYMMDD}) from today to {@link #DAYS_AHEAD}
 *       days ahead (robots may send timestamps up to a day ahead); rows that landed in the default partition for such a
 *       day first (a new database, a stopped job) are moved into the new partition;</li>
 *   <li>partitions whose whole day is older than {@code log-retention} are dropped, and such rows of the default
 *       partition deleted;</li>
 *   <li>robot_message_keys stored more than {@code key-retention} ago are deleted, in batches of
 *       {@link #DELETE_BATCH}, each its own short transaction.</li>
 * </ul>
 * Several replicas: a round runs only on the replica that gets a transaction-scoped advisory lock; the others skip
 * it. The DDL waits at most {@link #LOCK_TIMEOUT} for locks held by ingestion and otherwise tries again next round.
 */
@Singleton
final class RobotLogMaintenance {

    private static final Logger logger = LoggerFactory.getLogger(RobotLogMaintenance.class);
    static final int DAYS_AHEAD = 3;
    static final int DELETE_BATCH = 10_000;
    static final String PARTITION_PREFIX = "robot_logs_p";
    private static final String LOCK_TIMEOUT = "2s";
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

    /** What one round did; {@code skipped} when another replica held the lock. */
    record Result(boolean skipped, List<String> created, List<String> dropped, long defaultRowsDeleted, long keysDeleted) {}

    private final Db db;
    private final Clock clock;
    private final RobotSettings settings;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("chargebot-robot-log-maintenance"));

    RobotLogMaintenance(Db db, Clock clock, RobotSettings settings) {
        this.db = db;
        this.clock = clock;
        this.settings = settings;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        long interval = settings.maintenanceInterval.toMillis();
        scheduler.scheduleWithFixedDelay(this::runLogged, settings.maintenanceFirstRun.toMillis(), interval,
                TimeUnit.MILLISECONDS);
    }

    private void runLogged() {
        try {
            Result result = run();
            if (!result.skipped() && (!result.created().isEmpty() || !result.dropped().isEmpty()
                    || result.keysDeleted() > 0 || result.defaultRowsDeleted() > 0)) {
                logger.info("Robot log maintenance: partitions created {}, dropped {}; {} expired rows of the default "
                        + "partition and {} deduplication keys deleted", result.created(), result.dropped(),
                        result.defaultRowsDeleted(), result.keysDeleted());
            }
        } catch (RuntimeException e) {
            logger.warn("Robot log maintenance failed (tried again in {}): {}", settings.maintenanceInterval, e.toString());
        }
    }

    /** One round (also called by tests). */
    Result run() {
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Instant logCutoff = now.minus(settings.logRetention);
        Result partitions = db.transaction(connection -> {
            try (PreparedStatement ps = Db.prepare(connection,
                    "SELECT pg_try_advisory_xact_lock(hashtextextended('chargebot.robot_log_maintenance', 0))")) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        return new Result(true, List.of(), List.of(), 0, 0);
                    }
                }
            }
            try (Statement st = connection.createStatement()) {
                st.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
            }
            TreeSet<LocalDate> existing = partitionDays(connection);
            boolean missing = false;
            for (int i = 0; i <= DAYS_AHEAD; i++) {
                missing |= !existing.contains(today.plusDays(i));
            }
            if (missing || (!existing.isEmpty() && !start(existing.first().plusDays(1)).isAfter(logCutoff))) {
                // Ingestion must not add rows to the default partition between the check for rows of a new day and
                // the new partition (PostgreSQL would refuse it): hold writers off for these few statements.
                try (Statement st = connection.createStatement()) {
                    st.execute("LOCK TABLE robot_logs IN ACCESS EXCLUSIVE MODE");
                }
                existing = partitionDays(connection);
            }
            List<String> created = new ArrayList<>();
            for (int i = 0; i <= DAYS_AHEAD; i++) {
                LocalDate day = today.plusDays(i);
                if (!existing.contains(day)) {
                    createPartition(connection, day);
                    created.add(PARTITION_PREFIX + DAY.format(day));
                }
            }
            List<String> dropped = new ArrayList<>();
            for (LocalDate day : existing) {
                if (!start(day.plusDays(1)).isAfter(logCutoff)) {
                    try (Statement st = connection.createStatement()) {
                        st.execute("DROP TABLE " + PARTITION_PREFIX + DAY.format(day));
                    }
                    dropped.add(PARTITION_PREFIX + DAY.format(day));
                }
            }
            long defaultRows;
            try (PreparedStatement ps = Db.prepare(connection, "DELETE FROM robot_logs_default WHERE recorded_at < ?")) {
                ps.setTimestamp(1, Timestamp.from(logCutoff));
                defaultRows = ps.executeUpdate();
            }
            return new Result(false, created, dropped, defaultRows, 0);
        });
        if (partitions.skipped()) {
            return partitions;
        }
        Timestamp keyCutoff = Timestamp.from(now.minus(settings.keyRetention));
        long keys = 0;
        int deleted;
        do {
            deleted = db.transaction(connection -> {
                try (PreparedStatement ps = Db.prepare(connection, "DELETE FROM robot_message_keys WHERE ctid = ANY (ARRAY("
                        + "SELECT ctid FROM robot_message_keys WHERE stored_at < ? LIMIT " + DELETE_BATCH + "))")) {
                    ps.setTimestamp(1, keyCutoff);
                    return ps.executeUpdate();
                }
            });
            keys += deleted;
        } while (deleted == DELETE_BATCH);
        return new Result(false, partitions.created(), partitions.dropped(), partitions.defaultRowsDeleted(), keys);
    }

    private static Instant start(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** Days of the existing daily partitions (by name). */
    private static TreeSet<LocalDate> partitionDays(Connection connection) throws SQLException {
        TreeSet<LocalDate> days = new TreeSet<>();
        try (PreparedStatement ps = Db.prepare(connection, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                + "WHERE i.inhparent = 'robot_logs'::regclass AND c.relname ~ ?")) {
            ps.setString(1, "^" + PARTITION_PREFIX + "[0-9]{8}$");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    days.add(LocalDate.parse(rs.getString(1).substring(PARTITION_PREFIX.length()), DAY));
                }
            }
        }
        return days;
    }

    /**
     * Creates the partition of {@code day}. PostgreSQL refuses a new partition while the default partition holds rows
     * of its range, so those rows move first (same transaction: readers see them in one place or the other).
     */
    private static void createPartition(Connection connection, LocalDate day) throws SQLException {
        String name = PARTITION_PREFIX + DAY.format(day);
        Timestamp from = Timestamp.from(start(day));
        Timestamp to = Timestamp.from(start(day.plusDays(1)));
        String bounds = "FOR VALUES FROM ('" + start(day) + "') TO ('" + start(day.plusDays(1)) + "')";
        boolean strays;
        try (PreparedStatement ps = Db.prepare(connection,
                "SELECT EXISTS (SELECT 1 FROM robot_logs_default WHERE recorded_at >= ? AND recorded_at < ?)")) {
            ps.setTimestamp(1, from);
            ps.setTimestamp(2, to);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                strays = rs.getBoolean(1);
            }
        }
        try (Statement st = connection.createStatement()) {
            if (!strays) {
                st.execute("CREATE TABLE " + name + " PARTITION OF robot_logs " + bounds);
                return;
            }
            st.execute("CREATE TABLE " + name + " (LIKE robot_logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)");
        }
        try (PreparedStatement ps = Db.prepare(connection, "WITH moved AS (DELETE FROM robot_logs_default "
                + "WHERE recorded_at >= ? AND recorded_at < ? RETURNING *) INSERT INTO " + name + " SELECT * FROM moved")) {
            ps.setTimestamp(1, from);
            ps.setTimestamp(2, to);
            ps.executeUpdate();
        }
        try (Statement st = connection.createStatement()) {
            st.execute("ALTER TABLE robot_logs ATTACH PARTITION " + name + " " + bounds);
        }
    }

    @EventListener
    void onShutdown(ShutdownEvent event) {
        stop();
    }

    @PreDestroy
    void stop() {
        Workers.stop(scheduler);
    }
}
