package io.chargebot.server.robot;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Stopping the robots' background threads on shutdown, before the connection pool closes (they run
 * from the context's ShutdownEvent, which comes before any bean is destroyed): no new work is taken,
 * the task in hand finishes against the still-open pool, and the wait is bounded; a task still
 * running after the bound is interrupted.
 */
final class Workers {

    /** How long a stopping worker may take to finish the task in hand. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private Workers() {
    }

    /**
     * Stops {@code executor}: it takes no new tasks and periodic ones are cancelled; what is running or already
     * queued finishes within the bound.
     */
    static void stop(ExecutorService executor) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for {@code thread}, already told to stop, to end; interrupts it if it takes longer than the bound. */
    static void join(Thread thread) {
        try {
            thread.join(STOP_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
        }
    }
}
