package io.chargebot.sdk;

/** Wrong login id or password, or the account is temporarily locked; the server does not say which (reason {@code SIGN_IN_FAILED}). Also thrown when a password given as confirmation is wrong. */
public class SignInFailedException extends UnauthenticatedException {

    private static final long serialVersionUID = 1L;

    SignInFailedException(ErrorDetails details) {
        super(details);
    }
}
