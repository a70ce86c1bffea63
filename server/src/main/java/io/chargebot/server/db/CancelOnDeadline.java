package io.chargebot.server.db;

import com.zaxxer.hikari.HikariDataSource;
import io.grpc.Context;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels the statement running on a connection when the current gRPC call is cancelled or its
 * deadline passes, for as long as the connection is in use. One context listener per unit of work
 * replaces a JDBC query timeout per statement (pgjdbc runs those on one shared timer). A connection
 * whose query was cancelled is evicted from the pool, so a late cancel can never hit another call.
 */
final class CancelOnDeadline implements Context.CancellationListener, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(CancelOnDeadline.class);
    private static final CancelOnDeadline NONE = new CancelOnDeadline(null, null, null);

    private final Context context;
    private final Connection connection;
    private final DataSource dataSource;
    private boolean closed;
    private boolean cancelled;

    private CancelOnDeadline(Context context, Connection connection, DataSource dataSource) {
        this.context = context;
        this.connection = connection;
        this.dataSource = dataSource;
    }

    /** Watches the current call for as long as the returned handle is open. */
    static CancelOnDeadline watch(Connection connection, DataSource dataSource) {
        Context context = Context.current();
        if (context.getDeadline() == null && context == Context.ROOT) {
            return NONE;
        }
        CancelOnDeadline watch = new CancelOnDeadline(context, connection, dataSource);
        context.addListener(watch, Runnable::run);
        return watch;
    }

    @Override
    public synchronized void cancelled(Context context) {
        if (closed || connection == null) {
            return;
        }
        cancelled = true;
        try {
            connection.unwrap(PGConnection.class).cancelQuery();
        } catch (SQLException e) {
            logger.debug("Could not cancel a statement after the call ended: {}", e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (connection == null || closed) {
            return;
        }
        closed = true;
        context.removeListener(this);
        if (cancelled && dataSource instanceof HikariDataSource hikari) {
            hikari.evictConnection(connection);
        }
    }
}
