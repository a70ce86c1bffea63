package io.chargebot.server.grpc;

import io.chargebot.server.error.ApiException;
import io.grpc.Context;
import io.grpc.Deadline;
import java.util.concurrent.TimeUnit;

/** Turns the caller's gRPC deadline into limits for the work done on its behalf. */
public final class Deadlines {

    /** Upper bound on any single statement, whatever the caller's deadline. */
    public static final int MAX_QUERY_SECONDS = 30;

    private Deadlines() {}

    /**
     * Seconds a database statement may run for the current call: the time left before the
     * caller's deadline (rounded up), at most {@link #MAX_QUERY_SECONDS}.
     *
     * @throws ApiException DEADLINE_EXCEEDED if the deadline already passed
     */
    public static int queryTimeoutSeconds() {
        Deadline deadline = Context.current().getDeadline();
        if (deadline == null) {
            return MAX_QUERY_SECONDS;
        }
        long millis = deadline.timeRemaining(TimeUnit.MILLISECONDS);
        if (millis <= 0) {
            throw ApiException.deadlineExceeded();
        }
        return (int) Math.min(MAX_QUERY_SECONDS, (millis + 999) / 1000);
    }
}
