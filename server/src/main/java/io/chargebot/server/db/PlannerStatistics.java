package io.chargebot.server.db;

import io.chargebot.server.DaemonThreads;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps PostgreSQL's planner statistics of ChargeBot's tables current when the database server's
 * autovacuum is off.
 *
 * <p><b>Why.</b> Pooled connections run server-side prepared statements, and after five runs
 * PostgreSQL keeps one generic plan per statement until the statistics of its tables change.
 * Without statistics every index looks as small as an empty one, so a plan made then keeps whichever
 * index the planner met first: the booking batch looked for the reservations overlapping a refused
 * booking by period alone in the (car, period) index, about 60 index pages per booking instead of a
 * few, and found cars and users by reading another index whole. With autovacuum on, PostgreSQL
 * analyses a table once {@code autovacuum_analyze_threshold} rows plus
 * {@code autovacuum_analyze_scale_factor} of it have changed, and every connection plans again; with
 * it off nothing ever does, and the plans made for a new, empty database stay for good. On the
 * reservations benchmark that was 700 bookings/s against 1,128 with statistics kept
 * (docs/benchmarks.md, session 9).
 *
 * <p><b>What.</b> Every {@code chargebot.database.statistics.interval} (5 s), the tables of the
 * current schema changed by more than those same thresholds since their last analysis are analysed
 * ({@code ANALYZE} samples at most 30,000 rows of each). One replica per round: the others find the
 * advisory lock taken and skip it. It never vacuums; with autovacuum off, dead rows remain the
 * administrator's business, and a warning at start-up says so.
 *
 * <p>{@code chargebot.database.statistics.upkeep}: {@code auto} (default) only while autovacuum is
 * off; {@code on} always; {@code off} never.
 */
@Singleton
public final class PlannerStatistics {

    private static final Logger logger = LoggerFactory.getLogger(PlannerStatistics.class);
    private static final String LOCK_TIMEOUT = "2s";

    /** When the upkeep runs. */
    enum Upkeep {
        AUTO, ON, OFF;

        static Upkeep parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("chargebot.database.statistics.upkeep must be auto, on or off, not '"
                        + value + "'", e);
            }
        }
    }

    private final Db db;
    private final Upkeep upkeep;
    private final Duration interval;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("chargebot-planner-statistics"));
    private volatile boolean active;

    PlannerStatistics(Db db, @Value("${chargebot.database.statistics.upkeep:auto}") String upkeep,
                      @Value("${chargebot.database.statistics.interval:5s}") Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("chargebot.database.statistics.interval must be positive, not " + interval);
        }
        this.db = db;
        this.upkeep = Upkeep.parse(upkeep);
        this.interval = interval;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        if (upkeep == Upkeep.OFF) {
            return;
        }
        boolean[] settings = db.read(connection -> {
            try (PreparedStatement ps = Db.prepare(connection,
                    "SELECT current_setting('autovacuum')::boolean, current_setting('track_counts')::boolean");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new boolean[] {rs.getBoolean(1), rs.getBoolean(2)};
            }
        });
        boolean autovacuum = settings[0];
        if (!settings[1]) {
            logger.warn("PostgreSQL's track_counts is off: neither autovacuum nor this server can tell which tables "
                    + "changed, so planner statistics are not kept current; turn track_counts on");
            return;
        }
        if (autovacuum && upkeep == Upkeep.AUTO) {
            logger.debug("PostgreSQL's autovacuum keeps planner statistics current");
            return;
        }
        if (!autovacuum) {
            logger.warn("PostgreSQL's autovacuum is off: this server analyses ChargeBot's tables as autovacuum would "
                    + "(every {}), but does not vacuum them; turn autovacuum on in production", interval);
        }
        active = true;
        scheduler.scheduleWithFixedDelay(this::runLogged, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether rounds run on this replica (decided at start-up). */
    boolean active() {
        return active;
    }

    private void runLogged() {
        try {
            List<String> analysed = run();
            if (!analysed.isEmpty()) {
                logger.debug("Analysed {}", analysed);
            }
        } catch (RuntimeException e) {
            logger.warn("Analysing tables failed (tried again in {}): {}", interval, e.toString());
        }
    }

    /**
     * One round (also called by tests): analyses the tables due and returns their names; empty when
     * none is due or another replica holds the round's lock.
     */
    List<String> run() {
        return db.transaction(connection -> {
            try (PreparedStatement ps = Db.prepare(connection,
                    "SELECT pg_try_advisory_xact_lock(hashtextextended('chargebot.planner_statistics', 0))");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return List.of();
                }
            }
            List<String> due = new ArrayList<>();
            try (PreparedStatement ps = Db.prepare(connection, "SELECT format('%I.%I', s.schemaname, s.relname) "
                    + "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.schemaname = current_schema() "
                    + "AND s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8 "
                    + "+ current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0) "
                    + "ORDER BY s.n_mod_since_analyze DESC");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(rs.getString(1));
                }
            }
            if (due.isEmpty()) {
                return due;
            }
            try (Statement st = connection.createStatement()) {
                // ANALYZE waits only for DDL and other analyses; a migration holding a table waits for the next round.
                st.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
                for (String table : due) {
                    st.execute("ANALYZE " + table);
                }
            }
            return due;
        });
    }

    @PreDestroy
    void close() {
        scheduler.shutdownNow();
    }
}
