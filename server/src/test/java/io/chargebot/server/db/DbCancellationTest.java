package io.chargebot.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.testing.TestServers;
import io.grpc.Context;
import io.grpc.Deadline;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Work on behalf of a call stops when the call's deadline passes, and the pool stays healthy. */
class DbCancellationTest {

    private static ChargeBotServer server;
    private static Db db;
    private static final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @BeforeAll
    static void start() {
        server = TestServers.start(Map.of());
        db = server.context().getBean(Db.class);
    }

    @AfterAll
    static void stop() {
        scheduler.shutdownNow();
        server.close();
    }

    @Test
    void aStatementStillRunningAtTheDeadlineIsCancelled() throws Exception {
        Context.CancellableContext call = Context.current().withDeadline(Deadline.after(300, TimeUnit.MILLISECONDS), scheduler);
        try {
            assertThatThrownBy(() -> call.call(() -> db.read(connection -> {
                try (PreparedStatement ps = Db.prepare(connection, "SELECT pg_sleep(20)")) {
                    ps.execute();
                    return "finished";
                }
            })))
                    .isInstanceOf(DataAccessException.class)
                    .satisfies(e -> assertThat(((DataAccessException) e).sqlState()).isEqualTo("57014"));
        } finally {
            call.cancel(null);
        }
        // The cancelled connection was evicted: every pooled connection still answers.
        for (int i = 0; i < 20; i++) {
            Integer answer = db.read(connection -> {
                try (PreparedStatement ps = Db.prepare(connection, "SELECT 42"); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            assertThat(answer).isEqualTo(42);
        }
    }

    @Test
    void aRolledBackTransactionLeavesNothingBehind() {
        assertThatThrownBy(() -> db.transaction(connection -> {
            try (PreparedStatement ps = Db.prepare(connection,
                    "INSERT INTO audit_log (action) VALUES ('db.cancellation.test')")) {
                ps.executeUpdate();
            }
            throw new IllegalStateException("fails half-way");
        })).isInstanceOf(IllegalStateException.class);
        Integer rows = db.read(connection -> {
            try (PreparedStatement ps = Db.prepare(connection,
                    "SELECT count(*) FROM audit_log WHERE action = 'db.cancellation.test'"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        });
        assertThat(rows).isZero();
    }
}
