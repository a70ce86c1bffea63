package io.chargebot.sdk;

/** The signed-in caller may not do this ({@code PERMISSION_DENIED}). */
public class PermissionDeniedException extends ChargeBotException {

    private static final long serialVersionUID = 1L;

    PermissionDeniedException(ErrorDetails details) {
        super(details);
    }
}
