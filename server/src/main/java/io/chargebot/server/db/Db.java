package io.chargebot.server.db;

import io.chargebot.server.grpc.Deadlines;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;

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

    private final DataSource dataSource;

    public Db(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Runs read-only work in auto-commit mode. */
    public <T> T read(Work<T> work) {
        Deadlines.checkNotExpired();
        try (Connection connection = dataSource.getConnection();
             CancelOnDeadline ignored = CancelOnDeadline.watch(connection, dataSource)) {
            return work.run(connection);
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
                try {
                    T result = work.run(connection);
                    connection.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(connection, e);
                    if (attempt < MAX_ATTEMPTS && e instanceof SQLException sql && isRetryable(sql)) {
                        continue;
                    }
                    throw e;
                } finally {
                    connection.setAutoCommit(true);
                }
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
