package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import com.google.type.Date;
import com.google.type.TimeOfDay;
import io.chargebot.reservation.v1.AdminCancelReservationRequest;
import io.chargebot.reservation.v1.Availability;
import io.chargebot.reservation.v1.CancelReservationRequest;
import io.chargebot.reservation.v1.CreateReservationRequest;
import io.chargebot.reservation.v1.GetAvailabilityRequest;
import io.chargebot.reservation.v1.GetReservationRequest;
import io.chargebot.reservation.v1.ListLotReservationsRequest;
import io.chargebot.reservation.v1.ListLotReservationsResponse;
import io.chargebot.reservation.v1.ListReservationsRequest;
import io.chargebot.reservation.v1.ListReservationsResponse;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.reservation.v1.ReservationServiceGrpc;
import io.chargebot.reservation.v1.ReservationServiceGrpc.ReservationServiceBlockingStub;
import io.chargebot.reservation.v1.ReservationStatus;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;

/**
 * Charging reservations: availability, booking, the caller's reservations and cancelling; for
 * admins, a lot's daily list and forced cancellation. Get it from
 * {@link ChargeBotClient#reservations()}; sign in first.
 *
 * <p>Windows are given in the lot's local date and time (its {@code time_zone}, default
 * "Asia/Seoul"), on the 30-minute grid, 30..720 minutes long, inside the lot's business hours, from
 * now up to 30 days ahead; the server checks every rule and reports each broken one as a field
 * violation of an {@link InvalidArgumentException}.
 *
 * <pre>{@code
 * ReservationClient reservations = client.reservations();
 * Date day = ReservationClient.date(2025, 5, 17);
 * Availability free = reservations.getAvailability(lot.getName(), day);
 * AvailabilitySlot slot = free.getSlots(0);                       // check getFreeSpotCount() > 0
 * try {
 *     Reservation r = reservations.book(car.getName(), slot.getFreeSpots(0), day, slot.getLocalStartTime(), 60);
 * } catch (ReservationConflictException e) {
 *     // someone was faster, or the car is booked elsewhere then: see e.scope(), e.conflicts()
 * }
 * }</pre>
 *
 * <p><b>Booking is safe to retry.</b> Each {@code book} call carries an idempotency key
 * ({@code request_id}, a random UUID unless the request has one). When the connection fails
 * ({@code UNAVAILABLE}) the SDK sends the same request again, with the same key, up to
 * {@value #MAX_BOOK_ATTEMPTS} attempts within one default deadline; the server answers a repeated key
 * with the reservation the first attempt made instead of booking twice. To retry yourself after
 * another failure (e.g. {@link DeadlineExceededException}), call {@link #book(CreateReservationRequest)}
 * again with the same {@code request_id}.
 *
 * <p>Calls block: on Android, call them off the main thread.
 */
public final class ReservationClient {

    /** Attempts of one {@code book} call when the server cannot be reached. */
    public static final int MAX_BOOK_ATTEMPTS = 3;

    static final long INITIAL_BACKOFF_MILLIS = 200;

    private final ReservationServiceBlockingStub stub;
    private final long deadlineNanos;

    ReservationClient(ReservationServiceBlockingStub stub, long deadlineNanos) {
        this.stub = requireNonNull(stub, "stub");
        if (deadlineNanos <= 0) {
            throw new IllegalArgumentException("deadlineNanos: " + deadlineNanos + " (expected: > 0)");
        }
        this.deadlineNanos = deadlineNanos;
    }

    static ReservationClient create(io.grpc.Channel channel, long deadlineNanos) {
        return new ReservationClient(ReservationServiceGrpc.newBlockingStub(channel), deadlineNanos);
    }

    /**
     * A calendar date, e.g. {@code date(2025, 5, 17)}, for the {@code local_date} of a lot.
     *
     * @param month 1..12
     * @param day 1..31
     */
    public static Date date(int year, int month, int day) {
        return Date.newBuilder().setYear(year).setMonth(month).setDay(day).build();
    }

    /**
     * A time of day, e.g. {@code timeOfDay(18, 30)}; reservation times are on the half hour, and
     * {@code timeOfDay(24, 0)} is midnight at the end of the day.
     */
    public static TimeOfDay timeOfDay(int hours, int minutes) {
        return TimeOfDay.newBuilder().setHours(hours).setMinutes(minutes).build();
    }

    /**
     * Books one of the caller's cars at a spot from a start to an end time on a local date.
     *
     * @param car the car, {@code "cars/{id}"}; must be the caller's
     * @param spot the spot, {@code "parkingLots/{lot}/spots/{spot}"}, e.g. from
     *     {@code AvailabilitySlot.getFreeSpotsList()}
     * @param localDate the date in the lot's time zone
     * @param localStartTime the start in the lot's time zone (minutes 0 or 30)
     * @param localEndTime the end on the same date (minutes 0 or 30; {@code timeOfDay(24, 0)} for midnight)
     * @return the reservation, {@code CONFIRMED}
     * @throws ReservationConflictException if the spot or the car is booked in an overlapping window
     * @throws InvalidArgumentException if the window breaks a rule (grid, length, hours, past, too far
     *     ahead) or the spot is out of service
     * @throws NotFoundException if the car is not the caller's or the spot does not exist
     */
    public Reservation book(String car, String spot, Date localDate, TimeOfDay localStartTime, TimeOfDay localEndTime) {
        return book(request(car, spot, localDate, localStartTime)
                .setLocalEndTime(requireNonNull(localEndTime, "localEndTime"))
                .build());
    }

    /**
     * Books one of the caller's cars at a spot for a number of minutes from a start time.
     *
     * @param durationMinutes length of the window, a multiple of 30 in 30..720
     * @see #book(String, String, Date, TimeOfDay, TimeOfDay)
     */
    public Reservation book(String car, String spot, Date localDate, TimeOfDay localStartTime, int durationMinutes) {
        return book(request(car, spot, localDate, localStartTime).setDurationMinutes(durationMinutes).build());
    }

    /**
     * Books with a request built by the caller. When its {@code request_id} is empty the SDK sets a
     * random UUID; set your own to retry a booking safely across calls (even app restarts): the
     * server answers a key it saw from the same user within 24 hours with the reservation it made then.
     *
     * @see #book(String, String, Date, TimeOfDay, TimeOfDay)
     */
    public Reservation book(CreateReservationRequest request) {
        requireNonNull(request, "request");
        if (request.getRequestId().isEmpty()) {
            request = request.toBuilder().setRequestId(UUID.randomUUID().toString()).build();
        }
        Deadline deadline = Deadline.after(deadlineNanos, TimeUnit.NANOSECONDS);
        long backoffMillis = INITIAL_BACKOFF_MILLIS;
        for (int attempt = 1; ; attempt++) {
            try {
                return stub.withDeadline(deadline).createReservation(request);
            } catch (StatusRuntimeException e) {
                // UNAVAILABLE: the request may or may not have reached the server. The same key makes a
                // second attempt harmless. Nothing else is retried.
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || attempt >= MAX_BOOK_ATTEMPTS
                        || deadline.timeRemaining(TimeUnit.MILLISECONDS) <= backoffMillis) {
                    throw ErrorMapper.map(e);
                }
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw ErrorMapper.map(e);
                }
                backoffMillis *= 2;
            }
        }
    }

    private static CreateReservationRequest.Builder request(String car, String spot, Date localDate,
                                                            TimeOfDay localStartTime) {
        return CreateReservationRequest.newBuilder()
                .setCar(requireNonNull(car, "car"))
                .setSpot(requireNonNull(spot, "spot"))
                .setLocalDate(requireNonNull(localDate, "localDate"))
                .setLocalStartTime(requireNonNull(localStartTime, "localStartTime"));
    }

    /**
     * Gets one of the caller's reservations (admins: any).
     *
     * @param name {@code "reservations/{id}"}
     * @throws NotFoundException if there is no such reservation or it is another user's
     */
    public Reservation get(String name) {
        requireNonNull(name, "name");
        try {
            return stub.getReservation(GetReservationRequest.newBuilder().setName(name).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Lists the caller's reservations that match a filter, soonest window first unless the filter says
     * {@linkplain ReservationFilter.Builder#latestFirst() latest first}.
     *
     * @param filter e.g. {@link ReservationFilter#all()}
     * @param pageSize maximum reservations in the page, 0..100 (0 means 20)
     */
    public Page<Reservation> list(ReservationFilter filter, int pageSize) {
        return list(filter, pageSize, "");
    }

    /**
     * Lists one page of the caller's reservations that match a filter.
     *
     * @param pageToken {@link Page#nextPageToken()} of the previous page (with the same filter), or
     *     {@code ""} for the first page
     * @see #list(ReservationFilter, int)
     */
    public Page<Reservation> list(final ReservationFilter filter, final int pageSize, String pageToken) {
        requireNonNull(filter, "filter");
        requireNonNull(pageToken, "pageToken");
        ListReservationsRequest request = filter.applyTo(ListReservationsRequest.newBuilder())
                .setPageSize(pageSize)
                .setPageToken(pageToken)
                .build();
        ListReservationsResponse response;
        try {
            response = stub.listReservations(request);
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
        return new Page<>(response.getReservationsList(), response.getNextPageToken(), new Page.Fetcher<Reservation>() {
            @Override
            public Page<Reservation> fetch(String nextPageToken) {
                return list(filter, pageSize, nextPageToken);
            }
        });
    }

    /**
     * All the caller's reservations that match a filter, fetched page by page as the iteration goes.
     * Nothing is fetched until an iteration starts; each iteration starts over.
     *
     * @see #list(ReservationFilter, int)
     */
    public Iterable<Reservation> listAll(final ReservationFilter filter, final int pageSize) {
        requireNonNull(filter, "filter");
        return new Iterable<Reservation>() {
            @Override
            public Iterator<Reservation> iterator() {
                return list(filter, pageSize).iterateAll().iterator();
            }
        };
    }

    /** Cancels one of the caller's reservations without a reason; see {@link #cancel(String, String)}. */
    public Reservation cancel(String name) {
        return cancel(name, null);
    }

    /**
     * Cancels one of the caller's {@code CONFIRMED} reservations before its window starts; a robot
     * already on its way is called back. Cancelling a reservation the caller already cancelled
     * returns it unchanged.
     *
     * @param name {@code "reservations/{id}"}
     * @param reason why, up to 500 characters, or {@code null}
     * @return the reservation, {@code CANCELLED}
     * @throws FailedPreconditionException if the window has started or the reservation is no longer
     *     {@code CONFIRMED}
     * @throws NotFoundException if there is no such reservation or it is another user's
     */
    public Reservation cancel(String name, @Nullable String reason) {
        requireNonNull(name, "name");
        CancelReservationRequest.Builder request = CancelReservationRequest.newBuilder().setName(name);
        if (reason != null) {
            request.setReason(reason);
        }
        try {
            return stub.cancelReservation(request.build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * The 30-minute slots of a lot on a local date that have not started yet, each with the spots
     * free during it (full slots included, with {@code free_spot_count} 0). No slots when the lot is
     * closed that day or does not take reservations.
     *
     * @param parkingLot {@code "parkingLots/{id}"}
     * @param localDate a date in the lot's time zone, today up to 30 days ahead
     * @throws NotFoundException if there is no such lot
     */
    public Availability getAvailability(String parkingLot, Date localDate) {
        return getAvailability(parkingLot, localDate, null);
    }

    /**
     * The availability of one spot of a lot (or, with {@code spot == null}, of all its spots).
     *
     * @param spot {@code "parkingLots/{lot}/spots/{spot}"} of that lot, or {@code null}
     * @see #getAvailability(String, Date)
     */
    public Availability getAvailability(String parkingLot, Date localDate, @Nullable String spot) {
        GetAvailabilityRequest.Builder request = GetAvailabilityRequest.newBuilder()
                .setParkingLot(requireNonNull(parkingLot, "parkingLot"))
                .setLocalDate(requireNonNull(localDate, "localDate"));
        if (spot != null) {
            request.setSpot(spot);
        }
        try {
            return stub.getAvailability(request.build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Admins: every reservation of a lot that starts on a local date, cancelled ones included,
     * ordered by start time, then spot floor and code.
     *
     * @param pageSize maximum reservations in the page, 0..500 (0 means 100)
     * @throws PermissionDeniedException if the caller is not an admin
     */
    public Page<Reservation> listLotReservations(String parkingLot, Date localDate, int pageSize) {
        return listLotReservations(parkingLot, localDate, null, Collections.<ReservationStatus>emptyList(), pageSize, "");
    }

    /**
     * Admins: one page of a lot's reservations on a local date, optionally of one spot and in some
     * statuses only.
     *
     * @param spot {@code "parkingLots/{lot}/spots/{spot}"} of that lot, or {@code null} for all spots
     * @param statuses only these statuses; empty means all, cancelled ones included
     * @param pageToken {@link Page#nextPageToken()} of the previous page (with the same other
     *     arguments), or {@code ""} for the first page
     * @see #listLotReservations(String, Date, int)
     */
    public Page<Reservation> listLotReservations(final String parkingLot, final Date localDate,
                                                 @Nullable final String spot, Collection<ReservationStatus> statuses,
                                                 final int pageSize, String pageToken) {
        requireNonNull(parkingLot, "parkingLot");
        requireNonNull(localDate, "localDate");
        requireNonNull(pageToken, "pageToken");
        final List<ReservationStatus> statusList = new ArrayList<>(requireNonNull(statuses, "statuses"));
        ListLotReservationsRequest.Builder request = ListLotReservationsRequest.newBuilder()
                .setParent(parkingLot)
                .setLocalDate(localDate)
                .addAllStatuses(statusList)
                .setPageSize(pageSize)
                .setPageToken(pageToken);
        if (spot != null) {
            request.setSpot(spot);
        }
        ListLotReservationsResponse response;
        try {
            response = stub.listLotReservations(request.build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
        return new Page<>(response.getReservationsList(), response.getNextPageToken(), new Page.Fetcher<Reservation>() {
            @Override
            public Page<Reservation> fetch(String nextPageToken) {
                return listLotReservations(parkingLot, localDate, spot, statusList, pageSize, nextPageToken);
            }
        });
    }

    /**
     * Admins: cancels any active ({@code CONFIRMED} or {@code IN_PROGRESS}) reservation. The reason is
     * shown to the user and written to the audit log; an assigned robot is called back. Cancelling an
     * already cancelled reservation returns it unchanged.
     *
     * @param name {@code "reservations/{id}"}
     * @param reason why, 1..500 characters
     * @return the reservation, {@code CANCELLED} with {@code cancelled_by_admin}
     * @throws FailedPreconditionException if the reservation is in a final status
     * @throws PermissionDeniedException if the caller is not an admin
     */
    public Reservation adminCancel(String name, String reason) {
        requireNonNull(name, "name");
        requireNonNull(reason, "reason");
        try {
            return stub.adminCancelReservation(AdminCancelReservationRequest.newBuilder()
                    .setName(name).setReason(reason).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }
}
