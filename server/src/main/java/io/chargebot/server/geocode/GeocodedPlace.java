package io.chargebot.server.geocode;

import static java.util.Objects.requireNonNull;

/**
 * A geocoding hit.
 *
 * @param latitude  WGS84 degrees, -90..90
 * @param longitude WGS84 degrees, -180..180
 * @param title     the matched place's name as plain text (markup removed); may be empty
 * @param address   its road address, else its lot-number address; may be empty
 * @param source    who answered: "naver", "kakao" or "local"
 */
public record GeocodedPlace(double latitude, double longitude, String title, String address, String source) {

    public GeocodedPlace {
        if (!(Double.isFinite(latitude) && latitude >= -90 && latitude <= 90)) {
            throw new IllegalArgumentException("latitude: " + latitude + " (expected: -90..90)");
        }
        if (!(Double.isFinite(longitude) && longitude >= -180 && longitude <= 180)) {
            throw new IllegalArgumentException("longitude: " + longitude + " (expected: -180..180)");
        }
        requireNonNull(title, "title");
        requireNonNull(address, "address");
        requireNonNull(source, "source");
    }

    /** Whether the point is a valid WGS84 coordinate. */
    static boolean valid(double latitude, double longitude) {
        return Double.isFinite(latitude) && latitude >= -90 && latitude <= 90
                && Double.isFinite(longitude) && longitude >= -180 && longitude <= 180;
    }
}
