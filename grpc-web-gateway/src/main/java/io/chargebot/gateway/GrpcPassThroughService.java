package io.chargebot.gateway;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.ClosedSessionException;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpHeadersBuilder;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.common.SerializationFormat;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.common.grpc.protocol.GrpcWebTrailers;
import com.linecorp.armeria.common.stream.ClosedStreamException;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.netty.util.concurrent.EventExecutor;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards the framed binary protocols byte for byte: a call made with {@code application/grpc[+proto]} or
 * {@code application/grpc-web[+proto]} to a forwarded method goes to the backend as plain gRPC over HTTP/2 with
 * its body unchanged (gRPC and gRPC-Web share the 5-byte length-prefixed message framing), and the backend's
 * reply comes back unchanged too, except that for gRPC-Web the HTTP/2 trailers become the gRPC-Web trailer
 * frame (flag {@code 0x80}, {@code name: value\r\n} lines) at the end of the body. No protobuf message is
 * decoded or re-encoded on this path; both directions stream with flow control (the next piece is read only
 * once the other side has taken the previous one).
 *
 * <p>Everything else the gateway serves (gRPC-Web-Text, unframed JSON/protobuf, HTTP/JSON transcoding, a
 * compressed request, a path that is not a forwarded method) goes to the delegate, the decoding
 * {@code GrpcService} with its {@link ForwardingCallHandler}s.
 *
 * <p>It keeps that path's behaviour: headers cross as {@link ForwardedHeaders} decides (with a request id and
 * {@code x-forwarded-for}); the caller's {@code grpc-timeout} (or the server's request timeout) becomes the
 * backend call's {@code grpc-timeout} and, once passed, answers {@code DEADLINE_EXCEEDED} and cancels the
 * backend call; a caller that goes away cancels it too; an unreachable backend answers {@code UNAVAILABLE} as
 * a gRPC status; a failure before the backend's reply started answers Trailers-Only (the status in the
 * response headers); the request size limit is the server's; the access log sees the wire format and status.
 */
final class GrpcPassThroughService extends SimpleDecoratingHttpService {

    private static final Logger logger = LoggerFactory.getLogger(GrpcPassThroughService.class);

    private static final MediaType GRPC_REQUEST_TYPE = MediaType.create("application", "grpc");
    private static final int TRAILER_FRAME_FLAG = 0x80;
    /** The most digits a {@code grpc-timeout} value may have. */
    private static final long MAX_TIMEOUT_VALUE = 99_999_999L;

    private final WebClient backend;
    private final Set<String> methodPaths;

    /**
     * @param delegate serves what this does not pass through
     * @param backend the HTTP/2 client to the backend (no response timeout or length limit of its own)
     * @param services the forwarded services; calls to their methods are passed through
     */
    GrpcPassThroughService(HttpService delegate, WebClient backend, List<ServiceDescriptor> services) {
        super(delegate);
        this.backend = requireNonNull(backend, "backend");
        final Set<String> paths = new HashSet<>();
        for (ServiceDescriptor service : services) {
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                paths.add('/' + method.getFullMethodName());
            }
        }
        methodPaths = Set.copyOf(paths);
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
        final SerializationFormat format = passThroughFormat(req.headers());
        if (format == null || req.method() != HttpMethod.POST || !methodPaths.contains(ctx.path())) {
            return unwrap().serve(ctx, req);
        }
        ctx.logBuilder().serializationFormat(format);
        final long timeoutNanos = timeoutNanos(ctx, req.headers());
        if (timeoutNanos < 0) {
            return trailersOnly(format, Status.INTERNAL.withDescription("Invalid grpc-timeout"));
        }
        // The call's deadline is enforced here, as a gRPC status; not by the server's request timeout (a 503).
        ctx.clearRequestTimeout();
        final Call call = new Call(ctx, req, format, timeoutNanos);
        call.start();
        return call.response;
    }

    /**
     * Returns the serialization format of a request to pass through: binary gRPC or gRPC-Web with protobuf and
     * no message compression; {@code null} for anything else.
     */
    @Nullable
    static SerializationFormat passThroughFormat(RequestHeaders headers) {
        final MediaType contentType = headers.contentType();
        if (contentType == null || !"application".equals(contentType.type())) {
            return null;
        }
        final String encoding = headers.get(GrpcHeaderNames.GRPC_ENCODING);
        if (encoding != null && !"identity".equals(encoding)) {
            return null;
        }
        switch (contentType.subtype()) {
            case "grpc":
            case "grpc+proto":
                return GrpcSerializationFormats.PROTO;
            case "grpc-web":
            case "grpc-web+proto":
                return GrpcSerializationFormats.PROTO_WEB;
            default:
                return null;
        }
    }

    /**
     * Returns the time the call has, in nanoseconds: the caller's {@code grpc-timeout}, else the server's
     * request timeout; 0 for none, -1 if {@code grpc-timeout} is malformed.
     */
    private static long timeoutNanos(ServiceRequestContext ctx, RequestHeaders headers) {
        final String header = headers.get(GrpcHeaderNames.GRPC_TIMEOUT);
        if (header == null) {
            return TimeUnit.MILLISECONDS.toNanos(Math.max(0, ctx.requestTimeoutMillis()));
        }
        if (header.length() < 2 || header.length() > 9) {
            return -1;
        }
        final long value;
        try {
            value = Long.parseLong(header, 0, header.length() - 1, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
        if (value < 0) {
            return -1;
        }
        final TimeUnit unit;
        switch (header.charAt(header.length() - 1)) {
            case 'n': unit = TimeUnit.NANOSECONDS; break;
            case 'u': unit = TimeUnit.MICROSECONDS; break;
            case 'm': unit = TimeUnit.MILLISECONDS; break;
            case 'S': unit = TimeUnit.SECONDS; break;
            case 'M': unit = TimeUnit.MINUTES; break;
            case 'H': unit = TimeUnit.HOURS; break;
            default: return -1;
        }
        // 0 means no time at all; keep it distinct from "no deadline".
        return Math.max(1, unit.toNanos(value));
    }

    /** Returns {@code nanos} as a {@code grpc-timeout} value: at most 8 digits, in the finest unit that fits. */
    static String grpcTimeout(long nanos) {
        if (nanos <= MAX_TIMEOUT_VALUE) {
            return nanos + "n";
        }
        if (nanos / 1_000 <= MAX_TIMEOUT_VALUE) {
            return nanos / 1_000 + "u";
        }
        if (nanos / 1_000_000 <= MAX_TIMEOUT_VALUE) {
            return nanos / 1_000_000 + "m";
        }
        if (nanos / 1_000_000_000 <= MAX_TIMEOUT_VALUE) {
            return nanos / 1_000_000_000 + "S";
        }
        return Math.min(MAX_TIMEOUT_VALUE, TimeUnit.NANOSECONDS.toMinutes(nanos)) + "M";
    }

    private static HttpResponse trailersOnly(SerializationFormat format, Status status) {
        final ResponseHeadersBuilder headers = ResponseHeaders.builder(HttpStatus.OK)
                                                              .contentType(format.mediaType());
        addStatus(headers, status);
        return HttpResponse.of(headers.endOfStream(true).build());
    }

    private static void addStatus(HttpHeadersBuilder headers, Status status) {
        headers.set(GrpcHeaderNames.GRPC_STATUS, Integer.toString(status.getCode().value()));
        if (status.getDescription() != null) {
            headers.set(GrpcHeaderNames.GRPC_MESSAGE, percentEncode(status.getDescription()));
        }
    }

    /** The {@code grpc-message} encoding: printable ASCII except '%' as is, everything else as UTF-8 %XX. */
    private static String percentEncode(String message) {
        final byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        final StringBuilder encoded = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            if (b >= ' ' && b < '~' + 1 && b != '%') {
                encoded.append((char) b);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                       .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
            }
        }
        return encoded.toString();
    }

    /** The gRPC status for a backend reply without {@code grpc-status}, from its HTTP status (gRPC's mapping). */
    private static Status statusOfHttp(HttpStatus httpStatus) {
        final Status.Code code;
        switch (httpStatus.code()) {
            case 400: code = Status.Code.INTERNAL; break;
            case 401: code = Status.Code.UNAUTHENTICATED; break;
            case 403: code = Status.Code.PERMISSION_DENIED; break;
            case 404: code = Status.Code.UNIMPLEMENTED; break;
            case 429:
            case 502:
            case 503:
            case 504: code = Status.Code.UNAVAILABLE; break;
            default: code = Status.Code.UNKNOWN; break;
        }
        return Status.fromCode(code).withDescription("ChargeBot server answered HTTP " + httpStatus.code());
    }

    /**
     * One passed-through call. Every callback runs on the request's event loop (the backend reply is subscribed
     * there, the rest hops onto it), so its state needs no locks.
     */
    private final class Call implements Subscriber<HttpObject> {

        final HttpResponse response;
        private final CompletableFuture<HttpResponse> responseFuture = new CompletableFuture<>();
        private final ServiceRequestContext ctx;
        private final HttpRequest req;
        private final SerializationFormat format;
        private final long timeoutNanos;
        private final EventExecutor eventLoop;

        @Nullable
        private HttpResponse backendResponse;
        @Nullable
        private Subscription subscription;
        /** The caller's response once the backend's headers came; null before. */
        @Nullable
        private HttpResponseWriter writer;
        @Nullable
        private ScheduledFuture<?> deadlineTimer;
        private boolean done;

        Call(ServiceRequestContext ctx, HttpRequest req, SerializationFormat format, long timeoutNanos) {
            this.ctx = ctx;
            this.req = req;
            this.format = format;
            this.timeoutNanos = timeoutNanos;
            eventLoop = ctx.eventLoop();
            response = HttpResponse.of(responseFuture);
        }

        void start() {
            final RequestHeadersBuilder headers =
                    RequestHeaders.builder(HttpMethod.POST, ctx.path())
                                  .contentType(GRPC_REQUEST_TYPE)
                                  .set(HttpHeaderNames.TE, "trailers")
                                  .set(HttpHeaderNames.USER_AGENT, GrpcWebGateway.USER_AGENT);
            if (timeoutNanos > 0) {
                headers.set(GrpcHeaderNames.GRPC_TIMEOUT, grpcTimeout(timeoutNanos));
                deadlineTimer = eventLoop.schedule(this::onDeadline, timeoutNanos, TimeUnit.NANOSECONDS);
            }
            ForwardedHeaders.toBackend(req.headers(), headers, requestId(), ctx.remoteAddress());

            backendResponse = backend.execute(req.withHeaders(headers));
            backendResponse.subscribe(this, eventLoop);
            req.whenComplete().exceptionally(cause -> {
                if (isTooLarge(cause)) {
                    runOnEventLoop(() -> onRequestFailed(cause));
                }
                // Other request failures end the backend call, which then reports through onError.
                return null;
            });
            ctx.whenRequestCancelling().thenRun(() -> runOnEventLoop(this::onCallerGone));
        }

        private String requestId() {
            final String requestId = RequestIdService.of(ctx);
            return requestId != null ? requestId : UUID.randomUUID().toString();
        }

        // Backend reply -> caller

        @Override
        public void onSubscribe(Subscription subscription) {
            this.subscription = subscription;
            if (done) {
                subscription.cancel();
                return;
            }
            subscription.request(1);
        }

        @Override
        public void onNext(HttpObject object) {
            if (done) {
                return;
            }
            if (object instanceof ResponseHeaders) {
                onHeaders((ResponseHeaders) object);
            } else if (object instanceof HttpData) {
                onData((HttpData) object);
            } else if (object instanceof HttpHeaders) {
                onTrailers((HttpHeaders) object);
            } else {
                subscription.request(1);
            }
        }

        private void onHeaders(ResponseHeaders headers) {
            if (headers.status().isInformational()) {
                subscription.request(1);
                return;
            }
            if (writer != null) {
                // Only trailers may follow the headers; a second block of headers is treated as them.
                onTrailers(headers);
                return;
            }
            final String grpcStatus = headers.get(GrpcHeaderNames.GRPC_STATUS);
            if (grpcStatus != null || headers.status() != HttpStatus.OK) {
                // Trailers-Only (an immediate error), or not a gRPC reply at all: one block of headers.
                final ResponseHeadersBuilder reply = ResponseHeaders.builder(HttpStatus.OK)
                                                                    .contentType(format.mediaType());
                ForwardedHeaders.fromBackend(headers, reply);
                if (grpcStatus != null) {
                    copyStatus(headers, reply);
                } else {
                    addStatus(reply, statusOfHttp(headers.status()));
                }
                finish(reply.endOfStream(true).build());
                return;
            }
            final ResponseHeadersBuilder reply = ResponseHeaders.builder(HttpStatus.OK)
                                                                .contentType(format.mediaType());
            ForwardedHeaders.fromBackend(headers, reply);
            writer = HttpResponse.streaming();
            writer.write(reply.build());
            responseFuture.complete(writer);
            subscription.request(1);
        }

        private void onData(HttpData data) {
            if (writer == null) {
                // Data before headers is a protocol error; grpc-java would fail the call the same way.
                failWith(Status.INTERNAL.withDescription("ChargeBot server sent a message before its headers"));
                return;
            }
            if (!writer.tryWrite(data)) {
                cancelBackend();
                return;
            }
            writer.whenConsumed().thenRun(() -> runOnEventLoop(this::requestNext));
        }

        private void requestNext() {
            if (!done) {
                subscription.request(1);
            }
        }

        private void onTrailers(HttpHeaders trailers) {
            if (writer == null) {
                // Trailers without headers: treat as a Trailers-Only reply.
                onHeaders(ResponseHeaders.builder(HttpStatus.OK).add(trailers).build());
                return;
            }
            final HttpHeadersBuilder relayed = HttpHeaders.builder();
            ForwardedHeaders.fromBackend(trailers, relayed);
            if (trailers.contains(GrpcHeaderNames.GRPC_STATUS)) {
                copyStatus(trailers, relayed);
            } else {
                addStatus(relayed, Status.INTERNAL.withDescription("ChargeBot server sent no status"));
            }
            writeTrailersAndClose(relayed.build());
        }

        @Override
        public void onError(Throwable cause) {
            if (done) {
                return;
            }
            final Throwable requestFailure = requestFailure();
            if (requestFailure != null && isTooLarge(requestFailure)) {
                // The caller's request broke the server's limit first: that ended the backend call.
                onRequestFailed(requestFailure);
                return;
            }
            if (ctx.isCancelled()) {
                onCallerGone();
                return;
            }
            failWith(statusOfFailure(Exceptions.peel(cause)));
        }

        @Override
        public void onComplete() {
            if (!done) {
                failWith(Status.INTERNAL.withDescription("ChargeBot server ended the call without a status"));
            }
        }

        // The caller's side

        private void onDeadline() {
            if (done) {
                return;
            }
            failWith(Status.DEADLINE_EXCEEDED.withDescription("Deadline exceeded"));
        }

        private void onRequestFailed(Throwable cause) {
            if (done) {
                return;
            }
            // As for the other wire formats: the server's limit answers HTTP 413 if nothing was sent yet.
            done = true;
            cancelTimer();
            cancelBackend();
            if (writer == null) {
                responseFuture.complete(HttpResponse.of(HttpStatus.REQUEST_ENTITY_TOO_LARGE));
            } else {
                writer.abort(cause);
            }
        }

        /** Returns why the caller's request failed; {@code null} if it did not (or not yet). */
        @Nullable
        private Throwable requestFailure() {
            final CompletableFuture<Void> whenComplete = req.whenComplete();
            if (!whenComplete.isCompletedExceptionally()) {
                return null;
            }
            return whenComplete.handle((unused, cause) -> cause).join();
        }

        private void onCallerGone() {
            if (!done) {
                // Nothing reaches the caller any more; the status is for the access log.
                failWith(Status.CANCELLED.withDescription("Caller cancelled the call"));
            }
        }

        // Ending the call

        /** Ends the call with a status the gateway makes up, and cancels the backend call. */
        private void failWith(Status status) {
            if (writer == null) {
                final ResponseHeadersBuilder headers = ResponseHeaders.builder(HttpStatus.OK)
                                                                      .contentType(format.mediaType());
                addStatus(headers, status);
                finish(headers.endOfStream(true).build());
            } else {
                final HttpHeadersBuilder trailers = HttpHeaders.builder();
                addStatus(trailers, status);
                writeTrailersAndClose(trailers.build());
            }
            cancelBackend();
        }

        /** Ends the call with a Trailers-Only reply: one block of headers carrying the status. */
        private void finish(ResponseHeaders trailersOnly) {
            done = true;
            cancelTimer();
            if (format == GrpcSerializationFormats.PROTO_WEB) {
                // Where the access log looks for a gRPC-Web call's status.
                GrpcWebTrailers.set(ctx, trailersOnly);
            }
            responseFuture.complete(HttpResponse.of(trailersOnly));
        }

        private void writeTrailersAndClose(HttpHeaders trailers) {
            done = true;
            cancelTimer();
            if (format == GrpcSerializationFormats.PROTO_WEB) {
                GrpcWebTrailers.set(ctx, trailers);
                writer.tryWrite(trailerFrame(trailers));
            } else {
                writer.tryWrite(trailers);
            }
            writer.close();
        }

        private void cancelBackend() {
            if (subscription != null) {
                subscription.cancel();
            }
            if (backendResponse != null) {
                backendResponse.abort();
            }
        }

        private void cancelTimer() {
            if (deadlineTimer != null) {
                deadlineTimer.cancel(false);
            }
        }

        private void runOnEventLoop(Runnable task) {
            if (eventLoop.inEventLoop()) {
                task.run();
            } else {
                eventLoop.execute(task);
            }
        }

        /**
         * Returns the status for a backend call that failed in the gateway's client. The caller gets a plain
         * description; the details (the backend's address, say) go to the log.
         */
        private Status statusOfFailure(Throwable cause) {
            if (cause instanceof UnprocessedRequestException || cause instanceof ConnectException ||
                cause instanceof ClosedSessionException || cause instanceof ClosedStreamException) {
                logger.warn("Backend unavailable for {}: {}", ctx.path(), cause.toString());
                return Status.UNAVAILABLE.withDescription("ChargeBot server unavailable");
            }
            logger.warn("Backend call to {} failed in the gateway", ctx.path(), cause);
            return Status.INTERNAL.withDescription("Gateway error");
        }
    }

    private static boolean isTooLarge(Throwable cause) {
        final Throwable peeled = Exceptions.peel(cause);
        return peeled instanceof ContentTooLargeException ||
               peeled instanceof HttpStatusException &&
               ((HttpStatusException) peeled).httpStatus() == HttpStatus.REQUEST_ENTITY_TOO_LARGE;
    }

    private static void copyStatus(HttpHeaders from, HttpHeadersBuilder to) {
        to.set(GrpcHeaderNames.GRPC_STATUS, from.get(GrpcHeaderNames.GRPC_STATUS));
        final String message = from.get(GrpcHeaderNames.GRPC_MESSAGE);
        if (message != null) {
            to.set(GrpcHeaderNames.GRPC_MESSAGE, message);
        }
    }

    /** Returns {@code trailers} as a gRPC-Web trailer frame: flag 0x80, length, {@code name: value\r\n} lines. */
    static HttpData trailerFrame(HttpHeaders trailers) {
        final StringBuilder lines = new StringBuilder();
        trailers.forEach((name, value) -> lines.append(name).append(": ").append(value).append("\r\n"));
        final byte[] payload = lines.toString().getBytes(StandardCharsets.US_ASCII);
        final byte[] frame = new byte[5 + payload.length];
        frame[0] = (byte) TRAILER_FRAME_FLAG;
        frame[1] = (byte) (payload.length >>> 24);
        frame[2] = (byte) (payload.length >>> 16);
        frame[3] = (byte) (payload.length >>> 8);
        frame[4] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 5, payload.length);
        return HttpData.wrap(frame);
    }
}
