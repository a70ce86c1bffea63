package io.chargebot.sdk;

/** The new password is too short, too long or too common (reason {@code PASSWORD_POLICY}); {@link #fieldViolations()} names the field. */
public class PasswordPolicyException extends InvalidArgumentException {

    private static final long serialVersionUID = 1L;

    PasswordPolicyException(ErrorDetails details) {
        super(details);
    }
}
