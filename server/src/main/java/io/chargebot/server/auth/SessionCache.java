package io.chargebot.server.auth;

import io.chargebot.server.db.DatabaseNotifications;
import io.chargebot.server.db.NotifiedCache;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;

/**
 * Remembers, for a few seconds, that a session is open, so authenticated calls need no database
 * round trip. Correctness does not depend on the time limit: every revocation (sign-out, password
 * change or reset, refresh-token reuse, account deletion, role change) goes through {@link Sessions},
 * which drops the entry here at once and sends {@code NOTIFY chargebot_sessions} in the same
 * transaction, so every other replica drops it as soon as the change commits. While this replica is
 * not listening (database down, reconnecting), nothing is cached and every call is checked in the
 * database. The LISTEN connection is the server's shared one ({@link DatabaseNotifications}); the
 * mechanics (generation check against stale put-back, time limit) are {@link NotifiedCache}'s.
 */
@Singleton
public final class SessionCache extends NotifiedCache<UUID, SessionCache.Entry> {

    static final String CHANNEL = "chargebot_sessions";
    private static final int MAX_ENTRIES = 100_000;
    private static final String SESSION = "session:";
    private static final String USER = "user:";

    /** What was checked: the session is open and belongs to this user with this role. */
    record Entry(UUID userId, Role role) {}

    public SessionCache(@Value("${chargebot.auth.session-cache-ttl:5s}") Duration ttl) {
        super(CHANNEL, ttl, MAX_ENTRIES);
    }

    /** Forgets one session here, now, and tells the other replicas when {@code connection} commits. */
    void invalidateSession(Connection connection, UUID sessionId) throws SQLException {
        invalidate(sessionId);
        DatabaseNotifications.send(connection, CHANNEL, SESSION + sessionId);
    }

    /** Forgets every session of a user here, now, and tells the other replicas when {@code connection} commits. */
    void invalidateUser(Connection connection, UUID userId) throws SQLException {
        invalidateIf(entry -> entry.userId().equals(userId));
        DatabaseNotifications.send(connection, CHANNEL, USER + userId);
    }

    @Override
    @Nullable
    protected UUID keyOf(String payload) {
        return payload.startsWith(SESSION) ? uuid(payload.substring(SESSION.length())) : null;
    }

    @Override
    public void notified(String payload) {
        UUID user = payload.startsWith(USER) ? uuid(payload.substring(USER.length())) : null;
        if (user != null) {
            invalidateIf(entry -> entry.userId().equals(user));
        } else {
            super.notified(payload);
        }
    }

    @Nullable
    private static UUID uuid(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
