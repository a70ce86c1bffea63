package io.chargebot.sdk;

/** A verification code or proof is wrong, expired, already used or for another purpose or target (reason {@code VERIFICATION_FAILED}); send a new code. */
public class VerificationFailedException extends FailedPreconditionException {

    private static final long serialVersionUID = 1L;

    VerificationFailedException(ErrorDetails details) {
        super(details);
    }
}
