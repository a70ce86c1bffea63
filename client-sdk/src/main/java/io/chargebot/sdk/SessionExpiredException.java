package io.chargebot.sdk;

/**
 * The signed-in session is over: the access token was rejected or about to expire and the refresh
 * token did not get a new one (it expired, was revoked or was reused). The client has already
 * cleared its {@link TokenStore}; the app should send the user to sign in again.
 */
public class SessionExpiredException extends UnauthenticatedException {

    private static final long serialVersionUID = 1L;

    SessionExpiredException(ErrorDetails details) {
        super(details);
    }
}
