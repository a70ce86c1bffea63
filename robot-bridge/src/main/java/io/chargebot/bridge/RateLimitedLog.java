package io.chargebot.bridge;

import java.time.Duration;

/** Allows one log line per interval and counts the ones it swallowed, so a flood of bad messages can't flood the log. */
final class RateLimitedLog {

    private final long intervalNanos;
    private long lastNanos;
    private boolean first = true;
    private long suppressed;

    RateLimitedLog(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /** -1: don't log now; otherwise log, mentioning the returned number of suppressed lines. */
    synchronized long tryLog() {
        long now = System.nanoTime();
        if (first || now - lastNanos >= intervalNanos) {
            first = false;
            lastNanos = now;
            long n = suppressed;
            suppressed = 0;
            return n;
        }
        suppressed++;
        return -1;
    }
}
