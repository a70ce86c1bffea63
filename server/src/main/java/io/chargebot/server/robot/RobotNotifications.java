package io.chargebot.server.robot;

import io.chargebot.server.db.Db;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL LISTEN/NOTIFY between replicas (the pattern of auth.SessionCache): {@code
 * chargebot_robot_commands} (sent by a trigger whenever commands are queued) wakes the replicas that
 * hold bridge streams; {@code chargebot_robot_states} carries the ids of robots whose watched state
 * changed, tagged with the sending replica so it skips its own (it has already fanned them out).
 * Nothing depends on a notification arriving: commands are also polled and watchers re-subscribe.
 */
@Singleton
final class RobotNotifications {

    static final String COMMANDS = "chargebot_robot_commands";
    static final String STATES = "chargebot_robot_states";
    private static final Logger logger = LoggerFactory.getLogger(RobotNotifications.class);
    /** NOTIFY payloads are limited to 8000 bytes: at most this many robot ids per notification. */
    private static final int IDS_PER_NOTIFICATION = 200;

    private final DataSource dataSource;
    private final Db db;
    private final RobotSettings settings;
    private volatile boolean stopped;
    private Thread listener;

    RobotNotifications(DataSource dataSource, Db db, RobotSettings settings) {
        this.dataSource = dataSource;
        this.db = db;
        this.settings = settings;
    }

    /** Starts listening; {@code onCommands} runs when commands were queued, {@code onStates} with robots changed elsewhere. */
    synchronized void start(Runnable onCommands, Consumer<Set<UUID>> onStates) {
        if (listener != null) {
            return;
        }
        listener = new Thread(() -> listen(onCommands, onStates), "chargebot-robot-listener");
        listener.setDaemon(true);
        listener.start();
    }

    /** Tells the other replicas that these robots changed (after commit; failures are logged, not thrown). */
    void statesChanged(Collection<UUID> robotIds) {
        if (robotIds.isEmpty() || stopped) {
            return;
        }
        try {
            db.statement(connection -> {
                StringBuilder payload = new StringBuilder(settings.serverId);
                int n = 0;
                for (UUID id : robotIds) {
                    payload.append(',').append(id);
                    if (++n == IDS_PER_NOTIFICATION) {
                        send(connection, payload.toString());
                        payload = new StringBuilder(settings.serverId);
                        n = 0;
                    }
                }
                if (n > 0) {
                    send(connection, payload.toString());
                }
                return null;
            });
        } catch (RuntimeException e) {
            logger.warn("Could not notify other replicas of robot changes: {}", e.toString());
        }
    }

    private static void send(Connection connection, String payload) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "SELECT pg_notify(?, ?)")) {
            ps.setString(1, STATES);
            ps.setString(2, payload);
            ps.execute();
        }
    }

    private void listen(Runnable onCommands, Consumer<Set<UUID>> onStates) {
        long backoffMillis = 100;
        while (!stopped) {
            try (Connection connection = dataSource.getConnection()) {
                PGConnection pg = connection.unwrap(PGConnection.class);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + COMMANDS);
                    statement.execute("LISTEN " + STATES);
                }
                backoffMillis = 100;
                // Anything queued while not listening is picked up now.
                onCommands.run();
                while (!stopped) {
                    PGNotification[] notifications = pg.getNotifications(1000);
                    if (notifications != null) {
                        boolean commands = false;
                        Set<UUID> robots = new HashSet<>();
                        for (PGNotification n : notifications) {
                            if (n.getName().equals(COMMANDS)) {
                                commands = true;
                            } else {
                                parse(n.getParameter(), robots);
                            }
                        }
                        if (commands) {
                            onCommands.run();
                        }
                        if (!robots.isEmpty()) {
                            onStates.accept(robots);
                        }
                    }
                    if (!connection.isValid(2)) {
                        throw new SQLException("listener connection lost");
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!stopped) {
                    logger.warn("Robot notification listener stopped ({}); retrying", e.toString());
                }
            }
            if (stopped) {
                return;
            }
            try {
                Thread.sleep(backoffMillis);
            } catch (InterruptedException e) {
                return;
            }
            backoffMillis = Math.min(5_000, backoffMillis * 2);
        }
    }

    private void parse(String payload, Set<UUID> robots) {
        String[] parts = payload.split(",");
        if (parts.length == 0 || parts[0].equals(settings.serverId)) {
            return;
        }
        for (int i = 1; i < parts.length; i++) {
            try {
                robots.add(UUID.fromString(parts[i]));
            } catch (IllegalArgumentException e) {
                // Not ours to interpret.
            }
        }
    }

    /** Stops listening and waits (bounded) for the listener to give its connection back. */
    @PreDestroy
    void stop() {
        stopped = true;
        Thread running;
        synchronized (this) {
            running = listener;
        }
        if (running != null) {
            running.interrupt();
            Workers.join(running);
        }
    }
}
