package io.chargebot.server.plate;

import static java.util.Objects.requireNonNull;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.http.BoundedBody;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.micronaut.core.annotation.Nullable;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One recogniser call over HTTP, bounded in time (connect timeout; request timeout, shortened to the
 * caller's gRPC deadline, covering the whole body) and answer size, and abandoned when the gRPC call is
 * cancelled. Transport failures become UNAVAILABLE / PROVIDER_UNAVAILABLE; nothing about the request
 * (image, credentials) is logged.
 */
final class PlateHttp {

    private static final Logger logger = LoggerFactory.getLogger(PlateHttp.class);

    static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(1);

    /** A recogniser's answer. */
    record Response(int status, HttpHeaders headers, byte[] body) {}

    private final String displayName;
    private final HttpClient client;
    private final Duration requestTimeout;

    /**
     * @param displayName the recogniser as named in logs, e.g. "OpenAI"
     */
    PlateHttp(String displayName, Duration connectTimeout, Duration requestTimeout) {
        this.displayName = requireNonNull(displayName, "displayName");
        this.requestTimeout = requireNonNull(requestTimeout, "requestTimeout");
        this.client = HttpClient.newBuilder()
                .connectTimeout(requireNonNull(connectTimeout, "connectTimeout"))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Sends {@code request} (its timeout is set here) and reads at most {@code maxResponseBytes}. */
    Response send(HttpRequest.Builder request, int maxResponseBytes) {
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
        // A caller who gives up (cancel, deadline) frees the connection and the recognition permit at once.
        Context.CancellationListener onCancel = cancelled -> future.cancel(true);
        context.addListener(onCancel, Runnable::run);
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
            if (context.isCancelled()) {
                throw callerGaveUp(context);
            }
            logger.warn("{} call failed: {}", displayName,
                    cause == null ? e.toString() : cause.getClass().getSimpleName() + ": " + cause.getMessage());
            throw unavailable();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw unavailable();
        } finally {
            context.removeListener(onCancel);
        }
    }

    private RuntimeException callerGaveUp(Context context) {
        Deadline deadline = context.getDeadline();
        if (deadline != null && deadline.isExpired()) {
            return ApiException.deadlineExceeded();
        }
        return Status.CANCELLED.withDescription("the call was cancelled").asRuntimeException();
    }

    private ApiException timedOut(Duration timeout, boolean deadlineBound) {
        if (deadlineBound) {
            return ApiException.deadlineExceeded();
        }
        logger.warn("{} did not answer within {}", displayName, timeout);
        return unavailable();
    }

    /** UNAVAILABLE / PROVIDER_UNAVAILABLE, retry in a second; names no provider or cause. */
    static ApiException unavailable() {
        return new ApiException(Status.Code.UNAVAILABLE, ErrorReason.PROVIDER_UNAVAILABLE,
                "plate recognition is unavailable; retry later", List.of(), Map.of(), DEFAULT_RETRY_DELAY);
    }

    /** RESOURCE_EXHAUSTED / RATE_LIMITED: the recogniser asks to slow down; retry after {@code retryDelay}. */
    static ApiException rateLimited(Duration retryDelay) {
        return new ApiException(Status.Code.RESOURCE_EXHAUSTED, ErrorReason.RATE_LIMITED,
                "plate recognition is busy; retry after the delay in RetryInfo", List.of(), Map.of(), retryDelay);
    }

    /**
     * The delay a 429 answer asks for: {@code retry-after-ms} (OpenAI), else {@code Retry-After} in
     * seconds; {@link #DEFAULT_RETRY_DELAY} when neither is usable; at most a minute.
     */
    static Duration retryAfter(HttpHeaders headers) {
        Duration delay = null;
        String millis = headers.firstValue("retry-after-ms").orElse("").strip();
        String seconds = headers.firstValue("retry-after").orElse("").strip();
        try {
            if (!millis.isEmpty()) {
                delay = Duration.ofMillis((long) Math.ceil(Double.parseDouble(millis)));
            } else if (!seconds.isEmpty()) {
                delay = Duration.ofMillis((long) Math.ceil(Double.parseDouble(seconds) * 1000));
            }
        } catch (NumberFormatException e) {
            delay = null;
        }
        if (delay == null || delay.isNegative() || delay.isZero()) {
            return DEFAULT_RETRY_DELAY;
        }
        return delay.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : delay;
    }

    /** The {@code Authorization: Bearer} form for that header, the bare key for any other. */
    static String credential(String header, String apiKey) {
        return header.equalsIgnoreCase("Authorization") ? "Bearer " + apiKey : apiKey;
    }

    @Nullable
    static String nullIfBlank(@Nullable String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
