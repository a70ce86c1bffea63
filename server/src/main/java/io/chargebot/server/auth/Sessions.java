package io.chargebot.server.auth;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.audit.AuditLog;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.grpc.Status;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions and their rotating refresh tokens. A session is a signed-in device and the family of
 * its refresh tokens: each refresh exchanges the token for a new one; presenting an already
 * exchanged token means it was stolen or replayed, so the whole session is revoked (and audited) —
 * the thief's and the owner's newer tokens stop working alike. Refresh tokens are opaque random
 * strings stored only as SHA-256 hashes.
 */
@Singleton
public final class Sessions {

    private static final Logger logger = LoggerFactory.getLogger(Sessions.class);

    /** Tokens handed to the client. */
    public record Tokens(AccessTokens.Issued access, String refreshToken, Instant refreshExpiresAt, UUID sessionId,
                         UUID userId) {}

    private final AccessTokens accessTokens;
    private final SessionCache cache;
    private final AuditLog audit;
    private final Clock clock;
    private final Duration refreshLifetime;
    private final Duration sessionLifetime;
    private final SecureRandom random = new SecureRandom();

    public Sessions(AccessTokens accessTokens, SessionCache cache, AuditLog audit, Clock clock,
                    @Value("${chargebot.auth.refresh-token-lifetime:30d}") Duration refreshLifetime,
                    @Value("${chargebot.auth.session-lifetime:90d}") Duration sessionLifetime) {
        this.accessTokens = accessTokens;
        this.cache = cache;
        this.audit = audit;
        this.clock = clock;
        this.refreshLifetime = refreshLifetime;
        this.sessionLifetime = sessionLifetime;
    }

    /** Opens a session for {@code userId} in the caller's transaction and issues its first tokens. */
    public Tokens open(Connection connection, UUID userId, Role role, @Nullable String userAgent,
                       @Nullable String clientAddress) throws SQLException {
        UUID sessionId = UUID.randomUUID();
        Instant now = clock.instant();
        try (PreparedStatement ps = Db.prepare(connection,
                "INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, user_agent, client_address) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, sessionId);
            ps.setObject(2, userId);
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setTimestamp(4, Timestamp.from(now));
            ps.setTimestamp(5, Timestamp.from(now.plus(sessionLifetime)));
            ps.setString(6, userAgent == null ? null : truncate(userAgent, 200));
            ps.setString(7, clientAddress);
            ps.executeUpdate();
        }
        return issue(connection, sessionId, userId, role, now, now.plus(sessionLifetime));
    }

    /**
     * Exchanges a refresh token for new tokens. Unknown, expired or revoked → REFRESH_TOKEN_INVALID;
     * an already exchanged token → the session is revoked, audited, and REFRESH_TOKEN_INVALID.
     */
    public Tokens refresh(Db db, String refreshToken) {
        byte[] hash = hash(refreshToken);
        // Reuse detection must commit even though the call fails, so it returns instead of throwing.
        Object outcome = db.transaction(connection -> {
            Instant now = clock.instant();
            try (PreparedStatement ps = Db.prepare(connection,
                    "SELECT t.session_id, t.expires_at, t.rotated_at, s.user_id, s.revoked_at, s.expires_at, u.role, u.deleted_at "
                    + "FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id "
                    + "WHERE t.token_hash = ? FOR UPDATE OF t, s")) {
                ps.setBytes(1, hash);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return invalid();
                    }
                    UUID sessionId = rs.getObject(1, UUID.class);
                    Instant tokenExpires = rs.getTimestamp(2).toInstant();
                    boolean rotated = rs.getTimestamp(3) != null;
                    UUID userId = rs.getObject(4, UUID.class);
                    boolean revoked = rs.getTimestamp(5) != null;
                    Instant sessionExpires = rs.getTimestamp(6).toInstant();
                    Role role = Role.valueOf(rs.getString(7));
                    boolean deleted = rs.getTimestamp(8) != null;
                    if (rotated) {
                        if (!revoked) {
                            revoke(connection, sessionId, "refresh token reused");
                            audit.record(connection, userId.toString(), role.name(), "auth.refresh_token_reused",
                                    "users/" + userId, "a rotated refresh token was presented again",
                                    Map.of("session", sessionId.toString()));
                            logger.warn("Refresh token reuse: session {} of user {} revoked", sessionId, userId);
                        }
                        return invalid();
                    }
                    if (revoked || deleted || !tokenExpires.isAfter(now) || !sessionExpires.isAfter(now)) {
                        return invalid();
                    }
                    try (PreparedStatement rotate = Db.prepare(connection,
                            "UPDATE refresh_tokens SET rotated_at = ? WHERE token_hash = ?")) {
                        rotate.setTimestamp(1, Timestamp.from(now));
                        rotate.setBytes(2, hash);
                        rotate.executeUpdate();
                    }
                    try (PreparedStatement touch = Db.prepare(connection,
                            "UPDATE sessions SET last_used_at = ? WHERE id = ?")) {
                        touch.setTimestamp(1, Timestamp.from(now));
                        touch.setObject(2, sessionId);
                        touch.executeUpdate();
                    }
                    return issue(connection, sessionId, userId, role, now, sessionExpires);
                }
            }
        });
        if (outcome instanceof Tokens tokens) {
            return tokens;
        }
        throw (ApiException) outcome;
    }

    /** Revokes one session (sign-out); its access tokens are refused from now on. */
    public void revoke(Connection connection, UUID sessionId, String reason) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection,
                "UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL")) {
            ps.setTimestamp(1, Timestamp.from(clock.instant()));
            ps.setString(2, reason);
            ps.setObject(3, sessionId);
            ps.executeUpdate();
        }
        cache.invalidateSession(connection, sessionId);
    }

    /** Revokes every session of a user except {@code keep} (may be null). Returns how many. */
    public int revokeAll(Connection connection, UUID userId, @Nullable UUID keep, String reason) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection,
                "UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE user_id = ? AND revoked_at IS NULL "
                + "AND (?::uuid IS NULL OR id <> ?::uuid)")) {
            ps.setTimestamp(1, Timestamp.from(clock.instant()));
            ps.setString(2, reason);
            ps.setObject(3, userId);
            ps.setObject(4, keep);
            ps.setObject(5, keep);
            int revoked = ps.executeUpdate();
            cache.invalidateUser(connection, userId);
            return revoked;
        }
    }

    private Tokens issue(Connection connection, UUID sessionId, UUID userId, Role role, Instant now,
                         Instant sessionExpires) throws SQLException {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String refreshToken = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Instant refreshExpires = now.plus(refreshLifetime).isBefore(sessionExpires) ? now.plus(refreshLifetime) : sessionExpires;
        try (PreparedStatement ps = Db.prepare(connection,
                "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)")) {
            ps.setBytes(1, hash(refreshToken));
            ps.setObject(2, sessionId);
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setTimestamp(4, Timestamp.from(refreshExpires));
            ps.executeUpdate();
        }
        return new Tokens(accessTokens.issueForUser(userId, role, sessionId), refreshToken, refreshExpires, sessionId, userId);
    }

    private static ApiException invalid() {
        return new ApiException(Status.Code.UNAUTHENTICATED, ErrorReason.REFRESH_TOKEN_INVALID,
                "the refresh token is invalid, expired or already used; sign in again");
    }

    static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
