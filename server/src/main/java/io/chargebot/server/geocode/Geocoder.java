package io.chargebot.server.geocode;

import java.util.Optional;

/**
 * Resolves a free-text place name or address (e.g. "강남역") to a WGS84 point: the port behind
 * ListParkingLots' {@code place_query} (seed 000: "the GPS coordinate of the top search result").
 * {@link GeocoderFactory} chooses the implementation from configuration.
 */
public interface Geocoder {

    /**
     * The top hit for {@code query}, or empty when no configured provider knows the place.
     *
     * @throws io.chargebot.server.error.ApiException UNAVAILABLE / PROVIDER_UNAVAILABLE when no
     *         provider could answer, DEADLINE_EXCEEDED when the caller's deadline passed first
     */
    Optional<GeocodedPlace> geocode(String query);
}
