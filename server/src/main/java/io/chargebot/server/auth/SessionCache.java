package io.chargebot.server.auth;

import io.chargebot.server.db.DatabaseNotifications;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Remembers, for a few seconds, that a session is open, so authenticated calls need no database
 * round trip. Correctness does not depend on the time limit: every revocation (sign-out, password
 * change or reset, refresh-token reuse, account deletion, role change) goes through {@link Sessions},
 * which drops the entry here at once and sends {@code NOTIFY chargebot_sessions} in the same
 * transaction, so every other replica drops it as soon as the change commits. While this replica is
 * not listening (database down, reconnecting), nothing is cached and every call is checked in the
 * database. The LISTEN connection is the server's shared one ({@link DatabaseNotifications}).
 */
@Singleton
public final class SessionCache implements DatabaseNotifications.Subscriber {

    static final String CHANNEL = "chargebot_sessions";
    private static final int MAX_ENTRIES = 100_000;

    /** What was checked: the session is open and belongs to this user with this role. */
    record Entry(UUID userId, Role role, long checkedAtNanos) {}

    private final long ttlNanos;
    private final Map<UUID, Entry> entries = new ConcurrentHashMap<>();
    /** Bumped on every invalidation, so a check that raced with a revocation is not cached. */
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean listening;

    public SessionCache(@Value("${chargebot.auth.session-cache-ttl:5s}") Duration ttl) {
        this.ttlNanos = ttl.toNanos();
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
        DatabaseNotifications.send(connection, CHANNEL, payload);
    }

    @Override
    public String channel() {
        return CHANNEL;
    }

    @Override
    public void listening() {
        // Anything revoked while we were not listening is unknown: start empty.
        invalidateLocally("all");
        listening = ttlNanos > 0;
    }

    @Override
    public void notified(String payload) {
        invalidateLocally(payload);
    }

    @Override
    public void stopped() {
        listening = false;
        invalidateLocally("all");
    }
}
