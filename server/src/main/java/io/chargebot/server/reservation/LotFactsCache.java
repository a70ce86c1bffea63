package io.chargebot.server.reservation;

import io.chargebot.server.db.DatabaseNotifications;
import io.chargebot.server.db.Db;
import io.chargebot.server.db.NotifiedCache;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What a booking needs to know about its lot and spot (time zone, opening hours, open, spot usable,
 * names), kept in memory per lot so that CreateReservation reads the database once — the booking
 * itself. Kept current by the parking triggers (V6, V12): {@code lot:<id>} when a lot row or its
 * opening hours change, {@code free:<id>} when its spots change (or a near reservation does, which is
 * harmless here), {@code reload} for bulk changes. Admin writes through this server wait for the
 * parking index to apply their notification, which this cache has seen by then (notifications are
 * delivered in commit order, to every subscriber of the channel, on one thread). The booking
 * statement itself checks again that the spot is usable and its lot open.
 */
@Singleton
final class LotFactsCache extends NotifiedCache<UUID, Map<UUID, Reservations.SpotFacts>> {

    /** A key no lot has: for notifications that change nothing here ({@code sync:<token>}). */
    private static final UUID NONE = new UUID(0, 0);

    private final Db db;
    private final Reservations reservations;

    LotFactsCache(Db db, Reservations reservations,
                  @Value("${chargebot.reservation.lot-facts-ttl:60s}") Duration ttl) {
        super(DatabaseNotifications.PARKING_CHANNEL, ttl, 20_000);
        this.db = db;
        this.reservations = reservations;
    }

    /** The spot (not deleted) of the lot, with the lot's facts; empty when there is no such spot. */
    Optional<Reservations.SpotFacts> spot(UUID lotId, UUID spotId) {
        Optional<Map<UUID, Reservations.SpotFacts>> lot = get(lotId,
                id -> db.read(connection -> reservations.lotSpotFacts(connection, id)));
        return lot.map(spots -> spots.get(spotId));
    }

    @Override
    @Nullable
    protected UUID keyOf(String payload) {
        int colon = payload.indexOf(':');
        String kind = colon < 0 ? payload : payload.substring(0, colon);
        if (kind.equals("sync")) {
            return NONE;
        }
        if (!kind.equals("lot") && !kind.equals("free")) {
            return null;
        }
        try {
            return UUID.fromString(payload.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
