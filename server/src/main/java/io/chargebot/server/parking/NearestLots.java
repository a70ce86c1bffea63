package io.chargebot.server.parking;

import io.micronaut.core.annotation.Nullable;
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

    /** From the in-memory index only, without blocking; null while it is not loaded (then use {@link #nearest}). */
    @Nullable
    ParkingLotRepository.Page inMemory(double latitude, double longitude, int radiusMeters, double afterChord,
                                       UUID afterId, int pageSize) {
        return index.nearest(latitude, longitude, radiusMeters, afterChord, afterId, pageSize);
    }

    /**
     * After a write through this server: waits briefly until the index has applied it, so the writer's
     * next search sees it (read-your-writes on one replica; other replicas follow within the NOTIFY delay).
     * If the index does not catch up in time, searches are simply eventually current.
     */
    void awaitOwnWrite() {
        try {
            index.awaitCurrent(OWN_WRITE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final java.time.Duration OWN_WRITE_WAIT = java.time.Duration.ofSeconds(2);
}
