package io.chargebot.sdk;

/** The operation is not allowed in the current state ({@code FAILED_PRECONDITION}); {@link #reason()} tells why. */
public class FailedPreconditionException extends ChargeBotException {

    private static final long serialVersionUID = 1L;

    FailedPreconditionException(ErrorDetails details) {
        super(details);
    }
}
