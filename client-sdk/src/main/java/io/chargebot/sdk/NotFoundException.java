package io.chargebot.sdk;

/** The named resource does not exist or is not visible to the caller ({@code NOT_FOUND}). */
public class NotFoundException extends ChargeBotException {

    private static final long serialVersionUID = 1L;

    NotFoundException(ErrorDetails details) {
        super(details);
    }
}
