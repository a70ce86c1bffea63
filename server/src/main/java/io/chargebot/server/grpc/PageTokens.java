package io.chargebot.server.grpc;

import io.chargebot.server.error.ApiException;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opaque page tokens for every List method: a keyset position bound to the query that produced
 * it and authenticated with an HMAC, so a damaged, forged or foreign token is INVALID_ARGUMENT on
 * {@code page_token} instead of being trusted, and a token cannot be replayed against another query
 * (AIP-158). Set {@code CHARGEBOT_PAGE_TOKEN_SECRET} so tokens survive restarts and work across
 * replicas; without it each process uses a random key.
 */
@Singleton
public final class PageTokens {

    private static final Logger logger = LoggerFactory.getLogger(PageTokens.class);
    private static final byte VERSION = 2;
    private static final int MAC_LENGTH = 16;
    private static final int MAX_TOKEN_LENGTH = 512;
    private static final String FIELD = "page_token";

    private final byte[] key;

    public PageTokens(@Nullable @Value("${chargebot.page-token-secret:}") String secret) {
        if (secret == null || secret.isEmpty()) {
            key = new byte[32];
            new SecureRandom().nextBytes(key);
            logger.info("No CHARGEBOT_PAGE_TOKEN_SECRET set: page tokens are valid for this process only");
        } else {
            key = sha256(secret.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A token for {@code position} (opaque bytes chosen by the caller) within the query named by {@code query}. */
    public String encode(String query, byte[] position) {
        byte[] fingerprint = Arrays.copyOf(sha256(query.getBytes(StandardCharsets.UTF_8)), 8);
        ByteBuffer body = ByteBuffer.allocate(1 + 8 + position.length + MAC_LENGTH);
        body.put(VERSION).put(fingerprint).put(position);
        body.put(mac(body.array(), body.capacity() - MAC_LENGTH));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(body.array());
    }

    /**
     * The position in {@code token}, which must have been issued for the same {@code query};
     * INVALID_ARGUMENT naming page_token otherwise.
     */
    public ByteBuffer decode(String token, String query) {
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw ApiException.invalid(FIELD, "is not a token issued by this server");
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(FIELD, "is not a token issued by this server");
        }
        if (bytes.length < 1 + 8 + MAC_LENGTH || bytes[0] != VERSION) {
            throw ApiException.invalid(FIELD, "is not a token issued by this server");
        }
        int bodyLength = bytes.length - MAC_LENGTH;
        if (!MessageDigest.isEqual(mac(bytes, bodyLength), Arrays.copyOfRange(bytes, bodyLength, bytes.length))) {
            throw ApiException.invalid(FIELD, "is not a token issued by this server");
        }
        byte[] fingerprint = Arrays.copyOf(sha256(query.getBytes(StandardCharsets.UTF_8)), 8);
        if (!Arrays.equals(fingerprint, Arrays.copyOfRange(bytes, 1, 9))) {
            throw ApiException.invalid(FIELD, "belongs to a different query (only page_size may change between pages)");
        }
        return ByteBuffer.wrap(bytes, 9, bodyLength - 9).slice();
    }

    private byte[] mac(byte[] data, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(data, 0, length);
            return Arrays.copyOf(mac.doFinal(), MAC_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
