package io.chargebot.server.auth;

import io.chargebot.server.DaemonThreads;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.messaging.EmailSender;
import io.chargebot.server.messaging.MessageSendException;
import io.chargebot.server.messaging.SmsSender;
import io.grpc.Status;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-time verification codes (seed 001 /tel_auth, /tel-auth-check; seed 000 e-mail auth) and the
 * single-use proofs they buy. Codes are digits from a CSPRNG (6 by default; the seed's 4 are too
 * weak), stored only as salted SHA-256, valid 5 minutes, at most 5 tries; a new code replaces the
 * previous one. Sending is limited by a resend cool-down and hourly caps per target and per caller
 * address. A proof is bound to its purpose and target, valid 10 minutes, usable once.
 */
@Singleton
public final class Verifications {

    private static final Logger logger = LoggerFactory.getLogger(Verifications.class);

    /** Channels and purposes as stored (they match the proto enum names without prefix). */
    public enum Channel { SMS, EMAIL }

    public enum Purpose { SIGN_UP, FIND_LOGIN_ID, RESET_PASSWORD, CHANGE_PHONE, CHANGE_EMAIL }

    /** What the caller learns after sending. */
    public record Sent(String normalizedTarget, Instant expiresAt, int expiresInSeconds, int resendAfterSeconds,
                       int codeLength) {}

    /** A proof from VerifyCode. */
    public record Proof(String token, Instant expiresAt) {}

    /** What a consumed proof proves. */
    public record ProvenTarget(Channel channel, String target) {}

    private final Db db;
    private final SmsSender sms;
    private final EmailSender email;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final ExecutorService quietSender = Executors.newSingleThreadExecutor(DaemonThreads.named("chargebot-quiet-sender"));
    private final int codeLength;
    private final Duration codeLifetime;
    private final int maxAttempts;
    private final Duration cooldown;
    private final int perTargetHourly;
    private final int perAddressHourly;
    private final Duration proofLifetime;

    public Verifications(Db db, SmsSender sms, EmailSender email, Clock clock,
                         @Value("${chargebot.verification.code-length:6}") int codeLength,
                         @Value("${chargebot.verification.code-lifetime:5m}") Duration codeLifetime,
                         @Value("${chargebot.verification.max-attempts:5}") int maxAttempts,
                         @Value("${chargebot.verification.resend-cooldown:60s}") Duration cooldown,
                         @Value("${chargebot.verification.per-target-hourly:5}") int perTargetHourly,
                         @Value("${chargebot.verification.per-address-hourly:20}") int perAddressHourly,
                         @Value("${chargebot.verification.proof-lifetime:10m}") Duration proofLifetime) {
        if (codeLength < 6 || codeLength > 10) {
            throw new ConfigurationException("chargebot.verification.code-length: " + codeLength + " (expected: 6..10)");
        }
        this.db = db;
        this.sms = sms;
        this.email = email;
        this.clock = clock;
        this.codeLength = codeLength;
        this.codeLifetime = codeLifetime;
        this.maxAttempts = maxAttempts;
        this.cooldown = cooldown;
        this.perTargetHourly = perTargetHourly;
        this.perAddressHourly = perAddressHourly;
        this.proofLifetime = proofLifetime;
    }

    /**
     * Creates a code and sends it. With {@code deliver} false (a public purpose whose target has no
     * account) everything happens the same way — limits, reply — except that nothing is sent, so
     * the reply does not reveal whether an account exists. Quiet purposes are delivered in the
     * background so timing does not tell either.
     */
    public Sent send(Channel channel, Purpose purpose, String target, @Nullable String requesterAddress,
                     boolean deliver, boolean background) {
        Instant now = clock.instant();
        String code = newCode();
        UUID id = UUID.randomUUID();
        Object outcome = db.transaction(connection -> {
            try (PreparedStatement lock = Db.prepare(connection, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, "verification:" + target);
                lock.execute();
            }
            ApiException limited = checkLimits(connection, purpose, target, requesterAddress, now);
            if (limited != null) {
                return limited;
            }
            // A new code replaces pending ones: they count as used up.
            try (PreparedStatement supersede = Db.prepare(connection,
                    "UPDATE verifications SET attempts = max_attempts WHERE target = ? AND purpose = ? AND channel = ? "
                    + "AND verified_at IS NULL AND attempts < max_attempts")) {
                supersede.setString(1, target);
                supersede.setString(2, purpose.name());
                supersede.setString(3, channel.name());
                supersede.executeUpdate();
            }
            try (PreparedStatement insert = Db.prepare(connection,
                    "INSERT INTO verifications (id, channel, purpose, target, code_hash, max_attempts, requester_address, "
                    + "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                insert.setObject(1, id);
                insert.setString(2, channel.name());
                insert.setString(3, purpose.name());
                insert.setString(4, target);
                insert.setBytes(5, codeHash(id, code));
                insert.setInt(6, maxAttempts);
                insert.setString(7, requesterAddress);
                insert.setTimestamp(8, Timestamp.from(now));
                insert.setTimestamp(9, Timestamp.from(now.plus(codeLifetime)));
                insert.executeUpdate();
            }
            return null;
        });
        if (outcome instanceof ApiException limited) {
            throw limited;
        }
        if (deliver) {
            if (background) {
                quietSender.execute(() -> {
                    try {
                        deliver(channel, target, code);
                    } catch (MessageSendException e) {
                        logger.warn("Verification code for {} could not be sent: {}", purpose, e.getMessage());
                        expire(id);
                    }
                });
            } else {
                try {
                    deliver(channel, target, code);
                } catch (MessageSendException e) {
                    expire(id);
                    throw new ApiException(Status.Code.UNAVAILABLE, ErrorReason.MESSAGE_SEND_FAILED,
                            "the verification code could not be sent; try again later", List.of(), Map.of(),
                            Duration.ofSeconds(10));
                }
            }
        }
        return new Sent(target, now.plus(codeLifetime), (int) codeLifetime.toSeconds(), (int) cooldown.toSeconds(), codeLength);
    }

    /**
     * Checks a code and, if right, returns a proof. Wrong, expired, used-up or unknown codes are
     * all VERIFICATION_FAILED; each wrong try counts (committed even though the call fails).
     */
    public Proof verify(Channel channel, Purpose purpose, String target, String code) {
        Instant now = clock.instant();
        Object outcome = db.transaction(connection -> {
            UUID id;
            int attempts;
            int max;
            Instant expires;
            byte[] hash;
            try (PreparedStatement ps = Db.prepare(connection,
                    "SELECT id, attempts, max_attempts, expires_at, code_hash FROM verifications "
                    + "WHERE channel = ? AND purpose = ? AND target = ? AND verified_at IS NULL AND attempts < max_attempts "
                    + "ORDER BY created_at DESC LIMIT 1 FOR UPDATE")) {
                ps.setString(1, channel.name());
                ps.setString(2, purpose.name());
                ps.setString(3, target);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return failed("no code is pending for this target (expired, used up or never sent); request a new one", 0);
                    }
                    id = rs.getObject(1, UUID.class);
                    attempts = rs.getInt(2);
                    max = rs.getInt(3);
                    expires = rs.getTimestamp(4).toInstant();
                    hash = rs.getBytes(5);
                }
            }
            if (!expires.isAfter(now) || attempts >= max) {
                return failed("the code expired or was tried too often; request a new one", 0);
            }
            boolean matches = code.length() == codeLength && MessageDigest.isEqual(hash, codeHash(id, code));
            if (!matches) {
                try (PreparedStatement ps = Db.prepare(connection,
                        "UPDATE verifications SET attempts = attempts + 1 WHERE id = ?")) {
                    ps.setObject(1, id);
                    ps.executeUpdate();
                }
                return failed("the code is wrong", max - attempts - 1);
            }
            String proof = newToken();
            Instant proofExpires = now.plus(proofLifetime);
            try (PreparedStatement ps = Db.prepare(connection,
                    "UPDATE verifications SET attempts = attempts + 1, verified_at = ?, proof_hash = ?, proof_expires_at = ? "
                    + "WHERE id = ?")) {
                ps.setTimestamp(1, Timestamp.from(now));
                ps.setBytes(2, sha256(proof));
                ps.setTimestamp(3, Timestamp.from(proofExpires));
                ps.setObject(4, id);
                ps.executeUpdate();
            }
            return new Proof(proof, proofExpires);
        });
        if (outcome instanceof ApiException failed) {
            throw failed;
        }
        return (Proof) outcome;
    }

    /**
     * Uses up a proof for {@code purpose} in the caller's transaction (so a failed operation leaves
     * it unused). A missing, wrong, expired, used or other-purpose proof is VERIFICATION_FAILED
     * naming {@code field}.
     */
    public ProvenTarget consume(Connection connection, String proof, Purpose purpose, String field) throws SQLException {
        if (proof.isEmpty() || proof.length() > 512) {
            throw proofFailed(field);
        }
        try (PreparedStatement ps = Db.prepare(connection,
                "UPDATE verifications SET proof_used_at = ? WHERE proof_hash = ? AND purpose = ? "
                + "AND proof_used_at IS NULL AND proof_expires_at > ? RETURNING channel, target")) {
            Instant now = clock.instant();
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setBytes(2, sha256(proof));
            ps.setString(3, purpose.name());
            ps.setTimestamp(4, Timestamp.from(now));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw proofFailed(field);
                }
                return new ProvenTarget(Channel.valueOf(rs.getString(1)), rs.getString(2));
            }
        }
    }

    /** Sends a one-off message (e.g. a found login id) to a proven target. */
    public void notify(Channel channel, String target, String subject, String text) throws MessageSendException {
        if (channel == Channel.SMS) {
            sms.send(target, text);
        } else {
            email.send(target, subject, text);
        }
    }

    private ApiException checkLimits(Connection connection, Purpose purpose, String target,
                                     @Nullable String address, Instant now) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection,
                "SELECT max(created_at) FILTER (WHERE purpose = ?), count(*), min(created_at) "
                + "FROM verifications WHERE target = ? AND created_at > ?")) {
            ps.setString(1, purpose.name());
            ps.setString(2, target);
            ps.setTimestamp(3, Timestamp.from(now.minus(Duration.ofHours(1))));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Timestamp last = rs.getTimestamp(1);
                if (last != null && !cooldown.isZero() && last.toInstant().plus(cooldown).isAfter(now)) {
                    return rateLimited("wait before requesting another code", Duration.between(now, last.toInstant().plus(cooldown)));
                }
                if (rs.getInt(2) >= perTargetHourly) {
                    return rateLimited("too many codes for this target in the last hour",
                            Duration.between(now, rs.getTimestamp(3).toInstant().plus(Duration.ofHours(1))));
                }
            }
        }
        if (address != null) {
            try (PreparedStatement ps = Db.prepare(connection,
                    "SELECT count(*), min(created_at) FROM verifications WHERE requester_address = ? AND created_at > ?")) {
                ps.setString(1, address);
                ps.setTimestamp(2, Timestamp.from(now.minus(Duration.ofHours(1))));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) >= perAddressHourly) {
                        return rateLimited("too many codes requested from your address in the last hour",
                                Duration.between(now, rs.getTimestamp(2).toInstant().plus(Duration.ofHours(1))));
                    }
                }
            }
        }
        return null;
    }

    private void deliver(Channel channel, String target, String code) throws MessageSendException {
        String minutes = String.valueOf(codeLifetime.toMinutes());
        if (channel == Channel.SMS) {
            sms.send(target, "[ChargeBot] 인증번호 [" + code + "] (" + minutes + "분 내 입력) Verification code");
        } else {
            email.send(target, "[ChargeBot] 인증번호 / Verification code",
                    "ChargeBot 인증번호: " + code + "\n" + minutes + "분 안에 입력해 주세요.\n\n"
                    + "Your ChargeBot verification code is " + code + ". It expires in " + minutes + " minutes.\n"
                    + "If you did not ask for it, ignore this message.");
        }
    }

    private void expire(UUID id) {
        try {
            db.transaction(connection -> {
                try (PreparedStatement ps = Db.prepare(connection, "UPDATE verifications SET attempts = max_attempts WHERE id = ?")) {
                    ps.setObject(1, id);
                    return ps.executeUpdate();
                }
            });
        } catch (RuntimeException e) {
            logger.warn("Could not expire an unsent verification code: {}", e.toString());
        }
    }

    private String newCode() {
        StringBuilder code = new StringBuilder(codeLength);
        for (int i = 0; i < codeLength; i++) {
            code.append((char) ('0' + random.nextInt(10)));
        }
        return code.toString();
    }

    private String newToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] codeHash(UUID salt, String code) {
        ByteBuffer buffer = ByteBuffer.allocate(16 + code.length());
        buffer.putLong(salt.getMostSignificantBits()).putLong(salt.getLeastSignificantBits());
        buffer.put(code.getBytes(StandardCharsets.US_ASCII));
        return sha256(buffer.array());
    }

    static byte[] sha256(String s) {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ApiException failed(String message, int remaining) {
        return new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.VERIFICATION_FAILED, message,
                List.of(), Map.of("remaining_attempts", String.valueOf(Math.max(0, remaining))), null);
    }

    private static ApiException proofFailed(String field) {
        return new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.VERIFICATION_FAILED,
                field + ": the verification proof is invalid, expired, already used or for another purpose",
                List.of(new io.chargebot.server.error.FieldViolation(field, "invalid, expired, used or for another purpose")),
                Map.of(), null);
    }

    private static ApiException rateLimited(String message, Duration retryAfter) {
        Duration delay = retryAfter.isNegative() ? Duration.ofSeconds(1) : retryAfter.plusSeconds(1).withNanos(0);
        return new ApiException(Status.Code.RESOURCE_EXHAUSTED, ErrorReason.RATE_LIMITED, message, List.of(),
                Map.of("retry_after_seconds", String.valueOf(delay.toSeconds())), delay);
    }

    @PreDestroy
    void stop() {
        quietSender.shutdown();
    }
}
