package io.chargebot.sdk;

/** Another account already uses this phone number (reason {@code PHONE_TAKEN}). */
public class PhoneTakenException extends AlreadyExistsException {

    private static final long serialVersionUID = 1L;

    PhoneTakenException(ErrorDetails details) {
        super(details);
    }
}
