package io.chargebot.sdk;

/** The request was invalid ({@code INVALID_ARGUMENT}); {@link #fieldViolations()} names the fields to fix. */
public class InvalidArgumentException extends ChargeBotException {

    private static final long serialVersionUID = 1L;

    InvalidArgumentException(ErrorDetails details) {
        super(details);
    }
}
