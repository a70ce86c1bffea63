package io.chargebot.server.db;

import com.zaxxer.hikari.HikariDataSource;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one {@code LISTEN} connection of this server, shared by every in-memory copy of database state
 * (session cache, user profile cache, parking lot index). One thread holds one pooled connection,
 * listens on every subscriber's channel, and hands each notification to its subscriber in the order
 * PostgreSQL delivers them (commit order). When the connection is lost it tells every subscriber
 * {@link Subscriber#stopped()} — whatever was sent meanwhile is lost, so a subscriber must stop
 * trusting its copy — and reconnects with back-off; once {@code LISTEN} is in place again it calls
 * {@link Subscriber#listening()}, after which nothing committed is missed.
 */
@Context
public final class DatabaseNotifications {

    /** Something kept current by NOTIFY on one channel. Callbacks run on the listener thread and must be quick. */
    public interface Subscriber {
        /** The channel to LISTEN on (a plain identifier). */
        String channel();

        /**
         * LISTEN is in place: every notification committed from now on will be delivered. Anything
         * before is unknown, so the subscriber starts from the database's current state.
         */
        void listening();

        /** One notification, in commit order. */
        void notified(String payload);

        /** Not listening any more: notifications may be missed until {@link #listening()} is called again. */
        void stopped();
    }

    /** Lots, spots and near reservations changed (triggers of V6 and V12): {@code lot:<id>}, {@code free:<id>}, {@code reload}. */
    public static final String PARKING_CHANNEL = "chargebot_parking";
    private static final Logger logger = LoggerFactory.getLogger(DatabaseNotifications.class);
    /** How the listening connection shows in pg_stat_activity while it listens. */
    static final String APPLICATION_NAME = "chargebot-server notifications";

    private final DataSource dataSource;
    /** Subscribers by channel; several may share one channel. */
    private final Map<String, List<Subscriber>> subscribers = new LinkedHashMap<>();
    private volatile boolean stopped;
    private Thread thread;

    public DatabaseNotifications(DataSource dataSource, List<Subscriber> subscribers) {
        this.dataSource = dataSource;
        for (Subscriber subscriber : subscribers) {
            if (!subscriber.channel().matches("[a-z_][a-z0-9_]*")) {
                throw new IllegalArgumentException("not a channel name: " + subscriber.channel());
            }
            this.subscribers.computeIfAbsent(subscriber.channel(), channel -> new java.util.ArrayList<>()).add(subscriber);
        }
    }

    @PostConstruct
    void start() {
        if (subscribers.isEmpty()) {
            return;
        }
        thread = new Thread(this::run, "chargebot-db-notifications");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long backoffMillis = 100;
        boolean listening = false;
        while (!stopped) {
            Connection connection = null;
            try {
                connection = dataSource.getConnection();
                PGConnection pg = connection.unwrap(PGConnection.class);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("SET application_name = '" + APPLICATION_NAME + "'");
                    for (String channel : subscribers.keySet()) {
                        statement.execute("LISTEN " + channel);
                    }
                }
                listening = true;
                backoffMillis = 100;
                for (List<Subscriber> ofChannel : subscribers.values()) {
                    ofChannel.forEach(subscriber -> call(subscriber, "listening", subscriber::listening));
                }
                long quietSince = System.nanoTime();
                while (!stopped) {
                    // A short wait, so stop() is answered quickly.
                    PGNotification[] notifications = pg.getNotifications(250);
                    if (notifications != null && notifications.length > 0) {
                        quietSince = System.nanoTime();
                        for (PGNotification notification : notifications) {
                            for (Subscriber subscriber : subscribers.getOrDefault(notification.getName(), List.of())) {
                                call(subscriber, "notified", () -> subscriber.notified(notification.getParameter()));
                            }
                        }
                    }
                    if (System.nanoTime() - quietSince > 1_000_000_000L) {
                        // Nothing for a second: make sure the connection is still there.
                        if (!connection.isValid(2)) {
                            throw new SQLException("listener connection lost");
                        }
                        quietSince = System.nanoTime();
                    }
                }
                // Stopping: the connection goes back to the pool, not listening any more.
                Thread.interrupted();
                try (Statement statement = connection.createStatement()) {
                    statement.execute("UNLISTEN *");
                    statement.execute("RESET application_name");
                } catch (SQLException e) {
                    logger.debug("Could not reset the listener connection: {}", e.toString());
                }
            } catch (SQLException | RuntimeException e) {
                if (listening && !stopped) {
                    logger.warn("Database notification listener stopped ({}); caches fall back to the database until it is back",
                            e.toString());
                }
                // The pool did not see the failure (it happened on the unwrapped PGConnection): make
                // sure no caller gets this connection next.
                evict(connection);
            } finally {
                close(connection);
                if (listening) {
                    listening = false;
                    for (List<Subscriber> ofChannel : subscribers.values()) {
                        ofChannel.forEach(subscriber -> call(subscriber, "stopped", subscriber::stopped));
                    }
                }
            }
            if (stopped) {
                return;
            }
            try {
                Thread.sleep(backoffMillis);
            } catch (InterruptedException e) {
                if (stopped) {
                    return;
                }
            }
            backoffMillis = Math.min(5_000, backoffMillis * 2);
        }
    }

    private void evict(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            if (dataSource.isWrapperFor(HikariDataSource.class)) {
                dataSource.unwrap(HikariDataSource.class).evictConnection(connection);
            } else {
                connection.abort(Runnable::run);
            }
        } catch (SQLException | RuntimeException e) {
            logger.debug("Could not evict the listener connection: {}", e.toString());
        }
    }

    private static void close(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            logger.debug("Could not close the listener connection: {}", e.toString());
        }
    }

    private static void call(Subscriber subscriber, String what, Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            logger.error("{} of channel {} failed", what, subscriber.channel(), e);
        }
    }

    /** Sends a notification on {@code channel}, delivered when {@code connection}'s transaction commits. */
    public static void send(Connection connection, String channel, String payload) throws SQLException {
        try (java.sql.PreparedStatement ps = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, channel);
            ps.setString(2, payload);
            ps.execute();
        }
    }

    /** Stops listening (idempotent) and gives the connection back; subscribers are told {@link Subscriber#stopped()}. */
    @PreDestroy
    public void stop() {
        stopped = true;
        Thread running = thread;
        if (running != null) {
            running.interrupt();
            try {
                running.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
