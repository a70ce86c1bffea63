package io.chargebot.server.grpc;

import io.chargebot.server.error.ApiException;
import io.grpc.Context;
import io.grpc.Deadline;

/** Turns the caller's gRPC deadline into limits for the work done on its behalf. */
public final class Deadlines {

    private Deadlines() {}

    /** Throws DEADLINE_EXCEEDED if the current call's deadline already passed; work is not started then. */
    public static void checkNotExpired() {
        Deadline deadline = Context.current().getDeadline();
        if (deadline != null && deadline.isExpired()) {
            throw ApiException.deadlineExceeded();
        }
    }
}
