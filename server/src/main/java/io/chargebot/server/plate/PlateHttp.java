package io.chargebot.server.plate;

import static java.util.Objects.requireNonNull;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.http.ProviderHttp;
import io.grpc.Status;
import io.micronaut.core.annotation.Nullable;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    private final String displayName;
    private final ProviderHttp http;

    /**
     * @param displayName the recogniser as named in logs, e.g. "OpenAI"
     */
    PlateHttp(String displayName, Duration connectTimeout, Duration requestTimeout) {
        this.displayName = requireNonNull(displayName, "displayName");
        this.http = ProviderHttp.abandonedWhenCancelled(connectTimeout, requestTimeout);
    }

    /** Sends {@code request} (its timeout is set here) and reads at most {@code maxResponseBytes}. */
    ProviderHttp.Response send(HttpRequest.Builder request, int maxResponseBytes) {
        try {
            return http.send(request, maxResponseBytes);
        } catch (ProviderHttp.Failure e) {
            switch (e.reason()) {
                case TIMED_OUT -> logger.warn("{} did not answer within {}", displayName, e.timeout());
                case FAILED -> logger.warn("{} call failed: {}", displayName, e.getMessage());
                case INTERRUPTED -> { } // this server stopped waiting: nothing to say about the recogniser
            }
            throw unavailable();
        }
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

    @Nullable
    static String nullIfBlank(@Nullable String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
