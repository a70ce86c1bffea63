package io.chargebot.server.db;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chargebot.server.grpc.Deadlines;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small JDBC helper over the pool: work stops when the caller's deadline passes (see
 * {@link CancelOnDeadline}), and transactions commit or roll back as a whole (retrying serialization failures and
 * deadlocks, which PostgreSQL reports for concurrent constraint checks).
 */
@Singleton
public final class Db {

    /** Work done with a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private static final int MAX_ATTEMPTS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger logger = LoggerFactory.getLogger(Db.class);
    /** The units of work running on this thread (innermost last), each with its after-commit actions. */
    private static final ThreadLocal<ArrayDeque<Unit>> UNITS = ThreadLocal.withInitial(ArrayDeque::new);

    private static final class Unit {
        final Connection connection;
        @Nullable
        List<Runnable> afterCommit;

        Unit(Connection connection) {
            this.connection = connection;
        }
    }

    private final DataSource dataSource;

    public Db(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Runs read-only work in auto-commit mode. */
    public <T> T read(Work<T> work) {
        Deadlines.checkNotExpired();
        try (Connection connection = dataSource.getConnection();
             CancelOnDeadline ignored = CancelOnDeadline.watch(connection, dataSource)) {
            Unit unit = begin(connection);
            try {
                return work.run(connection);
            } finally {
                // Auto-commit: whatever was written is committed, even if the work failed afterwards.
                end(unit, true);
            }
        } catch (SQLException e) {
            throw new DataAccessException(e);
        }
    }

    /**
     * Runs {@code work} — a single data-changing statement, atomic by itself, plus at most reads —
     * in auto-commit mode: one round trip less than {@link #transaction} (no COMMIT). Serialization
     * failures and deadlocks are retried like there, so {@code work} must be repeatable.
     */
    public <T> T statement(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            Deadlines.checkNotExpired();
            try (Connection connection = dataSource.getConnection();
                 CancelOnDeadline ignored = CancelOnDeadline.watch(connection, dataSource)) {
                return work.run(connection);
            } catch (SQLException e) {
                if (attempt < MAX_ATTEMPTS && isRetryable(e)) {
                    continue;
                }
                throw new DataAccessException(e);
            }
        }
    }

    /**
     * Runs {@code work} in one transaction: all of it commits or none of it does. Serialization
     * failures (40001) and deadlocks (40P01) are retried a few times, so {@code work} must be
     * repeatable.
     */
    public <T> T transaction(Work<T> work) {
        try {
            return transactionWithRetries(work);
        } catch (SQLException e) {
            throw new DataAccessException(e);
        }
    }

    private <T> T transactionWithRetries(Work<T> work) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            Deadlines.checkNotExpired();
            try (Connection connection = dataSource.getConnection();
                 CancelOnDeadline ignored = CancelOnDeadline.watch(connection, dataSource)) {
                connection.setAutoCommit(false);
                Unit unit = begin(connection);
                boolean committed = false;
                try {
                    T result = work.run(connection);
                    connection.commit();
                    committed = true;
                    return result;
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(connection, e);
                    if (attempt < MAX_ATTEMPTS && e instanceof SQLException sql && isRetryable(sql)) {
                        continue;
                    }
                    throw e;
                } finally {
                    end(unit, committed);
                    connection.setAutoCommit(true);
                }
            }
        }
    }

    /**
     * Runs {@code action} on this thread once the work of {@link #read}/{@link #transaction} that owns
     * {@code connection} has committed — never if it rolls back (a retried transaction registers its
     * actions again). For in-memory copies of database state that must show a change made through
     * this server before the call that made it returns: dropping an entry after the commit means no
     * concurrent reader can put back what it read before the commit (see the caches' generations).
     * On a connection not handed out by this class, the action runs at once.
     */
    public static void afterCommit(Connection connection, Runnable action) {
        for (Unit unit : UNITS.get()) {
            if (unit.connection == connection) {
                if (unit.afterCommit == null) {
                    unit.afterCommit = new ArrayList<>(2);
                }
                unit.afterCommit.add(action);
                return;
            }
        }
        action.run();
    }

    private static Unit begin(Connection connection) {
        Unit unit = new Unit(connection);
        UNITS.get().addLast(unit);
        return unit;
    }

    private static void end(Unit unit, boolean committed) {
        UNITS.get().removeLastOccurrence(unit);
        if (!committed || unit.afterCommit == null) {
            return;
        }
        for (Runnable action : unit.afterCommit) {
            try {
                action.run();
            } catch (RuntimeException e) {
                logger.error("An after-commit action failed", e);
            }
        }
    }

    /**
     * Prepares {@code sql}. Statements run inside {@link #read}/{@link #transaction} are cancelled when
     * the caller's deadline passes or the call is cancelled; PostgreSQL's statement_timeout (30 s,
     * set on every connection) caps everything else.
     */
    public static PreparedStatement prepare(Connection connection, String sql) throws SQLException {
        return connection.prepareStatement(sql);
    }

    /**
     * {@code fields} as the text of a JSON object, keys in order, for a {@code ?::jsonb} parameter (or
     * wherever a flat string map is shown as JSON): every string quoted and escaped by Jackson.
     */
    public static String jsonObject(Map<String, String> fields) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(fields));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not serialisable as JSON: " + fields.keySet(), e);
        }
    }

    static boolean isRetryable(SQLException e) {
        return "40001".equals(e.getSQLState()) || "40P01".equals(e.getSQLState());
    }

    private static void rollbackQuietly(Connection connection, Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException rollback) {
            cause.addSuppressed(rollback);
        }
    }
}
