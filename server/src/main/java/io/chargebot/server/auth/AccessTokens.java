package io.chargebot.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.chargebot.server.config.RuntimeProfile;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues and checks access tokens: JWTs signed with ES256 (the only algorithm accepted; "none",
 * HS256 and others are refused), with a {@code kid}, issuer, expiry (at most 15 minutes), role and,
 * for users, the session id ({@code sid}). The signing key comes from
 * {@code CHARGEBOT_AUTH_JWT_KEY} (an EC P-256 JWK with "d", or several as a JWK set whose first key
 * signs and all verify, for rotation); without one, a local server generates a key per process and
 * a production server refuses to start.
 */
@Singleton
public final class AccessTokens {

    private static final Logger logger = LoggerFactory.getLogger(AccessTokens.class);
    static final String ISSUER = "chargebot";
    private static final Duration MAX_LIFETIME = Duration.ofMinutes(15);
    private static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    /** A checked token's claims. */
    public record Claims(String subject, Role role, @Nullable UUID sessionId, Set<String> scopes, Instant expiresAt) {}

    /** An issued token. */
    public record Issued(String token, Instant expiresAt, int expiresInSeconds) {}

    private static final int MAX_VERIFIED = 50_000;
    private final Map<String, Claims> verified = new java.util.concurrent.ConcurrentHashMap<>();
    private final ECKey signingKey;
    private final Map<String, ECDSAVerifier> verifiers = new HashMap<>();
    private final ECDSASigner signer;
    private final Duration lifetime;
    private final Clock clock;

    public AccessTokens(@Nullable @Value("${chargebot.auth.jwt.key:}") String configuredKey,
                        @Value("${chargebot.auth.access-token-lifetime:15m}") Duration lifetime,
                        RuntimeProfile profile, Clock clock) {
        if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(MAX_LIFETIME) > 0) {
            throw new ConfigurationException("chargebot.auth.access-token-lifetime: " + lifetime + " (expected: 1s..15m)");
        }
        this.lifetime = lifetime;
        this.clock = clock;
        List<ECKey> keys = loadKeys(configuredKey, profile);
        this.signingKey = keys.get(0);
        try {
            this.signer = new ECDSASigner(signingKey);
            for (ECKey key : keys) {
                verifiers.put(key.getKeyID(), new ECDSAVerifier(key.toPublicJWK()));
            }
        } catch (JOSEException e) {
            throw new ConfigurationException("chargebot.auth.jwt.key: unusable EC key: " + e.getMessage());
        }
    }

    /** A token for a user's session. */
    public Issued issueForUser(UUID userId, Role role, UUID sessionId) {
        return issue(userId.toString(), role, sessionId, Set.of());
    }

    /** A token for a machine caller. */
    public Issued issueForService(String clientId, Set<String> scopes) {
        return issue(clientId, Role.SERVICE, null, scopes);
    }

    private Issued issue(String subject, Role role, @Nullable UUID sessionId, Set<String> scopes) {
        Instant now = clock.instant();
        Instant expires = now.plus(lifetime);
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(subject)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(expires))
                .jwtID(UUID.randomUUID().toString())
                .claim("role", role.name());
        if (sessionId != null) {
            claims.claim("sid", sessionId.toString());
        }
        if (!scopes.isEmpty()) {
            claims.claim("scope", String.join(" ", scopes));
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(signingKey.getKeyID()).type(JOSEObjectType.JWT).build(), claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign access token", e);
        }
        return new Issued(jwt.serialize(), expires, (int) lifetime.toSeconds());
    }

    /**
     * The claims of a valid token, or null for anything else (bad form, algorithm, key, signature,
     * issuer, expiry). Signatures are checked once per token and process: a verified token's claims
     * are remembered until it expires (ECDSA verification costs far more than the rest of a call).
     */
    @Nullable
    public Claims verify(String token) {
        if (token.length() > 4096) {
            return null;
        }
        Claims known = verified.get(token);
        if (known != null) {
            return known.expiresAt().plus(CLOCK_SKEW).isAfter(clock.instant()) ? known : null;
        }
        Claims claims = verifySignatureAndClaims(token);
        if (claims != null) {
            if (verified.size() >= MAX_VERIFIED) {
                verified.clear();
            }
            verified.put(token, claims);
        }
        return claims;
    }

    @Nullable
    private Claims verifySignatureAndClaims(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            JWSHeader header = jwt.getHeader();
            if (!JWSAlgorithm.ES256.equals(header.getAlgorithm()) || header.getKeyID() == null) {
                return null;
            }
            ECDSAVerifier verifier = verifiers.get(header.getKeyID());
            if (verifier == null || !jwt.verify(verifier)) {
                return null;
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Instant now = clock.instant();
            if (!ISSUER.equals(claims.getIssuer()) || claims.getExpirationTime() == null
                    || claims.getSubject() == null || claims.getIssueTime() == null) {
                return null;
            }
            Instant expires = claims.getExpirationTime().toInstant();
            if (!expires.plus(CLOCK_SKEW).isAfter(now) || claims.getIssueTime().toInstant().isAfter(now.plus(CLOCK_SKEW))) {
                return null;
            }
            Role role = Role.valueOf(claims.getStringClaim("role"));
            String sid = claims.getStringClaim("sid");
            String scope = claims.getStringClaim("scope");
            if (role != Role.SERVICE && sid == null) {
                return null;
            }
            return new Claims(claims.getSubject(), role, sid == null ? null : UUID.fromString(sid),
                    scope == null ? Set.of() : Set.of(scope.split(" ")), expires);
        } catch (ParseException | JOSEException | IllegalArgumentException | NullPointerException e) {
            return null;
        }
    }

    private static List<ECKey> loadKeys(@Nullable String configured, RuntimeProfile profile) {
        if (configured == null || configured.isBlank()) {
            profile.refuseDevelopmentAdapter("access-token signing key",
                    "CHARGEBOT_AUTH_JWT_KEY with an EC P-256 private JWK (or a JWK set; the first key signs)");
            try {
                ECKey generated = new ECKeyGenerator(Curve.P_256).keyID("local-" + UUID.randomUUID()).generate();
                logger.info("No CHARGEBOT_AUTH_JWT_KEY set: access tokens are signed with a key of this process only");
                return List.of(generated);
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            String json = configured.strip();
            List<JWK> jwks = json.contains("\"keys\"")
                    ? com.nimbusds.jose.jwk.JWKSet.parse(json).getKeys()
                    : List.of(JWK.parse(json));
            List<ECKey> keys = new java.util.ArrayList<>();
            for (JWK jwk : jwks) {
                ECKey key = jwk.toECKey();
                if (!Curve.P_256.equals(key.getCurve()) || key.getKeyID() == null) {
                    throw new ConfigurationException("chargebot.auth.jwt.key: every key must be P-256 with a \"kid\"");
                }
                keys.add(key);
            }
            if (keys.isEmpty() || !keys.get(0).isPrivate()) {
                throw new ConfigurationException("chargebot.auth.jwt.key: the first key must include its private part \"d\"");
            }
            return keys;
        } catch (ParseException | ClassCastException e) {
            throw new ConfigurationException("chargebot.auth.jwt.key: not an EC JWK or JWK set");
        }
    }
}
