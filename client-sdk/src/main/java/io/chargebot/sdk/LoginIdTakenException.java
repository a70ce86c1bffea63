package io.chargebot.sdk;

/** Another account already uses this login id, in any letter case (reason {@code LOGIN_ID_TAKEN}). */
public class LoginIdTakenException extends AlreadyExistsException {

    private static final long serialVersionUID = 1L;

    LoginIdTakenException(ErrorDetails details) {
        super(details);
    }
}
