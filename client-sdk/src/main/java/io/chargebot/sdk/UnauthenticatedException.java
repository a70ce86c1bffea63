package io.chargebot.sdk;

/** The caller is not signed in, or the access token expired or was revoked ({@code UNAUTHENTICATED}). */
public class UnauthenticatedException extends ChargeBotException {

    private static final long serialVersionUID = 1L;

    UnauthenticatedException(ErrorDetails details) {
        super(details);
    }
}
