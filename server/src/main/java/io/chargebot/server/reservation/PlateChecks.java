package io.chargebot.server.reservation;

import io.chargebot.plate.v1.MatchPlateRequest;
import io.chargebot.plate.v1.MatchPlateResponse;
import io.chargebot.plate.v1.VerifyPlateRequest;
import io.chargebot.plate.v1.VerifyPlateResponse;
import io.chargebot.reservation.v1.ReservationConflict;
import io.chargebot.server.auth.Principal;
import io.chargebot.server.auth.Role;
import io.chargebot.server.car.Plates;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.Violations;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.grpc.ResourceNames;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The reservation side of PlateService (seed 003 /api/plates/verify and /api/plates/match):
 * whether a plate and a spot are free for a window, and which active reservation a plate seen by a
 * camera belongs to (recording the car's arrival).
 */
@Singleton
public final class PlateChecks {

    /** How far in the future a camera's timestamp may be (clock skew). */
    static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

    private final Db db;
    private final Reservations reservations;
    private final Clock clock;

    PlateChecks(Db db, Reservations reservations, Clock clock) {
        this.db = db;
        this.reservations = reservations;
        this.clock = clock;
    }

    /** VerifyPlate: the active windows overlapping the stated one at the spot or for the plate. */
    public VerifyPlateResponse verify(VerifyPlateRequest request) {
        Violations v = new Violations();
        String plate = plate(request.getPlate(), v);
        ResourceNames.SpotName spot = v.capture(() -> ResourceNames.parseSpot(request.getSpot(), "spot"));
        BookingWindow.Shape shape = BookingWindow.shape(request.getLocalDate(), request.getLocalStartTime(),
                request.hasLocalEndTime() ? request.getLocalEndTime() : null, request.getDurationMinutes(), v);
        v.throwIfAny();
        Principal caller = Principal.require();
        UUID viewer = caller.role() == Role.USER ? caller.userId() : null;
        return db.read(connection -> {
            Reservations.SpotFacts facts = reservations.spotFacts(connection, spot.lotId(), spot.spotId())
                    .orElseThrow(() -> ApiException.notFound(request.getSpot()));
            Instant start = BookingWindow.instant(shape.date(), shape.startMinute(), facts.zone(), "local_start_time", v);
            Instant end = BookingWindow.instant(shape.date(), shape.endMinute(), facts.zone(), shape.endField(), v);
            v.throwIfAny();
            List<ReservationConflict> conflicts = reservations.conflicts(connection, spot.spotId(), null, plate, start, end, viewer);
            return VerifyPlateResponse.newBuilder()
                    .setConflict(!conflicts.isEmpty())
                    .addAllConflicts(conflicts)
                    .setNormalizedPlate(plate)
                    .setStartTime(ProtoTime.timestamp(start))
                    .setEndTime(ProtoTime.timestamp(end))
                    .build();
        });
    }

    /**
     * MatchPlate: the reservation of the plate whose window contains the moment (not cancelled or
     * failed), optionally only at one lot; records the arrival unless validate_only or already recorded.
     * A first arrival moves a CONFIRMED reservation to IN_PROGRESS.
     */
    public MatchPlateResponse match(MatchPlateRequest request) {
        Instant now = clock.instant();
        Violations v = new Violations();
        String plate = plate(request.getPlate(), v);
        Instant seen = now;
        if (request.hasTime()) {
            seen = ProtoTime.instant(request.getTime());
            v.check(request.getTime().getNanos() >= 0 && request.getTime().getNanos() <= 999_999_999
                    && request.getTime().getSeconds() > 0, "time", "is not a valid timestamp");
            v.check(!seen.isAfter(now.plus(MAX_CLOCK_SKEW)), "time", "must not be more than "
                    + MAX_CLOCK_SKEW.toMinutes() + " minutes in the future");
        }
        UUID lotId = request.getParkingLot().isEmpty() ? null
                : v.capture(() -> ResourceNames.parseParkingLot(request.getParkingLot(), "parking_lot"));
        v.throwIfAny();
        Instant at = seen;
        MatchPlateResponse.Builder response = MatchPlateResponse.newBuilder().setNormalizedPlate(plate);
        return db.transaction(connection -> {
            UUID id = null;
            try (PreparedStatement ps = Db.prepare(connection, "SELECT id FROM reservations WHERE plate_normalized = ? "
                    + "AND status NOT IN ('CANCELLED', 'FAILED') AND period @> ?::timestamptz"
                    + (lotId != null ? " AND lot_id = ?" : "") + " ORDER BY lower(period) LIMIT 1"
                    + (request.getValidateOnly() ? "" : " FOR UPDATE"))) {
                ps.setString(1, plate);
                ps.setTimestamp(2, Timestamp.from(at));
                if (lotId != null) {
                    ps.setObject(3, lotId);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        id = rs.getObject(1, UUID.class);
                    }
                }
            }
            if (id == null) {
                return response.build();
            }
            boolean recorded = false;
            if (!request.getValidateOnly()) {
                try (PreparedStatement ps = Db.prepare(connection, "UPDATE reservations SET arrived_at = ?, "
                        + "status = CASE WHEN status = 'CONFIRMED' THEN 'IN_PROGRESS' ELSE status END, updated_at = ? "
                        + "WHERE id = ? AND arrived_at IS NULL")) {
                    ps.setTimestamp(1, Timestamp.from(at));
                    ps.setTimestamp(2, Timestamp.from(now));
                    ps.setObject(3, id);
                    recorded = ps.executeUpdate() == 1;
                }
            }
            Optional<Reservations.Row> row = reservations.byId(connection, id, now, false);
            return response.setMatched(true).setReservation(Reservations.toProto(row.orElseThrow()))
                    .setArrivalRecorded(recorded).build();
        });
    }

    private static String plate(String raw, Violations v) {
        if (raw.isBlank()) {
            v.add("plate", "is required (e.g. 12가3456, 123가4567 or 서울12가3456)");
            return null;
        }
        if (raw.length() > 20) {
            v.add("plate", "must be at most 20 characters");
            return null;
        }
        return v.capture(() -> Plates.normalize(raw, "plate"));
    }
}
