package io.chargebot.sdk;

/**
 * Marks, as the cause of a call's status, that the call failed because the client's automatic
 * token refresh ended the session; {@link ErrorMapper} turns such a failure into a
 * {@link SessionExpiredException}. Never crosses the wire, so a server cannot fake it.
 */
final class SessionEnded extends Exception {

    private static final long serialVersionUID = 1L;

    SessionEnded() {
        super("The session ended: the refresh token was rejected", null, false, false);
    }

    /** Whether {@code t} or one of its causes is this marker. */
    static boolean in(Throwable t) {
        for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
            if (t instanceof SessionEnded) {
                return true;
            }
        }
        return false;
    }
}
