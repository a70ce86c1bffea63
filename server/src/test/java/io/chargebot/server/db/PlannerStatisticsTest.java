package io.chargebot.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.server.testing.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server analyses the tables that changed enough, as autovacuum would, one replica at a time. */
class PlannerStatisticsTest {

    private static final String AUDIT_LOG = "public.audit_log";
    private static ChargeBotServer server;
    private static PlannerStatistics statistics;

    @BeforeAll
    static void start() {
        // "on": rounds run whatever the database's autovacuum setting; the interval keeps the schedule out of the way.
        server = TestServers.start(Map.of("chargebot.database.statistics.upkeep", "on",
                "chargebot.database.statistics.interval", "1h"));
        statistics = server.context().getBean(PlannerStatistics.class);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Connection connect() throws SQLException {
        return TestDatabases.connect(server.database());
    }

    /** Inserts {@code rows} audit entries and makes the statistics collector see them at once. */
    private static void audit(int rows) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO audit_log (action) SELECT 'planner.statistics.test' FROM generate_series(1, " + rows + ")");
            st.execute("SELECT pg_stat_force_next_flush()");
        }
    }

    private static long changedSinceAnalysis(String table) throws SQLException {
        try (Connection c = connect();
             PreparedStatement ps = c.prepareStatement("SELECT n_mod_since_analyze FROM pg_stat_user_tables "
                     + "WHERE format('%I.%I', schemaname, relname) = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void awaitChanged(String table, long atLeast) throws Exception {
        long giveUp = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (changedSinceAnalysis(table) < atLeast) {
            if (System.nanoTime() > giveUp) {
                throw new AssertionError(table + " never showed " + atLeast + " changed rows");
            }
            Thread.sleep(50);
        }
    }

    /** autovacuum's rule: more than threshold + scale factor × the rows the planner knows of. */
    private static long threshold(String table) throws SQLException {
        try (Connection c = connect();
             PreparedStatement ps = c.prepareStatement("SELECT floor(current_setting('autovacuum_analyze_threshold')::float8 "
                     + "+ current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(reltuples, 0))::bigint "
                     + "FROM pg_class WHERE oid = ?::regclass")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void aTableIsAnalysedOnceItChangedBeyondAutovacuumsThresholdAndNotBefore() throws Exception {
        audit(500);
        awaitChanged(AUDIT_LOG, 500);
        assertThat(statistics.run()).contains(AUDIT_LOG);
        assertThat(changedSinceAnalysis(AUDIT_LOG)).isZero();
        try (Connection c = connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT c.reltuples, s.last_analyze IS NOT NULL FROM pg_class c "
                     + "JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = 'audit_log'::regclass")) {
            rs.next();
            assertThat(rs.getDouble(1)).as("the planner now knows the table's size").isGreaterThanOrEqualTo(500);
            assertThat(rs.getBoolean(2)).isTrue();
        }

        long threshold = threshold(AUDIT_LOG);
        assertThat(threshold).isGreaterThanOrEqualTo(100);
        audit((int) threshold);
        awaitChanged(AUDIT_LOG, threshold);
        assertThat(statistics.run()).as("exactly the threshold is not more than it").doesNotContain(AUDIT_LOG);
        assertThat(changedSinceAnalysis(AUDIT_LOG)).isEqualTo(threshold);

        audit(1);
        awaitChanged(AUDIT_LOG, threshold + 1);
        assertThat(statistics.run()).contains(AUDIT_LOG);
        assertThat(changedSinceAnalysis(AUDIT_LOG)).isZero();
        assertThat(statistics.run()).as("nothing changed since").doesNotContain(AUDIT_LOG);
    }

    @Test
    void aRoundIsSkippedWhileAnotherReplicaRunsOne() throws Exception {
        audit(500);
        awaitChanged(AUDIT_LOG, 500);
        try (Connection other = connect(); Statement st = other.createStatement()) {
            st.execute("SELECT pg_advisory_lock(hashtextextended('chargebot.planner_statistics', 0))");
            assertThat(statistics.run()).isEmpty();
            assertThat(changedSinceAnalysis(AUDIT_LOG)).isGreaterThanOrEqualTo(500);
            st.execute("SELECT pg_advisory_unlock(hashtextextended('chargebot.planner_statistics', 0))");
        }
        assertThat(statistics.run()).contains(AUDIT_LOG);
    }

    @Test
    void roundsRunWhenAskedToWhateverAutovacuumDoes() {
        assertThat(statistics.active()).isTrue();
    }

    @Test
    void byDefaultRoundsRunOnlyWhenAutovacuumIsOff() throws Exception {
        boolean autovacuum;
        try (Connection c = connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('autovacuum')::boolean")) {
            rs.next();
            autovacuum = rs.getBoolean(1);
        }
        try (ChargeBotServer byDefault = TestServers.start(server.database(), Map.of())) {
            assertThat(byDefault.context().getBean(PlannerStatistics.class).active()).isEqualTo(!autovacuum);
        }
        try (ChargeBotServer off = TestServers.start(server.database(), Map.of("chargebot.database.statistics.upkeep", "off"))) {
            assertThat(off.context().getBean(PlannerStatistics.class).active()).isFalse();
        }
    }

    @Test
    void anUnknownSettingIsRefusedNamingTheProperty() {
        Db db = server.context().getBean(Db.class);
        assertThatThrownBy(() -> new PlannerStatistics(db, "sometimes", Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chargebot.database.statistics.upkeep");
        assertThatThrownBy(() -> new PlannerStatistics(db, "on", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chargebot.database.statistics.interval");
        assertThat(new PlannerStatistics(db, " Auto ", Duration.ofSeconds(5)).active()).isFalse();
    }
}
