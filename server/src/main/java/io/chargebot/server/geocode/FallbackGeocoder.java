package io.chargebot.server.geocode;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the configured providers in order (Naver, then Kakao) and returns the first hit. A provider
 * that fails is logged and skipped; when every provider failed the result is UNAVAILABLE /
 * PROVIDER_UNAVAILABLE, when at least one answered without a hit it is empty. Queries are not logged
 * (a user may search for their home address).
 */
final class FallbackGeocoder implements Geocoder {

    private static final Logger logger = LoggerFactory.getLogger(FallbackGeocoder.class);

    private final List<GeocodingProvider> providers;

    FallbackGeocoder(List<GeocodingProvider> providers) {
        if (providers.isEmpty()) {
            throw new IllegalArgumentException("providers: empty (expected: at least one)");
        }
        this.providers = List.copyOf(providers);
    }

    @Override
    public Optional<GeocodedPlace> geocode(String query) {
        int failed = 0;
        for (GeocodingProvider provider : providers) {
            try {
                Optional<GeocodedPlace> hit = provider.search(query);
                if (hit.isPresent()) {
                    return hit;
                }
                logger.debug("Geocoding: {} has no hit", provider.name());
            } catch (GeocodingProvider.ProviderFailure e) {
                failed++;
                logger.warn("Geocoding with {} failed{}: {}", provider.name(),
                        failed < providers.size() ? " (trying the next provider)" : "", e.getMessage());
            }
        }
        if (failed == providers.size()) {
            throw unavailable();
        }
        return Optional.empty();
    }

    /** UNAVAILABLE / PROVIDER_UNAVAILABLE with a retry delay. */
    static ApiException unavailable() {
        return new ApiException(Status.Code.UNAVAILABLE, ErrorReason.PROVIDER_UNAVAILABLE,
                "place search is unavailable right now; retry later or search by location", List.of(), Map.of(),
                Duration.ofSeconds(1));
    }

    @Override
    public String toString() {
        return providers.stream().map(Object::toString).collect(Collectors.joining(", then "));
    }
}
