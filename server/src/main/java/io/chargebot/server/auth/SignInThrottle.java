package io.chargebot.server.auth;

import io.chargebot.server.db.Db;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Brute-force protection for sign-in, per account and per caller address (modelled on Keycloak's
 * brute-force detector). Counters are keyed by the login id as typed (lower-cased), whether or not
 * such an account exists, so the protection itself reveals nothing. After {@code threshold}
 * consecutive failures the key is locked for a period that doubles with every further failure, up
 * to a maximum; while locked, sign-in fails with the usual reply whatever the password, and those
 * attempts are not counted. Success resets the account's counter; failures older than the reset
 * window are forgotten.
 */
@Singleton
public final class SignInThrottle {

    private final Db db;
    private final Clock clock;
    private final int accountThreshold;
    private final int addressThreshold;
    private final Duration baseLock;
    private final Duration maxLock;
    private final Duration resetAfter;

    public SignInThrottle(Db db, Clock clock,
                          @Value("${chargebot.auth.brute-force.account-threshold:5}") int accountThreshold,
                          @Value("${chargebot.auth.brute-force.address-threshold:30}") int addressThreshold,
                          @Value("${chargebot.auth.brute-force.base-lock:1m}") Duration baseLock,
                          @Value("${chargebot.auth.brute-force.max-lock:15m}") Duration maxLock,
                          @Value("${chargebot.auth.brute-force.reset-after:12h}") Duration resetAfter) {
        this.db = db;
        this.clock = clock;
        this.accountThreshold = accountThreshold;
        this.addressThreshold = addressThreshold;
        this.baseLock = baseLock;
        this.maxLock = maxLock;
        this.resetAfter = resetAfter;
    }

    static String accountKey(String loginId) {
        return "login:" + loginId.toLowerCase(Locale.ROOT);
    }

    static String addressKey(String address) {
        return "addr:" + address;
    }

    /** Whether sign-in for this login id or from this address is locked right now. */
    public boolean isLocked(String loginId, @Nullable String address) {
        Instant now = clock.instant();
        return db.read(connection -> lockedUntil(connection, accountKey(loginId), now)
                || (address != null && lockedUntil(connection, addressKey(address), now)));
    }

    /** Counts a failed attempt against the account and the address. */
    public void recordFailure(String loginId, @Nullable String address) {
        Instant now = clock.instant();
        db.transaction(connection -> {
            count(connection, accountKey(loginId), accountThreshold, now);
            if (address != null) {
                count(connection, addressKey(address), addressThreshold, now);
            }
            return null;
        });
    }

    /** Forgets the account's failures after a successful sign-in. */
    public void recordSuccess(Connection connection, String loginId) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "DELETE FROM sign_in_throttle WHERE throttle_key = ?")) {
            ps.setString(1, accountKey(loginId));
            ps.executeUpdate();
        }
    }

    private static boolean lockedUntil(Connection connection, String key, Instant now) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection,
                "SELECT locked_until FROM sign_in_throttle WHERE throttle_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                Timestamp until = rs.getTimestamp(1);
                return until != null && until.toInstant().isAfter(now);
            }
        }
    }

    private void count(Connection connection, String key, int threshold, Instant now) throws SQLException {
        int failures;
        try (PreparedStatement ps = Db.prepare(connection,
                "INSERT INTO sign_in_throttle AS t (throttle_key, failures, last_failure_at) VALUES (?, 1, ?) "
                + "ON CONFLICT (throttle_key) DO UPDATE SET "
                + "failures = CASE WHEN t.last_failure_at < ? THEN 1 ELSE t.failures + 1 END, last_failure_at = ? "
                + "RETURNING failures")) {
            ps.setString(1, key);
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setTimestamp(3, Timestamp.from(now.minus(resetAfter)));
            ps.setTimestamp(4, Timestamp.from(now));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                failures = rs.getInt(1);
            }
        }
        if (failures >= threshold) {
            int doublings = Math.min(20, failures - threshold);
            Duration lock = baseLock.multipliedBy(1L << doublings);
            if (lock.compareTo(maxLock) > 0) {
                lock = maxLock;
            }
            try (PreparedStatement ps = Db.prepare(connection,
                    "UPDATE sign_in_throttle SET locked_until = ? WHERE throttle_key = ?")) {
                ps.setTimestamp(1, Timestamp.from(now.plus(lock)));
                ps.setString(2, key);
                ps.executeUpdate();
            }
        }
    }
}
