package io.chargebot.sdk;

/** The licence verifier rejected the driver's licence (reason {@code LICENSE_REJECTED}). */
public class LicenseRejectedException extends FailedPreconditionException {

    private static final long serialVersionUID = 1L;

    LicenseRejectedException(ErrorDetails details) {
        super(details);
    }
}
