package io.chargebot.server.parking;

import jakarta.inject.Singleton;
import java.util.UUID;

/**
 * Nearest-first lot search: from the in-memory {@link ParkingLotIndex} when it is ready, else from
 * PostgreSQL ({@link ParkingLotRepository#nearest}). Both give the same lots in the same order for
 * the same page token; see {@link ParkingLotIndex}.
 */
@Singleton
final class NearestLots {

    private final ParkingLotIndex index;
    private final ParkingLotRepository repository;

    NearestLots(ParkingLotIndex index, ParkingLotRepository repository) {
        this.index = index;
        this.repository = repository;
    }

    /** See {@link ParkingLotRepository#nearest}. */
    ParkingLotRepository.Page nearest(double latitude, double longitude, int radiusMeters, double afterChord,
                                      UUID afterId, int pageSize) {
        ParkingLotRepository.Page page = index.nearest(latitude, longitude, radiusMeters, afterChord, afterId, pageSize);
        return page != null ? page : repository.nearest(latitude, longitude, radiusMeters, afterChord, afterId, pageSize);
    }
}
