package io.chargebot.server.geocode;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.http.BoundedBody;
import io.grpc.Context;
import io.grpc.Deadline;
import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * GET to a geocoding API, bounded in time (connect timeout; request timeout, shortened to the
 * caller's gRPC deadline, covering the whole body) and size (64 KiB). Failures become
 * {@link GeocodingProvider.ProviderFailure} with a message that never holds a credential; a passed
 * caller deadline is DEADLINE_EXCEEDED (no other provider is tried then).
 */
final class GeocoderHttp {

    static final int MAX_RESPONSE_BYTES = 64 * 1024;
    private static final ObjectMapper json = new ObjectMapper();

    /** A provider's answer: the status and, when it is JSON, the body. */
    record Response(int status, @Nullable JsonNode body) {}

    private final HttpClient client;
    private final Duration requestTimeout;

    GeocoderHttp(Duration connectTimeout, Duration requestTimeout) {
        this.requestTimeout = requireNonNull(requestTimeout, "requestTimeout");
        this.client = HttpClient.newBuilder()
                .connectTimeout(requireNonNull(connectTimeout, "connectTimeout"))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** {@code base + path + "?" + query}, each query value percent-encoded as UTF-8 (space as %20). */
    static URI uri(URI base, String path, Map<String, String> query) {
        StringBuilder uri = new StringBuilder(base.toString());
        while (uri.length() > 0 && uri.charAt(uri.length() - 1) == '/') {
            uri.setLength(uri.length() - 1);
        }
        uri.append(path);
        char separator = '?';
        for (Map.Entry<String, String> parameter : query.entrySet()) {
            uri.append(separator).append(encode(parameter.getKey())).append('=').append(encode(parameter.getValue()));
            separator = '&';
        }
        return URI.create(uri.toString());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** GETs {@code uri} with {@code headers} (credentials included; they are never logged). */
    Response get(String provider, URI uri, Map<String, String> headers) {
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
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET();
        headers.forEach(request::header);
        CompletableFuture<HttpResponse<byte[]>> future =
                client.sendAsync(request.build(), info -> new BoundedBody(MAX_RESPONSE_BYTES));
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
            throw new GeocodingProvider.ProviderFailure(provider + " call to " + uri.getPath() + " failed: "
                    + (cause == null ? e.toString() : cause.getClass().getSimpleName() + ": " + cause.getMessage()));
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new GeocodingProvider.ProviderFailure(provider + " call interrupted");
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

    private static RuntimeException timedOut(String provider, URI uri, Duration timeout, boolean deadlineBound) {
        if (deadlineBound) {
            return ApiException.deadlineExceeded();
        }
        return new GeocodingProvider.ProviderFailure(provider + " did not answer " + uri.getPath() + " within " + timeout);
    }

    /** A string field (numbers accepted as their text), or null when missing, not a value or blank. */
    @Nullable
    static String text(@Nullable JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode value = node.get(field);
        if (value == null || !value.isValueNode() || value.isNull() || value.asText().isBlank()) {
            return null;
        }
        return value.asText().strip();
    }
}
