package io.chargebot.server.geocode;

import com.fasterxml.jackson.databind.JsonNode;
import io.chargebot.server.http.ProviderHttp;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * GET to a geocoding API, bounded in time (connect timeout; request timeout, shortened to the
 * caller's gRPC deadline, covering the whole body) and size (64 KiB). Failures become
 * {@link GeocodingProvider.ProviderFailure} with a message that never holds a credential; a passed
 * caller deadline is DEADLINE_EXCEEDED (no other provider is tried then).
 */
final class GeocoderHttp {

    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    private final ProviderHttp http;

    GeocoderHttp(Duration connectTimeout, Duration requestTimeout) {
        this.http = new ProviderHttp(connectTimeout, requestTimeout);
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
    ProviderHttp.JsonResponse get(String provider, URI uri, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Accept", "application/json")
                .GET();
        headers.forEach(request::header);
        try {
            return ProviderHttp.JsonResponse.of(http.send(request, MAX_RESPONSE_BYTES));
        } catch (ProviderHttp.Failure e) {
            throw switch (e.reason()) {
                case TIMED_OUT -> new GeocodingProvider.ProviderFailure(
                        provider + " did not answer " + uri.getPath() + " within " + e.timeout());
                case FAILED -> new GeocodingProvider.ProviderFailure(
                        provider + " call to " + uri.getPath() + " failed: " + e.getMessage());
                case INTERRUPTED -> new GeocodingProvider.ProviderFailure(provider + " call interrupted");
            };
        }
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
