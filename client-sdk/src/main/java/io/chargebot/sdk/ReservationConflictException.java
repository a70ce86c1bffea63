package io.chargebot.sdk;

import io.chargebot.reservation.v1.ConflictScope;
import io.chargebot.reservation.v1.ReservationConflict;
import java.util.List;
import javax.annotation.Nullable;

/**
 * The requested window overlaps an active reservation of the same spot or the same car (reason
 * {@code RESERVATION_CONFLICT}). The server names each overlapping window in a
 * {@link ReservationConflict}: whether the {@linkplain #scope() spot or the car} is taken, from
 * when to when, and, only when it is the caller's own, which reservation it is.
 *
 * <pre>{@code
 * try {
 *     client.reservations().book(car, spot, date, start, 60);
 * } catch (ReservationConflictException e) {
 *     if (e.ownReservation() != null) {
 *         showAlreadyBooked(e.ownReservation());          // the caller booked this window already
 *     } else if (e.scope() == ConflictScope.CONFLICT_SCOPE_SPOT) {
 *         showSpotTaken(e.conflicts());                   // pick another spot or time
 *     } else {
 *         showCarBusy(e.conflicts());                     // the car is booked elsewhere then
 *     }
 * }
 * }</pre>
 */
public class ReservationConflictException extends AlreadyExistsException {

    private static final long serialVersionUID = 1L;

    ReservationConflictException(ErrorDetails details) {
        super(details);
    }

    /**
     * Every overlapping active window the server reported, earliest first; empty when the server sent
     * none (e.g. the other reservation was cancelled in the meantime: trying again may succeed).
     */
    public List<ReservationConflict> conflicts() {
        return details().reservationConflicts;
    }

    /**
     * What the first (earliest) conflict is about: {@link ConflictScope#CONFLICT_SCOPE_SPOT} (the spot
     * is booked) or {@link ConflictScope#CONFLICT_SCOPE_CAR} (the car is booked, at any spot);
     * {@link ConflictScope#CONFLICT_SCOPE_UNSPECIFIED} when there is no conflict detail.
     */
    public ConflictScope scope() {
        List<ReservationConflict> conflicts = conflicts();
        return conflicts.isEmpty() ? ConflictScope.CONFLICT_SCOPE_UNSPECIFIED : conflicts.get(0).getScope();
    }

    /**
     * The first conflict (earliest window), or {@code null} when the server sent none. Its
     * {@code getStartTime()} and {@code getEndTime()} are the overlapping window in UTC.
     */
    @Nullable
    public ReservationConflict firstConflict() {
        List<ReservationConflict> conflicts = conflicts();
        return conflicts.isEmpty() ? null : conflicts.get(0);
    }

    /**
     * The caller's own reservation that overlaps, {@code "reservations/{id}"}, or {@code null} when
     * every overlapping window belongs to someone else (the server never names another user's).
     */
    @Nullable
    public String ownReservation() {
        for (ReservationConflict conflict : conflicts()) {
            if (!conflict.getReservation().isEmpty()) {
                return conflict.getReservation();
            }
        }
        return null;
    }
}
