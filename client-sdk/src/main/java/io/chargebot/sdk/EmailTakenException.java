package io.chargebot.sdk;

/** Another account already uses this e-mail address (reason {@code EMAIL_TAKEN}). */
public class EmailTakenException extends AlreadyExistsException {

    private static final long serialVersionUID = 1L;

    EmailTakenException(ErrorDetails details) {
        super(details);
    }
}
