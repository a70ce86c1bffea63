package io.chargebot.server.social;

import io.chargebot.server.http.BoundedBody;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.micronaut.core.annotation.Nullable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET with a bearer token to a provider's API, bounded in time (connect timeout; request timeout,
 * shortened to the caller's gRPC deadline, covering the whole body) and size (64 KiB). Transport
 * failures become UNAVAILABLE / PROVIDER_UNAVAILABLE; the token never appears in logs or messages.
 */
final class SocialHttp {

    private static final Logger logger = LoggerFactory.getLogger(SocialHttp.class);

    static final int MAX_RESPONSE_BYTES = 64 * 1024;
    private static final ObjectMapper json = new ObjectMapper();

    /** A provider's answer: the status and, when it is JSON, the body. */
    record Response(int status, @Nullable JsonNode body) {}

    private final HttpClient client;
    private final Duration requestTimeout;

    SocialHttp(Duration connectTimeout, Duration requestTimeout) {
        this.requestTimeout = requireNonNull(requestTimeout, "requestTimeout");
        this.client = HttpClient.newBuilder()
                .connectTimeout(requireNonNull(connectTimeout, "connectTimeout"))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** GETs {@code uri} with {@code Authorization: Bearer {accessToken}}. */
    Response get(SocialProvider provider, URI uri, String accessToken) {
        Duration timeout = requestTimeout;
        boolean deadlineBound = false;
        Deadline deadline = Context.current().getDeadline();
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
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Authorization", "Bearer " + accessToken)
                .header("Accept", "application/json")
                .GET()
                .build();
        CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request, info -> new BoundedBody(MAX_RESPONSE_BYTES));
        HttpResponse<byte[]> response;
        try {
            // The client's own timeout stops at the headers; this bounds the body too.
            response = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw timedOut(provider, uri, timeout, deadlineBound);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpTimeoutException && !(cause instanceof HttpConnectTimeoutException)) {
                throw timedOut(provider, uri, timeout, deadlineBound);
            }
            logger.warn("{} call to {} failed: {}", provider.displayName(), uri.getPath(),
                    cause == null ? e.toString() : cause.getClass().getSimpleName() + ": " + cause.getMessage());
            throw unavailable(provider);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw unavailable(provider);
        }
        JsonNode body = null;
        try {
            byte[] bytes = response.body();
            if (bytes.length > 0) {
                body = json.readTree(bytes);
            }
        } catch (IOException e) {
            body = null;
        }
        return new Response(response.statusCode(), body);
    }

    private static ApiException timedOut(SocialProvider provider, URI uri, Duration timeout, boolean deadlineBound) {
        if (deadlineBound) {
            return ApiException.deadlineExceeded();
        }
        logger.warn("{} did not answer {} within {}", provider.displayName(), uri.getPath(), timeout);
        return unavailable(provider);
    }

    /** UNAVAILABLE / PROVIDER_UNAVAILABLE naming the provider only. */
    static ApiException unavailable(SocialProvider provider) {
        return new ApiException(Status.Code.UNAVAILABLE, ErrorReason.PROVIDER_UNAVAILABLE,
                "sign-in with " + provider.displayName() + " is unavailable; retry later", List.of(), Map.of(),
                Duration.ofSeconds(1));
    }

    /** Logs and returns the error for an answer that no working provider would give. */
    static ApiException misbehaved(SocialProvider provider, String what) {
        logger.warn("{} answered {}", provider.displayName(), what);
        return unavailable(provider);
    }

    /** Logs a refused call as this server's configuration problem and returns the error for it. */
    static ApiException refused(SocialProvider provider, int status, String settings) {
        logger.warn("{} refused the call with HTTP {}: this looks like a configuration problem; check {}",
                provider.displayName(), status, settings);
        return unavailable(provider);
    }

    /** A string field, or null when it is missing, not a string or blank. */
    @Nullable
    static String text(@Nullable JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            return null;
        }
        return value.asText().strip();
    }
}
