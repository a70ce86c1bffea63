package io.chargebot.server.auth;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers, for a few seconds, that a session is open, so authenticated calls need no database
 * round trip. Correctness does not depend on the time limit: every revocation (sign-out, password
 * change or reset, refresh-token reuse, account deletion, role change) goes through {@link Sessions},
 * which drops the entry here at once and sends {@code NOTIFY chargebot_sessions} in the same
 * transaction, so every other replica drops it as soon as the change commits. While this replica is
 * not listening (database down, reconnecting), nothing is cached and every call is checked in the
 * database.
 */
@Singleton
public final class SessionCache {

    static final String CHANNEL = "chargebot_sessions";
    private static final Logger logger = LoggerFactory.getLogger(SessionCache.class);
    private static final int MAX_ENTRIES = 100_000;

    /** What was checked: the session is open and belongs to this user with this role. */
    record Entry(UUID userId, Role role, long checkedAtNanos) {}

    private final DataSource dataSource;
    private final long ttlNanos;
    private final Map<UUID, Entry> entries = new ConcurrentHashMap<>();
    /** Bumped on every invalidation, so a check that raced with a revocation is not cached. */
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean listening;
    private volatile boolean stopped;
    private Thread listener;

    public SessionCache(DataSource dataSource, @Value("${chargebot.auth.session-cache-ttl:5s}") Duration ttl) {
        this.dataSource = dataSource;
        this.ttlNanos = ttl.toNanos();
    }

    @PostConstruct
    void start() {
        if (ttlNanos <= 0) {
            return;
        }
        listener = new Thread(this::listen, "chargebot-session-listener");
        listener.setDaemon(true);
        listener.start();
    }

    /** The generation to pass to {@link #put} after checking a session in the database. */
    long generation() {
        return generation.get();
    }

    /** A still-fresh entry for an open session, or null. */
    @Nullable
    Entry get(UUID sessionId) {
        if (!listening) {
            return null;
        }
        Entry entry = entries.get(sessionId);
        if (entry == null || System.nanoTime() - entry.checkedAtNanos() > ttlNanos) {
            return null;
        }
        return entry;
    }

    /** Remembers an open session checked at {@code generationBeforeCheck}, unless something was revoked since. */
    void put(UUID sessionId, UUID userId, Role role, long generationBeforeCheck) {
        if (!listening || generation.get() != generationBeforeCheck) {
            return;
        }
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        entries.put(sessionId, new Entry(userId, role, System.nanoTime()));
    }

    /** Forgets one session here, now, and tells the other replicas when {@code connection} commits. */
    void invalidateSession(Connection connection, UUID sessionId) throws SQLException {
        invalidateLocally("session:" + sessionId);
        notifyOthers(connection, "session:" + sessionId);
    }

    /** Forgets every session of a user here, now, and tells the other replicas when {@code connection} commits. */
    void invalidateUser(Connection connection, UUID userId) throws SQLException {
        invalidateLocally("user:" + userId);
        notifyOthers(connection, "user:" + userId);
    }

    private void invalidateLocally(String what) {
        generation.incrementAndGet();
        if (what.startsWith("session:")) {
            entries.remove(UUID.fromString(what.substring("session:".length())));
        } else if (what.startsWith("user:")) {
            UUID user = UUID.fromString(what.substring("user:".length()));
            entries.values().removeIf(entry -> entry.userId().equals(user));
        } else {
            entries.clear();
        }
    }

    private static void notifyOthers(Connection connection, String payload) throws SQLException {
        try (java.sql.PreparedStatement ps = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, CHANNEL);
            ps.setString(2, payload);
            ps.execute();
        }
    }

    private void listen() {
        long backoffMillis = 100;
        while (!stopped) {
            try (Connection connection = dataSource.getConnection()) {
                PGConnection pg = connection.unwrap(PGConnection.class);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                // Anything revoked while we were not listening is unknown: start empty.
                invalidateLocally("all");
                listening = true;
                backoffMillis = 100;
                while (!stopped) {
                    PGNotification[] notifications = pg.getNotifications(1000);
                    if (notifications != null) {
                        for (PGNotification notification : notifications) {
                            invalidateLocally(notification.getParameter());
                        }
                    }
                    if (!connection.isValid(2)) {
                        throw new SQLException("listener connection lost");
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (listening) {
                    logger.warn("Session invalidation listener stopped ({}); checking every call in the database until it is back",
                            e.toString());
                }
            } finally {
                listening = false;
                invalidateLocally("all");
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

    /** Stops listening (idempotent); from now on every call is checked in the database. */
    @PreDestroy
    public void stop() {
        stopped = true;
        listening = false;
        if (listener != null) {
            listener.interrupt();
        }
    }
}
