package io.chargebot.gateway;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.logging.RequestLogProperty;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one method by opening a call to the same method on the backend and relaying everything between the
 * two calls: request metadata (filtered by {@link ForwardedHeaders}), messages in both directions with flow
 * control, half-close, cancellation, the caller's deadline, response headers, trailers and the status.
 *
 * <p>It is registered with the generated {@link MethodDescriptor}, whose marshallers are real protobuf ones,
 * so Armeria can decode every wire format it serves (gRPC, gRPC-Web, gRPC-Web-Text, unframed JSON/protobuf,
 * HTTP/JSON transcoding) into messages that are then re-encoded as plain gRPC for the backend.
 *
 * <p>Flow control follows grpc-java's proxy example: each side asks the other for one message at a time, and
 * only while the receiving side {@linkplain ServerCall#isReady() is ready}, so neither side buffers more than
 * one message no matter how fast the other produces.
 */
final class ForwardingCallHandler<ReqT, RespT> implements ServerCallHandler<ReqT, RespT> {

    private static final Logger logger = LoggerFactory.getLogger(ForwardingCallHandler.class);

    private final Channel backend;
    private final MethodDescriptor<ReqT, RespT> method;

    ForwardingCallHandler(Channel backend, MethodDescriptor<ReqT, RespT> method) {
        this.backend = requireNonNull(backend, "backend");
        this.method = requireNonNull(method, "method");
    }

    @Override
    public ServerCall.Listener<ReqT> startCall(ServerCall<ReqT, RespT> serverCall, Metadata headers) {
        final ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
        CallOptions callOptions = CallOptions.DEFAULT;
        final Deadline deadline = ctx == null ? null : deadline(ctx);
        if (deadline != null) {
            callOptions = callOptions.withDeadline(deadline);
        }
        final String requestId = ctx == null ? UUID.randomUUID().toString() : requestId(ctx);
        final Metadata outgoing = ForwardedHeaders.toBackend(
                headers, requestId, ctx == null ? null : ctx.remoteAddress());

        final ClientCall<ReqT, RespT> clientCall = backend.newCall(method, callOptions);
        final CallProxy<ReqT, RespT> proxy = new CallProxy<>(method, serverCall, clientCall, deadline);
        clientCall.start(proxy.responseRelay, outgoing);
        serverCall.request(1);
        clientCall.request(1);
        return proxy.requestRelay;
    }

    /**
     * Returns when the caller's call must end: Armeria turns {@code grpc-timeout} (or, for unframed and
     * transcoded requests, the server's request timeout) into the request timeout of the context.
     */
    @Nullable
    private static Deadline deadline(ServiceRequestContext ctx) {
        final long timeoutMillis = ctx.requestTimeoutMillis();
        if (timeoutMillis <= 0) {
            return null;
        }
        long elapsedNanos = 0;
        if (ctx.log().isAvailable(RequestLogProperty.REQUEST_START_TIME)) {
            elapsedNanos = System.nanoTime() - ctx.log().partial().requestStartTimeNanos();
        }
        final long remainingNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis) - Math.max(0, elapsedNanos);
        return Deadline.after(Math.max(0, remainingNanos), TimeUnit.NANOSECONDS);
    }

    private static String requestId(ServiceRequestContext ctx) {
        final String requestId = RequestIdService.of(ctx);
        return requestId != null ? requestId : UUID.randomUUID().toString();
    }

    /** The two relays of one forwarded call; each tells the other when its side becomes ready. */
    private static final class CallProxy<ReqT, RespT> {

        final RequestRelay requestRelay;
        final ResponseRelay responseRelay;
        private final MethodDescriptor<ReqT, RespT> method;
        private final ServerCall<ReqT, RespT> serverCall;
        private final ClientCall<ReqT, RespT> clientCall;
        @Nullable
        private final Deadline deadline;

        CallProxy(MethodDescriptor<ReqT, RespT> method, ServerCall<ReqT, RespT> serverCall,
                  ClientCall<ReqT, RespT> clientCall, @Nullable Deadline deadline) {
            this.method = method;
            this.serverCall = serverCall;
            this.clientCall = clientCall;
            this.deadline = deadline;
            requestRelay = new RequestRelay();
            responseRelay = new ResponseRelay();
        }

        /** Caller to backend. Armeria calls it on the request's event loop. */
        private final class RequestRelay extends ServerCall.Listener<ReqT> {

            // Guarded by 'this': a message was relayed while the backend was not ready for the next one.
            private boolean needToRequest;

            @Override
            public void onMessage(ReqT message) {
                clientCall.sendMessage(message);
                synchronized (this) {
                    if (clientCall.isReady()) {
                        serverCall.request(1);
                    } else {
                        needToRequest = true;
                    }
                }
            }

            @Override
            public void onHalfClose() {
                clientCall.halfClose();
            }

            @Override
            public void onCancel() {
                clientCall.cancel("Caller cancelled the call", null);
            }

            @Override
            public void onComplete() {
                // Normally after the backend's close was relayed, when this is a no-op. But Armeria also closes
                // the call by itself (request too large, undecodable message): then the backend call must end.
                clientCall.cancel("Call closed by the gateway", null);
            }

            @Override
            public void onReady() {
                responseRelay.onServerReady();
            }

            synchronized void onClientReady() {
                if (needToRequest) {
                    needToRequest = false;
                    serverCall.request(1);
                }
            }
        }

        /** Backend to caller. grpc-java calls it serially on the channel's executor. */
        private final class ResponseRelay extends ClientCall.Listener<RespT> {

            // Guarded by 'this': a message was relayed while the caller was not ready for the next one.
            private boolean needToRequest;

            @Override
            public void onHeaders(Metadata headers) {
                serverCall.sendHeaders(ForwardedHeaders.fromBackend(headers));
            }

            @Override
            public void onMessage(RespT message) {
                serverCall.sendMessage(message);
                synchronized (this) {
                    if (serverCall.isReady()) {
                        clientCall.request(1);
                    } else {
                        needToRequest = true;
                    }
                }
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                serverCall.close(relayedStatus(status), ForwardedHeaders.fromBackend(trailers));
            }

            @Override
            public void onReady() {
                requestRelay.onClientReady();
            }

            synchronized void onServerReady() {
                if (needToRequest) {
                    needToRequest = false;
                    clientCall.request(1);
                }
            }
        }

        /**
         * Returns the status to give the caller. A status the backend sent passes unchanged. A status grpc-java
         * made up locally (backend unreachable, our deadline expired) carries a cause or transport details
         * such as the backend's address: the caller gets the same code with a plain description, and the
         * details go to the log.
         */
        private Status relayedStatus(Status status) {
            if (status.getCode() == Status.Code.DEADLINE_EXCEEDED && deadline != null && deadline.isExpired()) {
                return Status.DEADLINE_EXCEEDED.withDescription("Deadline exceeded");
            }
            if (status.getCause() == null) {
                return status;
            }
            if (status.getCode() == Status.Code.UNAVAILABLE) {
                logger.warn("Backend unavailable for {}: {} ({})", method.getFullMethodName(),
                            status.getDescription(), status.getCause().toString());
                return Status.UNAVAILABLE.withDescription("ChargeBot server unavailable");
            }
            if (status.getCode() == Status.Code.CANCELLED) {
                return Status.CANCELLED.withDescription(status.getDescription());
            }
            logger.warn("Backend call to {} failed locally: {}", method.getFullMethodName(), status,
                        status.getCause());
            return Status.fromCode(status.getCode()).withDescription("Gateway error");
        }
    }
}
