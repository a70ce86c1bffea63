package io.chargebot.server.grpc;

import io.chargebot.server.error.ErrorMapper;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micronaut.core.order.Ordered;
import jakarta.inject.Singleton;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * The outermost interceptor of every call: gives it a correlation id (the caller's
 * {@code x-request-id} when well-formed, else a new one), echoes it in the response headers, puts it
 * in the logging MDC and the gRPC {@link Context}, and routes every failure — thrown, or passed to
 * {@code onError} — through the one {@link ErrorMapper}, so no call ever ends with UNKNOWN or leaks
 * an exception's text.
 */
@Singleton
public final class RequestInterceptor implements ServerInterceptor, Ordered {

    /** Request/response header carrying the correlation id. */
    public static final Metadata.Key<String> REQUEST_ID_HEADER =
            Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    /** The current call's correlation id. */
    public static final Context.Key<String> CORRELATION_ID = Context.key("chargebot-correlation-id");

    private static final Pattern VALID_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{8,64}");
    /** The MDC key of the correlation id in log lines. */
    static final String MDC_KEY = "correlation_id";

    private final ErrorMapper errorMapper;

    public RequestInterceptor(ErrorMapper errorMapper) {
        this.errorMapper = errorMapper;
    }

    @Override
    public int getOrder() {
        return HIGHEST_PRECEDENCE;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        String offered = headers.get(REQUEST_ID_HEADER);
        String correlationId = offered != null && VALID_REQUEST_ID.matcher(offered).matches()
                ? offered : UUID.randomUUID().toString();
        MappingCall<Q, R> mappingCall = new MappingCall<>(call, correlationId, errorMapper);
        Context context = Context.current().withValue(CORRELATION_ID, correlationId);
        ServerCall.Listener<Q> listener;
        MDC.put(MDC_KEY, correlationId);
        try {
            listener = Contexts.interceptCall(context, mappingCall, headers, next);
        } catch (RuntimeException e) {
            mappingCall.fail(e);
            return new ServerCall.Listener<>() {};
        } finally {
            MDC.remove(MDC_KEY);
        }
        return new GuardedListener<>(listener, mappingCall, correlationId);
    }

    /** Maps failures on close and adds the correlation id header. */
    private static final class MappingCall<Q, R> extends SimpleForwardingServerCall<Q, R> {
        private final String correlationId;
        private final ErrorMapper errorMapper;
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile boolean headersSent;

        MappingCall(ServerCall<Q, R> delegate, String correlationId, ErrorMapper errorMapper) {
            super(delegate);
            this.correlationId = correlationId;
            this.errorMapper = errorMapper;
        }

        @Override
        public void sendHeaders(Metadata headers) {
            headers.put(REQUEST_ID_HEADER, correlationId);
            headersSent = true;
            super.sendHeaders(headers);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            Status finalStatus = status;
            Metadata finalTrailers = trailers;
            if (!status.isOk() && (status.getCause() != null || status.getCode() == Status.Code.UNKNOWN)) {
                Throwable cause = status.getCause() != null ? status.getCause() : status.asRuntimeException(trailers);
                StatusRuntimeException mapped = errorMapper.map(
                        cause, getMethodDescriptor().getFullMethodName(), correlationId);
                finalStatus = mapped.getStatus();
                finalTrailers = mapped.getTrailers() == null ? new Metadata() : mapped.getTrailers();
            }
            if (!headersSent) {
                finalTrailers.put(REQUEST_ID_HEADER, correlationId);
            }
            super.close(finalStatus, finalTrailers);
        }

        void fail(Throwable error) {
            if (closed.get()) {
                return;
            }
            StatusRuntimeException mapped =
                    errorMapper.map(error, getMethodDescriptor().getFullMethodName(), correlationId);
            close(mapped.getStatus(), mapped.getTrailers() == null ? new Metadata() : mapped.getTrailers());
        }
    }

    /** Catches what a handler throws, and keeps the correlation id in the MDC while it runs. */
    private static final class GuardedListener<Q, R> extends SimpleForwardingServerCallListener<Q> {
        private final MappingCall<Q, R> call;
        private final String correlationId;

        GuardedListener(ServerCall.Listener<Q> delegate, MappingCall<Q, R> call, String correlationId) {
            super(delegate);
            this.call = call;
            this.correlationId = correlationId;
        }

        @Override
        public void onMessage(Q message) {
            run(() -> super.onMessage(message));
        }

        @Override
        public void onHalfClose() {
            run(super::onHalfClose);
        }

        @Override
        public void onCancel() {
            run(super::onCancel);
        }

        @Override
        public void onComplete() {
            run(super::onComplete);
        }

        @Override
        public void onReady() {
            run(super::onReady);
        }

        private void run(Runnable callback) {
            MDC.put(MDC_KEY, correlationId);
            try {
                callback.run();
            } catch (Throwable e) {
                call.fail(e);
                if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
                    throw (VirtualMachineError) e;
                }
            } finally {
                MDC.remove(MDC_KEY);
            }
        }
    }
}
