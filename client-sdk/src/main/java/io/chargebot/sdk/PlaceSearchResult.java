package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import com.google.type.LatLng;
import io.chargebot.parking.v1.ParkingLot;

/**
 * What {@link ParkingClient#listNearPlace(String, int, int)} found: the point the place name
 * resolved to, and the first page of lots around it, nearest first.
 */
public final class PlaceSearchResult {

    private final LatLng origin;
    private final Page<ParkingLot> lots;

    PlaceSearchResult(LatLng origin, Page<ParkingLot> lots) {
        this.origin = requireNonNull(origin, "origin");
        this.lots = requireNonNull(lots, "lots");
    }

    /**
     * The coordinate searched from: the geocoded place (e.g. the station for "서울역"), to centre a map
     * on. Every lot's {@link ParkingLot#getDistanceMeters()} is measured from it.
     */
    public LatLng origin() {
        return origin;
    }

    /**
     * The lots, nearest first; {@link Page#next()} and {@link Page#iterateAll()} fetch further pages
     * around the same origin (the place is not geocoded again).
     */
    public Page<ParkingLot> lots() {
        return lots;
    }

    @Override
    public String toString() {
        return "PlaceSearchResult{origin=" + origin.getLatitude() + "," + origin.getLongitude() + ", lots=" + lots + '}';
    }
}
