package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import io.chargebot.auth.v1.AuthTokens;
import javax.annotation.Nullable;

/**
 * The tokens of one signed-in session, as kept by a {@link TokenStore}: the access token sent with
 * every call, the refresh token that gets a new one, and when each expires.
 *
 * <p>Immutable. Expiry times are milliseconds since the epoch on this device's clock ({@code 0}
 * means unknown). To persist tokens, store the four values and rebuild them with the constructor.
 * {@link #toString()} never shows the tokens themselves.
 */
public final class Tokens {

    private final String accessToken;
    private final long accessTokenExpireTimeMillis;
    private final String refreshToken;
    private final long refreshTokenExpireTimeMillis;

    /**
     * @param accessToken the access token (a JWT), not empty
     * @param accessTokenExpireTimeMillis when it expires, epoch milliseconds; {@code 0} if unknown
     * @param refreshToken the refresh token, or {@code null}/{@code ""} when there is none
     * @param refreshTokenExpireTimeMillis when the refresh token expires, epoch milliseconds; {@code 0} if unknown
     */
    public Tokens(String accessToken, long accessTokenExpireTimeMillis,
                  @Nullable String refreshToken, long refreshTokenExpireTimeMillis) {
        this.accessToken = requireNonNull(accessToken, "accessToken");
        if (accessToken.isEmpty()) {
            throw new IllegalArgumentException("accessToken is empty");
        }
        this.accessTokenExpireTimeMillis = accessTokenExpireTimeMillis;
        this.refreshToken = refreshToken == null ? "" : refreshToken;
        this.refreshTokenExpireTimeMillis = refreshTokenExpireTimeMillis;
    }

    /**
     * The tokens of a sign-in, sign-up or refresh reply. The access token's expiry is taken from
     * {@code expires_in_seconds} counted from {@code nowMillis}, so a device clock that is off does
     * not make every token look expired; the refresh token's expiry is shifted by the same offset.
     */
    static Tokens from(AuthTokens tokens, long nowMillis) {
        long serverAccessExpiry = tokens.hasExpireTime() ? millis(tokens.getExpireTime()) : 0;
        long accessExpiry;
        if (tokens.getExpiresInSeconds() > 0) {
            accessExpiry = nowMillis + tokens.getExpiresInSeconds() * 1000L;
        } else {
            accessExpiry = serverAccessExpiry;
        }
        long refreshExpiry = 0;
        if (tokens.hasRefreshExpireTime()) {
            refreshExpiry = millis(tokens.getRefreshExpireTime());
            if (serverAccessExpiry > 0 && accessExpiry > 0) {
                refreshExpiry += accessExpiry - serverAccessExpiry;
            }
        }
        return new Tokens(tokens.getAccessToken(), accessExpiry, tokens.getRefreshToken(), refreshExpiry);
    }

    private static long millis(Timestamp t) {
        return t.getSeconds() * 1000L + t.getNanos() / 1_000_000;
    }

    /** The access token, sent as {@code authorization: Bearer <token>}. */
    public String accessToken() {
        return accessToken;
    }

    /** When the access token expires, epoch milliseconds; {@code 0} if unknown. */
    public long accessTokenExpireTimeMillis() {
        return accessTokenExpireTimeMillis;
    }

    /** The refresh token, or {@code ""} when there is none. */
    public String refreshToken() {
        return refreshToken;
    }

    /** When the refresh token expires, epoch milliseconds; {@code 0} if unknown. */
    public long refreshTokenExpireTimeMillis() {
        return refreshTokenExpireTimeMillis;
    }

    /** Whether there is a refresh token. */
    public boolean hasRefreshToken() {
        return !refreshToken.isEmpty();
    }

    /** Whether the access token expires within {@code marginMillis} of {@code nowMillis}; never when its expiry is unknown. */
    public boolean accessTokenExpiresWithin(long marginMillis, long nowMillis) {
        return accessTokenExpireTimeMillis > 0 && accessTokenExpireTimeMillis - nowMillis <= marginMillis;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Tokens)) {
            return false;
        }
        Tokens that = (Tokens) o;
        return accessToken.equals(that.accessToken)
                && accessTokenExpireTimeMillis == that.accessTokenExpireTimeMillis
                && refreshToken.equals(that.refreshToken)
                && refreshTokenExpireTimeMillis == that.refreshTokenExpireTimeMillis;
    }

    @Override
    public int hashCode() {
        int h = accessToken.hashCode();
        h = h * 31 + (int) (accessTokenExpireTimeMillis ^ (accessTokenExpireTimeMillis >>> 32));
        h = h * 31 + refreshToken.hashCode();
        return h * 31 + (int) (refreshTokenExpireTimeMillis ^ (refreshTokenExpireTimeMillis >>> 32));
    }

    /** Shows the expiry times and whether a refresh token is present, never the tokens. */
    @Override
    public String toString() {
        return "Tokens{accessTokenExpireTimeMillis=" + accessTokenExpireTimeMillis
                + ", refreshToken=" + (hasRefreshToken() ? "<set>" : "<none>")
                + ", refreshTokenExpireTimeMillis=" + refreshTokenExpireTimeMillis + '}';
    }
}
