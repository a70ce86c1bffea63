package io.chargebot.server.parking;

import io.chargebot.server.error.ApiException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque keyset page token for nearest-first lot listings: the query it belongs to (origin and
 * radius), the last position returned (KNN chord distance and lot id), and an HMAC so a forged or
 * altered token is refused with INVALID_ARGUMENT instead of being trusted.
 */
final class PageToken {

    private static final byte VERSION = 1;
    private static final int MAC_LENGTH = 16;
    private static final int BODY_LENGTH = 1 + 8 + 8 + 4 + 8 + 16;
    private static final String FIELD = "page_token";

    final double latitude;
    final double longitude;
    final int radiusMeters;
    final double lastChord;
    final UUID lastId;

    PageToken(double latitude, double longitude, int radiusMeters, double lastChord, UUID lastId) {
        this.latitude = latitude;
        this.longitude = longitude;
        this.radiusMeters = radiusMeters;
        this.lastChord = lastChord;
        this.lastId = lastId;
    }

    String encode(byte[] key) {
        ByteBuffer body = ByteBuffer.allocate(BODY_LENGTH + MAC_LENGTH);
        body.put(VERSION).putDouble(latitude).putDouble(longitude).putInt(radiusMeters).putDouble(lastChord)
                .putLong(lastId.getMostSignificantBits()).putLong(lastId.getLeastSignificantBits());
        body.put(mac(key, body.array(), BODY_LENGTH));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(body.array());
    }

    /** Decodes and authenticates {@code token}; any damage is INVALID_ARGUMENT naming page_token. */
    static PageToken decode(String token, byte[] key) {
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(FIELD, "is not a token issued by this server");
        }
        if (bytes.length != BODY_LENGTH + MAC_LENGTH || bytes[0] != VERSION) {
            throw ApiException.invalid(FIELD, "is not a token issued by this server");
        }
        byte[] expected = mac(key, bytes, BODY_LENGTH);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(bytes, BODY_LENGTH, bytes.length))) {
            throw ApiException.invalid(FIELD, "is not a token issued by this server");
        }
        ByteBuffer body = ByteBuffer.wrap(bytes, 1, BODY_LENGTH - 1);
        return new PageToken(body.getDouble(), body.getDouble(), body.getInt(), body.getDouble(),
                new UUID(body.getLong(), body.getLong()));
    }

    boolean matches(double latitude, double longitude, int radiusMeters) {
        return Double.compare(this.latitude, latitude) == 0 && Double.compare(this.longitude, longitude) == 0
                && this.radiusMeters == radiusMeters;
    }

    private static byte[] mac(byte[] key, byte[] data, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(data, 0, length);
            return Arrays.copyOf(mac.doFinal(), MAC_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
