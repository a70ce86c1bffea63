package io.chargebot.sdk;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import java.util.concurrent.TimeUnit;

/**
 * Gives every unary call that has no deadline of its own a default one.
 *
 * <p>A deadline the caller set on the stub ({@code withDeadlineAfter}) is kept as it is, and a
 * deadline of the current {@link Context} still bounds the call, so the default never extends a
 * shorter deadline. Streaming calls are left alone: they may legitimately stay open for long.
 */
final class DefaultDeadlineInterceptor implements ClientInterceptor {

    private final long timeoutNanos;

    DefaultDeadlineInterceptor(long timeout, TimeUnit unit) {
        if (timeout <= 0) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        this.timeoutNanos = unit.toNanos(timeout);
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
            MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
        if (method.getType() == MethodDescriptor.MethodType.UNARY && callOptions.getDeadline() == null) {
            Deadline deadline = Deadline.after(timeoutNanos, TimeUnit.NANOSECONDS);
            Deadline contextDeadline = Context.current().getDeadline();
            if (contextDeadline != null) {
                deadline = deadline.minimum(contextDeadline);
            }
            callOptions = callOptions.withDeadline(deadline);
        }
        return next.newCall(method, callOptions);
    }
}
