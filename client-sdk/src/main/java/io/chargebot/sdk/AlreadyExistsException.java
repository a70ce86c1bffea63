package io.chargebot.sdk;

/** The resource to create, or a unique value in it, already exists ({@code ALREADY_EXISTS}); {@link #reason()} tells which. */
public class AlreadyExistsException extends ChargeBotException {

    private static final long serialVersionUID = 1L;

    AlreadyExistsException(ErrorDetails details) {
        super(details);
    }
}
