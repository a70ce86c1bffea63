package io.chargebot.server.geocode;

import java.util.Optional;

/** One geocoding service (Naver, Kakao); {@link FallbackGeocoder} asks them in order. */
interface GeocodingProvider {

    /** Short lower-case name for logs and {@link GeocodedPlace#source()}, e.g. "naver". */
    String name();

    /**
     * The provider's top hit for {@code query}, or empty when it has none.
     *
     * @throws ProviderFailure when the provider could not be asked or gave an unusable answer
     */
    Optional<GeocodedPlace> search(String query);

    /** The provider failed (transport, timeout, HTTP error, garbage); the message is safe to log. */
    final class ProviderFailure extends RuntimeException {

        private static final long serialVersionUID = 1L;

        ProviderFailure(String message) {
            super(message, null, false, false);
        }
    }
}
