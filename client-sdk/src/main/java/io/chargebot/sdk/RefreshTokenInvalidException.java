package io.chargebot.sdk;

/**
 * The server rejected a refresh token as invalid, expired or reused, and revoked its session
 * (reason {@code REFRESH_TOKEN_INVALID}). A {@link SessionExpiredException}: when it comes from the
 * client's automatic refresh, the {@link TokenStore} is already cleared.
 */
public class RefreshTokenInvalidException extends SessionExpiredException {

    private static final long serialVersionUID = 1L;

    RefreshTokenInvalidException(ErrorDetails details) {
        super(details);
    }
}
