package io.chargebot.server.parking;

import io.chargebot.server.error.ApiException;
import java.util.UUID;

/** Parsing and formatting of parking resource names ({@code parkingLots/{uuid}}). */
final class ResourceNames {

    private static final String LOTS = "parkingLots/";

    private ResourceNames() {}

    static String parkingLot(UUID id) {
        return LOTS + id;
    }

    /** The lot id in {@code name}, or INVALID_ARGUMENT naming {@code field}. */
    static UUID parseParkingLot(String name, String field) {
        if (name.isEmpty()) {
            throw ApiException.invalid(field, "is required (format: parkingLots/{uuid})");
        }
        if (!name.startsWith(LOTS) || name.length() != LOTS.length() + 36) {
            throw ApiException.invalid(field, "must have the format parkingLots/{uuid}");
        }
        try {
            return UUID.fromString(name.substring(LOTS.length()));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(field, "must have the format parkingLots/{uuid}");
        }
    }
}
