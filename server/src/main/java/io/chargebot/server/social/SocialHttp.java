package io.chargebot.server.social;

import com.fasterxml.jackson.databind.JsonNode;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.http.ProviderHttp;
import io.grpc.Status;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    private final ProviderHttp http;

    SocialHttp(Duration connectTimeout, Duration requestTimeout) {
        this.http = new ProviderHttp(connectTimeout, requestTimeout);
    }

    /** GETs {@code uri} with {@code Authorization: Bearer {accessToken}}. */
    ProviderHttp.JsonResponse get(SocialProvider provider, URI uri, String accessToken) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + accessToken)
                .header("Accept", "application/json")
                .GET();
        try {
            return ProviderHttp.JsonResponse.of(http.send(request, MAX_RESPONSE_BYTES));
        } catch (ProviderHttp.Failure e) {
            switch (e.reason()) {
                case TIMED_OUT -> logger.warn("{} did not answer {} within {}", provider.displayName(), uri.getPath(),
                        e.timeout());
                case FAILED -> logger.warn("{} call to {} failed: {}", provider.displayName(), uri.getPath(),
                        e.getMessage());
                case INTERRUPTED -> { } // this server stopped waiting: nothing to say about the provider
            }
            throw unavailable(provider);
        }
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
