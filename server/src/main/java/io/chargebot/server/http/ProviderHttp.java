package io.chargebot.server.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chargebot.server.error.ApiException;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One outbound call to a provider's HTTP API, bounded in time (connect timeout; request timeout,
 * shortened to the caller's gRPC deadline, covering the whole body) and answer size ({@link BoundedBody}),
 * never following redirects.
 *
 * <p>The caller's deadline is handled here: already passed, or passed while waiting for the answer,
 * the call fails with DEADLINE_EXCEEDED. Every other failure is a {@link Failure} for the adapter to
 * map to its own error; nothing about the request (URL, headers, body) is logged or put in it.
 */
public final class ProviderHttp {

    private static final ObjectMapper json = new ObjectMapper();

    /** A provider's answer. */
    public record Response(int status, HttpHeaders headers, byte[] body) {

        /** The body as JSON; null when it is empty or not JSON. */
        @Nullable
        public JsonNode json() {
            if (body.length == 0) {
                return null;
            }
            try {
                return ProviderHttp.json.readTree(body);
            } catch (IOException e) {
                return null;
            }
        }
    }

    /** A provider's answer with its body read as JSON ({@link Response#json()}). */
    public record JsonResponse(int status, @Nullable JsonNode body) {

        public static JsonResponse of(Response response) {
            return new JsonResponse(response.status(), response.json());
        }
    }

    /** Why a call got no answer; the caller's deadline is never the reason (that is DEADLINE_EXCEEDED). */
    public enum Reason {
        /** No complete answer within the configured request timeout. */
        TIMED_OUT,
        /** The connection or the exchange failed, or the answer was too large. */
        FAILED,
        /** This thread was interrupted while waiting (its interrupt flag is set again). */
        INTERRUPTED
    }

    /**
     * The call got no answer; see {@link #reason()}. For {@link Reason#FAILED} the message says what
     * failed, as {@code ExceptionClass: message}; it never holds the request's headers or body.
     */
    public static final class Failure extends Exception {

        private final Reason reason;
        private final Duration timeout;

        Failure(Reason reason, Duration timeout, String message) {
            super(message, null, false, false);
            this.reason = reason;
            this.timeout = timeout;
        }

        public Reason reason() {
            return reason;
        }

        /** The request timeout the call had. */
        public Duration timeout() {
            return timeout;
        }
    }

    private final HttpClient client;
    private final Duration requestTimeout;
    private final boolean abandonWhenCancelled;

    private ProviderHttp(Duration connectTimeout, Duration requestTimeout, boolean abandonWhenCancelled) {
        this.requestTimeout = requireNonNull(requestTimeout, "requestTimeout");
        this.client = HttpClient.newBuilder()
                .connectTimeout(requireNonNull(connectTimeout, "connectTimeout"))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.abandonWhenCancelled = abandonWhenCancelled;
    }

    /** Calls that run to their end (or timeout) even when the gRPC call that made them is cancelled. */
    public ProviderHttp(Duration connectTimeout, Duration requestTimeout) {
        this(connectTimeout, requestTimeout, false);
    }

    /**
     * Calls abandoned as soon as the gRPC call that made them is cancelled (or its deadline passes),
     * failing with CANCELLED or DEADLINE_EXCEEDED: a caller who gives up frees the connection at once.
     */
    public static ProviderHttp abandonedWhenCancelled(Duration connectTimeout, Duration requestTimeout) {
        return new ProviderHttp(connectTimeout, requestTimeout, true);
    }

    /**
     * Sends {@code request} (its timeout is set here) and reads at most {@code maxResponseBytes}.
     *
     * @throws Failure for no answer, for the adapter to map to its own error
     */
    public Response send(HttpRequest.Builder request, int maxResponseBytes) throws Failure {
        Duration timeout = requestTimeout;
        boolean deadlineBound = false;
        Context context = Context.current();
        Deadline deadline = context.getDeadline();
        if (deadline != null) {
            long left = deadline.timeRemaining(TimeUnit.MILLISECONDS);
            if (left <= 0) {
                throw ApiException.deadlineExceeded();
            }
            if (left < timeout.toMillis()) {
                timeout = Duration.ofMillis(left);
                deadlineBound = true;
            }
        }
        CompletableFuture<HttpResponse<byte[]>> future =
                client.sendAsync(request.timeout(timeout).build(), info -> new BoundedBody(maxResponseBytes));
        Context.CancellationListener onCancel = cancelled -> future.cancel(true);
        if (abandonWhenCancelled) {
            context.addListener(onCancel, Runnable::run);
        }
        try {
            // The client's own timeout stops at the headers; this bounds the body too.
            HttpResponse<byte[]> response = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (TimeoutException e) {
            future.cancel(true);
            throw timedOut(timeout, deadlineBound);
        } catch (CancellationException e) {
            throw callerGaveUp(context);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpTimeoutException && !(cause instanceof HttpConnectTimeoutException)) {
                throw timedOut(timeout, deadlineBound);
            }
            if (abandonWhenCancelled && context.isCancelled()) {
                throw callerGaveUp(context);
            }
            throw new Failure(Reason.FAILED, timeout,
                    cause == null ? e.toString() : cause.getClass().getSimpleName() + ": " + cause.getMessage());
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new Failure(Reason.INTERRUPTED, timeout, "interrupted");
        } finally {
            if (abandonWhenCancelled) {
                context.removeListener(onCancel);
            }
        }
    }

    /** Throws DEADLINE_EXCEEDED when the caller's deadline cut the timeout, else returns the provider's timeout. */
    private static Failure timedOut(Duration timeout, boolean deadlineBound) {
        if (deadlineBound) {
            throw ApiException.deadlineExceeded();
        }
        return new Failure(Reason.TIMED_OUT, timeout, "no answer within " + timeout);
    }

    private static RuntimeException callerGaveUp(Context context) {
        Deadline deadline = context.getDeadline();
        if (deadline != null && deadline.isExpired()) {
            return ApiException.deadlineExceeded();
        }
        return Status.CANCELLED.withDescription("the call was cancelled").asRuntimeException();
    }

    /**
     * The value of a credential header: {@code Bearer {apiKey}} for {@code Authorization}, the bare key
     * for any other header (e.g. {@code x-api-key}).
     */
    public static String credential(String header, String apiKey) {
        return header.equalsIgnoreCase("Authorization") ? "Bearer " + apiKey : apiKey;
    }
}
