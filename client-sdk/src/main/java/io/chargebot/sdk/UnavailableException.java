package io.chargebot.sdk;

/** The server could not be reached or is not serving, after the retries of idempotent calls ({@code UNAVAILABLE}); try again later. */
public class UnavailableException extends ChargeBotException {

    private static final long serialVersionUID = 1L;

    UnavailableException(ErrorDetails details) {
        super(details);
    }
}
