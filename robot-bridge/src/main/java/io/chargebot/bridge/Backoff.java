package io.chargebot.bridge;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with full jitter: the n-th delay is uniform in [min, min(max, min * 2^n)]. Not thread-safe. */
final class Backoff {

    private final long minMillis;
    private final long maxMillis;
    private int attempt;

    Backoff(Duration min, Duration max) {
        this.minMillis = Math.max(1, min.toMillis());
        this.maxMillis = Math.max(minMillis, max.toMillis());
    }

    long nextDelayMillis() {
        long ceiling = minMillis << Math.min(attempt, 20);
        attempt++;
        ceiling = Math.min(maxMillis, ceiling);
        return minMillis + ThreadLocalRandom.current().nextLong(ceiling - minMillis + 1);
    }

    void reset() {
        attempt = 0;
    }
}
