package io.chargebot.api;

/**
 * The robot id rule of the v1 contracts (robot_service.proto): 3..64 characters of {@code [A-Za-z0-9_-]}. The one
 * check the bridge (topics, commands) and the server (requests, reports, resource names) share. It runs for every
 * robot message, so it is a loop over the characters, not a regular expression (which cost the bridge and the
 * server about 2 % of their time in ingestion).
 */
public final class RobotIds {

    /** The rule, for error messages. */
    public static final String RULE = "3..64 characters of [A-Za-z0-9_-]";
    public static final int MIN_LENGTH = 3;
    public static final int MAX_LENGTH = 64;

    private RobotIds() {}

    /** Whether {@code id} is a valid robot id; false for null. */
    public static boolean valid(CharSequence id) {
        if (id == null) {
            return false;
        }
        int n = id.length();
        if (n < MIN_LENGTH || n > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
