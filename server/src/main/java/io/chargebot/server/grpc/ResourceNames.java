package io.chargebot.server.grpc;

import io.chargebot.server.error.ApiException;
import java.util.UUID;

/**
 * Formatting and parsing of the API's resource names (AIP-122): {@code cars/{uuid}},
 * {@code parkingLots/{uuid}}, {@code parkingLots/{uuid}/spots/{uuid}}, {@code reservations/{uuid}},
 * {@code users/{uuid}}. Parsing failures are INVALID_ARGUMENT naming the request field.
 */
public final class ResourceNames {

    public static final String CARS = "cars";
    public static final String PARKING_LOTS = "parkingLots";
    public static final String SPOTS = "spots";
    public static final String RESERVATIONS = "reservations";
    public static final String USERS = "users";
    public static final String ROBOTS = "robots";

    private static final int UUID_LENGTH = 36;

    private ResourceNames() {}

    /** {@code collection/{id}}, e.g. {@code cars/0f1e…}. */
    public static String name(String collection, UUID id) {
        return collection + '/' + id;
    }

    public static String parkingLot(UUID id) {
        return name(PARKING_LOTS, id);
    }

    public static String spot(UUID lotId, UUID spotId) {
        return PARKING_LOTS + '/' + lotId + '/' + SPOTS + '/' + spotId;
    }

    /** The id in a top-level name {@code collection/{uuid}}, or INVALID_ARGUMENT naming {@code field}. */
    public static UUID parse(String name, String field, String collection) {
        String format = collection + "/{uuid}";
        if (name.isEmpty()) {
            throw ApiException.invalid(field, "is required (format: " + format + ")");
        }
        if (name.length() != collection.length() + 1 + UUID_LENGTH || !name.startsWith(collection + '/')) {
            throw ApiException.invalid(field, "must have the format " + format);
        }
        return parseId(name.substring(collection.length() + 1), field, format);
    }

    public static UUID parseParkingLot(String name, String field) {
        return parse(name, field, PARKING_LOTS);
    }

    /** A spot's lot and spot ids. */
    public record SpotName(UUID lotId, UUID spotId) {
        @Override
        public String toString() {
            return spot(lotId, spotId);
        }
    }

    /** The ids in {@code parkingLots/{uuid}/spots/{uuid}}, or INVALID_ARGUMENT naming {@code field}. */
    public static SpotName parseSpot(String name, String field) {
        String format = "parkingLots/{uuid}/spots/{uuid}";
        if (name.isEmpty()) {
            throw ApiException.invalid(field, "is required (format: " + format + ")");
        }
        int lotEnd = PARKING_LOTS.length() + 1 + UUID_LENGTH;
        if (name.length() != lotEnd + 1 + SPOTS.length() + 1 + UUID_LENGTH
                || !name.startsWith(PARKING_LOTS + '/')
                || !name.startsWith('/' + SPOTS + '/', lotEnd)) {
            throw ApiException.invalid(field, "must have the format " + format);
        }
        return new SpotName(parseId(name.substring(PARKING_LOTS.length() + 1, lotEnd), field, format),
                parseId(name.substring(lotEnd + SPOTS.length() + 2), field, format));
    }

    /** {@code text} as a canonical UUID, or INVALID_ARGUMENT naming {@code field} and the expected {@code format}. */
    public static UUID parseId(String text, String field, String format) {
        try {
            UUID id = UUID.fromString(text);
            // UUID.fromString accepts short groups ("1-1-1-1-1"); only the canonical form is a name.
            if (!id.toString().equalsIgnoreCase(text)) {
                throw new IllegalArgumentException(text);
            }
            return id;
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(field, "must have the format " + format);
        }
    }
}
