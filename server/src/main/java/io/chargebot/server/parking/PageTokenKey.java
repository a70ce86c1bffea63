package io.chargebot.server.parking;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key that authenticates page tokens. Set {@code CHARGEBOT_PAGE_TOKEN_SECRET} so that tokens
 * stay valid across replicas and restarts; without it each process uses a random key.
 */
@Singleton
final class PageTokenKey {

    private static final Logger logger = LoggerFactory.getLogger(PageTokenKey.class);

    private final byte[] key;

    PageTokenKey(@Nullable @Value("${chargebot.page-token-secret:}") String secret) {
        if (secret == null || secret.isEmpty()) {
            key = new byte[32];
            new SecureRandom().nextBytes(key);
            logger.info("No CHARGEBOT_PAGE_TOKEN_SECRET set: page tokens are valid for this process only");
        } else {
            try {
                key = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    byte[] bytes() {
        return key;
    }
}
