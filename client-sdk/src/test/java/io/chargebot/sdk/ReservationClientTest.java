package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Timestamp;
import com.google.rpc.ErrorInfo;
import com.google.type.Date;
import com.google.type.TimeOfDay;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.reservation.v1.AdminCancelReservationRequest;
import io.chargebot.reservation.v1.Availability;
import io.chargebot.reservation.v1.CancelReservationRequest;
import io.chargebot.reservation.v1.ConflictScope;
import io.chargebot.reservation.v1.CreateReservationRequest;
import io.chargebot.reservation.v1.GetAvailabilityRequest;
import io.chargebot.reservation.v1.GetReservationRequest;
import io.chargebot.reservation.v1.ListLotReservationsRequest;
import io.chargebot.reservation.v1.ListLotReservationsResponse;
import io.chargebot.reservation.v1.ListReservationsRequest;
import io.chargebot.reservation.v1.ListReservationsResponse;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.reservation.v1.ReservationConflict;
import io.chargebot.reservation.v1.ReservationStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ReservationClient against an in-process fake: requests, the idempotency key and its retries, errors. */
class ReservationClientTest {

    private static final String CAR = "cars/5b0e7a52-3c1d-4f43-9d7e-6a1b2c3d4e5f";
    private static final String LOT = "parkingLots/8f7c9a52-0b4e-4c55-9a39-1f2d3c4b5a69";
    private static final String SPOT = LOT + "/spots/0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70";
    private static final String RESERVATION = "reservations/7d2c1b0a-9e8f-4a6b-8c5d-4e3f2a1b0c9d";
    private static final Date DAY = ReservationClient.date(2030, 5, 17);
    private static final TimeOfDay TEN = ReservationClient.timeOfDay(10, 0);
    private static final ReservationStatus CONFIRMED = ReservationStatus.RESERVATION_STATUS_CONFIRMED;
    private static final ReservationStatus IN_PROGRESS = ReservationStatus.RESERVATION_STATUS_IN_PROGRESS;

    private final FakeReservationService service = new FakeReservationService();
    private final InProcessFixture fixture = new InProcessFixture(service);
    private final ReservationClient reservations = fixture.client().reservations();

    @AfterEach
    void close() {
        fixture.close();
    }

    // Booking

    @Test
    void booksWithAnEndTime() {
        Reservation r = reservations.book(CAR, SPOT, DAY, TEN, ReservationClient.timeOfDay(11, 30));

        CreateReservationRequest request = service.creates.get(0);
        assertThat(request.getCar()).isEqualTo(CAR);
        assertThat(request.getSpot()).isEqualTo(SPOT);
        assertThat(request.getLocalDate()).isEqualTo(Date.newBuilder().setYear(2030).setMonth(5).setDay(17).build());
        assertThat(request.getLocalStartTime()).isEqualTo(TimeOfDay.newBuilder().setHours(10).build());
        assertThat(request.getEndCase()).isEqualTo(CreateReservationRequest.EndCase.LOCAL_END_TIME);
        assertThat(request.getLocalEndTime()).isEqualTo(TimeOfDay.newBuilder().setHours(11).setMinutes(30).build());
        assertThat(r.getStatus()).isEqualTo(CONFIRMED);
    }

    @Test
    void booksWithADurationAndMidnightIsHour24() {
        reservations.book(CAR, SPOT, DAY, TEN, 90);
        reservations.book(CAR, SPOT, DAY, ReservationClient.timeOfDay(23, 30), ReservationClient.timeOfDay(24, 0));

        assertThat(service.creates.get(0).getEndCase()).isEqualTo(CreateReservationRequest.EndCase.DURATION_MINUTES);
        assertThat(service.creates.get(0).getDurationMinutes()).isEqualTo(90);
        assertThat(service.creates.get(1).getLocalEndTime().getHours()).isEqualTo(24);
    }

    @Test
    void everyBookingGetsItsOwnUuidAsRequestId() {
        reservations.book(CAR, SPOT, DAY, TEN, 30);
        reservations.book(CAR, SPOT, DAY, TEN, 30);

        String first = service.creates.get(0).getRequestId();
        String second = service.creates.get(1).getRequestId();
        assertThat(UUID.fromString(first).toString()).isEqualTo(first);
        assertThat(UUID.fromString(second).version()).isEqualTo(4);
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void aRequestIdOfTheCallerIsKept() {
        reservations.book(CreateReservationRequest.newBuilder().setCar(CAR).setSpot(SPOT).setLocalDate(DAY)
                .setLocalStartTime(TEN).setDurationMinutes(60).setRequestId("app-chosen-key-1").build());

        assertThat(service.creates.get(0).getRequestId()).isEqualTo("app-chosen-key-1");
    }

    @Test
    void anUnreachableServerIsRetriedWithTheSameRequestId() {
        AtomicInteger attempts = new AtomicInteger();
        service.onCreate = request -> {
            if (attempts.incrementAndGet() < 3) {
                throw Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException();
            }
            return Reservation.newBuilder().setName(RESERVATION).build();
        };

        Reservation r = reservations.book(CAR, SPOT, DAY, TEN, 60);

        assertThat(r.getName()).isEqualTo(RESERVATION);
        assertThat(service.creates).hasSize(3);
        assertThat(service.creates).extracting(CreateReservationRequest::getRequestId).containsOnly(
                service.creates.get(0).getRequestId());
        assertThat(service.creates.get(0).getRequestId()).isNotEmpty();
        assertThat(service.creates.get(2)).isEqualTo(service.creates.get(0));
    }

    @Test
    void theRetriesGiveUpAfterThreeAttemptsWithinOneDeadline() {
        service.onCreate = request -> {
            throw Status.UNAVAILABLE.withDescription("down").asRuntimeException();
        };

        UnavailableException e = catchThrowableOfType(UnavailableException.class,
                () -> reservations.book(CAR, SPOT, DAY, TEN, 60));

        assertThat(e).isNotNull();
        assertThat(service.creates).hasSize(ReservationClient.MAX_BOOK_ATTEMPTS);
        // One deadline for the whole booking: every attempt ends at the same instant (a deadline per
        // attempt would end 200 + 400 ms of backoff later each time).
        long first = service.createDeadlines.get(0).timeRemaining(TimeUnit.MILLISECONDS);
        long last = service.createDeadlines.get(2).timeRemaining(TimeUnit.MILLISECONDS);
        assertThat(first).isLessThanOrEqualTo(ChargeBotClient.DEFAULT_DEADLINE_MILLIS);
        assertThat(last).isBetween(first - 100, first + 100);
    }

    @Test
    void noRetryWhenTheDeadlineLeavesNoTimeForIt() {
        ReservationClient quick = fixture.track(fixture.clientBuilder()
                .defaultDeadline(150, TimeUnit.MILLISECONDS).build()).reservations();
        quick.get(RESERVATION); // warms the channel up: the attempt below must fail fast
        service.requests.clear();
        service.onCreate = request -> {
            throw Status.UNAVAILABLE.withDescription("down").asRuntimeException();
        };

        assertThatThrownBy(() -> quick.book(CAR, SPOT, DAY, TEN, 60)).isInstanceOf(UnavailableException.class);
        assertThat(service.creates).hasSize(1);
    }

    @Test
    void aBookingReplayedAfterATokenRefreshKeepsItsRequestId() {
        FakeAuthService auth = new FakeAuthService();
        FakeReservationService bookings = new FakeReservationService();
        try (InProcessFixture withAuth = new InProcessFixture(auth, bookings)) {
            InMemoryTokenStore store = new InMemoryTokenStore();
            long now = System.currentTimeMillis();
            store.save(new Tokens("revoked-but-unexpired", now + 600_000, "refresh-a", now + 86_400_000));
            bookings.onCreate = request -> {
                if (!"Bearer refreshed-1".equals(InProcessFixture.AUTHORIZATION.get())) {
                    throw Fakes.error(Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
                }
                return Reservation.newBuilder().setName(RESERVATION).build();
            };

            Reservation r = withAuth.track(withAuth.clientBuilder().tokenStore(store).build()).reservations()
                    .book(CAR, SPOT, DAY, TEN, 60);

            assertThat(r.getName()).isEqualTo(RESERVATION);
            assertThat(auth.refreshCalls).hasValue(1);
            assertThat(bookings.creates).hasSize(2);
            assertThat(bookings.creates.get(1).getRequestId()).isEqualTo(bookings.creates.get(0).getRequestId());
        }
    }

    @Test
    void otherFailuresAreNotRetried() {
        service.onCreate = request -> {
            throw Fakes.error(Status.Code.INVALID_ARGUMENT, "VALIDATION_FAILED");
        };

        assertThatThrownBy(() -> reservations.book(CAR, SPOT, DAY, TEN, 45)).isInstanceOf(InvalidArgumentException.class);
        assertThat(service.creates).hasSize(1);
    }

    @Test
    void aConflictCarriesItsWindowsAndTheCallersOwnReservation() {
        ReservationConflict spot = ReservationConflict.newBuilder().setScope(ConflictScope.CONFLICT_SCOPE_SPOT)
                .setStartTime(Timestamp.newBuilder().setSeconds(1_900_000_000L))
                .setEndTime(Timestamp.newBuilder().setSeconds(1_900_003_600L)).build();
        ReservationConflict car = ReservationConflict.newBuilder().setScope(ConflictScope.CONFLICT_SCOPE_CAR)
                .setStartTime(Timestamp.newBuilder().setSeconds(1_900_001_800L))
                .setEndTime(Timestamp.newBuilder().setSeconds(1_900_005_400L))
                .setReservation(RESERVATION).build();
        service.onCreate = request -> {
            throw RichErrors.error(Status.Code.ALREADY_EXISTS, "the window overlaps an active reservation of this spot",
                    ErrorInfo.newBuilder().setReason("RESERVATION_CONFLICT").setDomain("chargebot.io").build(),
                    spot, car);
        };

        ReservationConflictException e = catchThrowableOfType(ReservationConflictException.class,
                () -> reservations.book(CAR, SPOT, DAY, TEN, 60));

        assertThat(e).isInstanceOf(AlreadyExistsException.class);
        assertThat(e.code()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(e.reason()).isEqualTo(ErrorReason.RESERVATION_CONFLICT);
        assertThat(e.conflicts()).containsExactly(spot, car);
        assertThat(e.scope()).isEqualTo(ConflictScope.CONFLICT_SCOPE_SPOT);
        assertThat(e.firstConflict()).isEqualTo(spot);
        assertThat(e.ownReservation()).isEqualTo(RESERVATION);
        assertThat(service.creates).as("a conflict is an answer: no retry").hasSize(1);
    }

    @Test
    void aConflictWithSomeoneElseNamesNoReservation() {
        ReservationConflict other = ReservationConflict.newBuilder().setScope(ConflictScope.CONFLICT_SCOPE_SPOT)
                .setStartTime(Timestamp.newBuilder().setSeconds(1_900_000_000L))
                .setEndTime(Timestamp.newBuilder().setSeconds(1_900_001_800L)).build();
        StatusRuntimeException error = RichErrors.error(Status.Code.ALREADY_EXISTS, "overlap",
                ErrorInfo.newBuilder().setReason("RESERVATION_CONFLICT").setDomain("chargebot.io").build(), other);

        ReservationConflictException e = (ReservationConflictException) ChargeBotException.from(error);

        assertThat(e.ownReservation()).isNull();
        assertThat(e.firstConflict().getEndTime().getSeconds()).isEqualTo(1_900_001_800L);
    }

    @Test
    void aConflictWithoutDetailsIsStillAConflict() {
        ReservationConflictException e = (ReservationConflictException) ChargeBotException.from(
                Fakes.error(Status.Code.ALREADY_EXISTS, "RESERVATION_CONFLICT"));

        assertThat(e.conflicts()).isEmpty();
        assertThat(e.scope()).isEqualTo(ConflictScope.CONFLICT_SCOPE_UNSPECIFIED);
        assertThat(e.firstConflict()).isNull();
        assertThat(e.ownReservation()).isNull();
    }

    // Reading and cancelling

    @Test
    void getsAReservation() {
        assertThat(reservations.get(RESERVATION).getName()).isEqualTo(RESERVATION);
        assertThat(service.<GetReservationRequest>last().getName()).isEqualTo(RESERVATION);
    }

    @Test
    void theFilterFillsTheListRequest() {
        Timestamp from = Timestamp.newBuilder().setSeconds(1_900_000_000L).build();
        Timestamp to = Timestamp.newBuilder().setSeconds(1_900_086_400L).build();
        ReservationFilter filter = ReservationFilter.builder()
                .statuses(CONFIRMED, IN_PROGRESS)
                .startDate(ReservationClient.date(2030, 5, 1))
                .endDate(ReservationClient.date(2030, 5, 31))
                .windowStartTime(from)
                .windowEndTime(to)
                .car(CAR)
                .latestFirst()
                .build();

        reservations.list(filter, 50);

        ListReservationsRequest request = service.last();
        assertThat(request.getStatusesList()).containsExactly(CONFIRMED, IN_PROGRESS);
        assertThat(request.getStartDate()).isEqualTo(ReservationClient.date(2030, 5, 1));
        assertThat(request.getEndDate()).isEqualTo(ReservationClient.date(2030, 5, 31));
        assertThat(request.getWindowStartTime()).isEqualTo(from);
        assertThat(request.getWindowEndTime()).isEqualTo(to);
        assertThat(request.getCar()).isEqualTo(CAR);
        assertThat(request.getOrderBy()).isEqualTo("start_time desc");
        assertThat(request.getPageSize()).isEqualTo(50);
        assertThat(request.getPageToken()).isEmpty();
    }

    @Test
    void theEmptyFilterSetsNothing() {
        reservations.list(ReservationFilter.all(), 0);

        assertThat(service.<ListReservationsRequest>last()).isEqualTo(ListReservationsRequest.getDefaultInstance());
    }

    @Test
    void listsAcrossPagesWithTheSameFilter() {
        service.onList = request -> {
            int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
            ListReservationsResponse.Builder response = ListReservationsResponse.newBuilder();
            for (int i = from; i < Math.min(5, from + request.getPageSize()); i++) {
                response.addReservations(Reservation.newBuilder().setName("reservations/" + i));
            }
            int next = from + request.getPageSize();
            return response.setNextPageToken(next < 5 ? Integer.toString(next) : "").build();
        };
        ReservationFilter filter = ReservationFilter.builder().statuses(CONFIRMED).build();

        List<String> names = new ArrayList<>();
        for (Reservation r : reservations.listAll(filter, 2)) {
            names.add(r.getName());
        }

        assertThat(names).containsExactly("reservations/0", "reservations/1", "reservations/2", "reservations/3",
                "reservations/4");
        assertThat(service.requests).hasSize(3).allSatisfy(request ->
                assertThat(((ListReservationsRequest) request).getStatusesList()).containsExactly(CONFIRMED));
        assertThat(((ListReservationsRequest) service.requests.get(2)).getPageToken()).isEqualTo("4");
    }

    @Test
    void cancelsWithAndWithoutReason() {
        Reservation cancelled = reservations.cancel(RESERVATION, "plans changed");
        assertThat(service.<CancelReservationRequest>last().getReason()).isEqualTo("plans changed");
        assertThat(cancelled.getStatus()).isEqualTo(ReservationStatus.RESERVATION_STATUS_CANCELLED);

        reservations.cancel(RESERVATION);
        assertThat(service.<CancelReservationRequest>last())
                .isEqualTo(CancelReservationRequest.newBuilder().setName(RESERVATION).build());
    }

    @Test
    void cancellingAfterTheStartIsFailedPrecondition() {
        service.onCancel = request -> {
            throw Fakes.error(Status.Code.FAILED_PRECONDITION, "FAILED_PRECONDITION");
        };

        FailedPreconditionException e = catchThrowableOfType(FailedPreconditionException.class,
                () -> reservations.cancel(RESERVATION));

        assertThat(e.reason()).isEqualTo(ErrorReason.FAILED_PRECONDITION);
    }

    @Test
    void availabilityOfALotOrOneSpot() {
        Availability all = reservations.getAvailability(LOT, DAY);
        assertThat(all.getParkingLot()).isEqualTo(LOT);
        assertThat(service.<GetAvailabilityRequest>last())
                .isEqualTo(GetAvailabilityRequest.newBuilder().setParkingLot(LOT).setLocalDate(DAY).build());

        reservations.getAvailability(LOT, DAY, SPOT);
        assertThat(service.<GetAvailabilityRequest>last().getSpot()).isEqualTo(SPOT);
    }

    // Admin

    @Test
    void listsALotsReservationsWithFiltersAcrossPages() {
        service.onListLot = request -> ListLotReservationsResponse.newBuilder()
                .addReservations(Reservation.newBuilder().setName("reservations/" + request.getPageToken()))
                .setNextPageToken(request.getPageToken().isEmpty() ? "p2" : "")
                .build();

        Page<Reservation> first = reservations.listLotReservations(LOT, DAY, SPOT,
                Arrays.asList(CONFIRMED, ReservationStatus.RESERVATION_STATUS_CANCELLED), 200, "");
        Page<Reservation> second = first.next();

        assertThat(second.items()).extracting(Reservation::getName).containsExactly("reservations/p2");
        assertThat(second.hasNext()).isFalse();
        ListLotReservationsRequest request = service.last();
        assertThat(request.getParent()).isEqualTo(LOT);
        assertThat(request.getLocalDate()).isEqualTo(DAY);
        assertThat(request.getSpot()).isEqualTo(SPOT);
        assertThat(request.getStatusesList()).containsExactly(CONFIRMED, ReservationStatus.RESERVATION_STATUS_CANCELLED);
        assertThat(request.getPageSize()).isEqualTo(200);
        assertThat(request.getPageToken()).isEqualTo("p2");

        reservations.listLotReservations(LOT, DAY, 0);
        assertThat(service.<ListLotReservationsRequest>last())
                .isEqualTo(ListLotReservationsRequest.newBuilder().setParent(LOT).setLocalDate(DAY).build());
    }

    @Test
    void adminCancelSendsTheReason() {
        Reservation r = reservations.adminCancel(RESERVATION, "spot flooded");

        assertThat(service.<AdminCancelReservationRequest>last())
                .isEqualTo(AdminCancelReservationRequest.newBuilder().setName(RESERVATION).setReason("spot flooded").build());
        assertThat(r.getCancelledByAdmin()).isTrue();
    }

    @Test
    void aUserCallingAnAdminMethodIsPermissionDenied() {
        service.onAdminCancel = request -> {
            throw Fakes.error(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        };

        assertThatThrownBy(() -> reservations.adminCancel(RESERVATION, "x")).isInstanceOf(PermissionDeniedException.class);
    }

    @Test
    void nullArgumentsAreRefused() {
        assertThatThrownBy(() -> reservations.book(null, SPOT, DAY, TEN, 30)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> reservations.book(CAR, SPOT, DAY, TEN, (TimeOfDay) null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> reservations.book(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> reservations.list(null, 10)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> reservations.getAvailability(LOT, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> reservations.adminCancel(RESERVATION, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ReservationFilter.builder().statuses(CONFIRMED, null))
                .isInstanceOf(NullPointerException.class);
        assertThat(service.requests).isEmpty();
    }
}
