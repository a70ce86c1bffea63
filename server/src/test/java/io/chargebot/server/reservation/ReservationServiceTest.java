package io.chargebot.server.reservation;

import static io.chargebot.server.auth.AuthTestClient.assertFails;
import static io.chargebot.server.auth.AuthTestClient.assertInvalid;
import static io.chargebot.server.auth.AuthTestClient.details;
import static io.chargebot.server.auth.AuthTestClient.failure;
import static io.chargebot.server.auth.AuthTestClient.fields;
import static io.chargebot.server.auth.AuthTestClient.reason;
import static io.chargebot.server.auth.AuthTestClient.withToken;
import static io.chargebot.server.reservation.Drivers.booking;
import static io.chargebot.server.reservation.Drivers.date;
import static io.chargebot.server.reservation.Drivers.time;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.chargebot.reservation.v1.AdminCancelReservationRequest;
import io.chargebot.reservation.v1.Availability;
import io.chargebot.reservation.v1.AvailabilitySlot;
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
import io.chargebot.reservation.v1.ReservationServiceGrpc;
import io.chargebot.reservation.v1.ReservationStatus;
import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.testing.ParkingFixtures;
import io.chargebot.server.testing.ParkingFixtures.TestLot;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ReservationService (seeds 000, 003) through real gRPC on PostgreSQL, with the server's clock under test control. */
class ReservationServiceTest {

    private static final String ADMIN_PASSWORD = "an admin passphrase for tests";
    private static final ZoneId SEOUL = ZoneId.of("Asia/Seoul");
    private static AuthTestClient t;
    private static ReservationServiceGrpc.ReservationServiceBlockingStub anonymous;

    @BeforeAll
    static void start() {
        Map<String, Object> properties = new HashMap<>(AuthTestClient.relaxedLimits());
        properties.put("chargebot.admin.password", ADMIN_PASSWORD);
        t = new AuthTestClient(properties);
        anonymous = ReservationServiceGrpc.newBlockingStub(t.channel);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    /** A local date in Seoul {@code days} after the server's today. */
    private static LocalDate inDays(int days) {
        return t.clock.instant().atZone(SEOUL).toLocalDate().plusDays(days);
    }

    private static ReservationServiceGrpc.ReservationServiceBlockingStub admin() {
        return withToken(anonymous, t.signIn("admin", ADMIN_PASSWORD).getAccessToken());
    }

    @Test
    void bookingStoresTheLocalWindowInUtcAndReadsBack() {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 2);
        Drivers.Driver driver = Drivers.signUp(t);
        String car = driver.newCar();
        LocalDate day = inDays(2);
        Reservation booked = driver.reservations().createReservation(booking(car, lot.spot(0), day, 10 * 60, 11 * 60 + 30).build());
        assertThat(booked.getName()).startsWith("reservations/");
        assertThat(booked.getStatus()).isEqualTo(ReservationStatus.RESERVATION_STATUS_CONFIRMED);
        assertThat(booked.getStartTime()).isEqualTo(ProtoTime.timestamp(day.atTime(10, 0).atZone(SEOUL).toInstant()));
        assertThat(booked.getEndTime()).isEqualTo(ProtoTime.timestamp(day.atTime(11, 30).atZone(SEOUL).toInstant()));
        assertThat(booked.getLocalDate()).isEqualTo(date(day));
        assertThat(booked.getLocalStartTime()).isEqualTo(time(10, 0));
        assertThat(booked.getLocalEndTime()).isEqualTo(time(11, 30));
        assertThat(booked.getTimeZone()).isEqualTo("Asia/Seoul");
        assertThat(booked.getCar()).isEqualTo(car);
        assertThat(booked.getSpot()).isEqualTo(lot.spot(0));
        assertThat(booked.getParkingLot()).isEqualTo(lot.name());
        assertThat(booked.getSpotCode()).isEqualTo("A01");
        assertThat(booked.getPlate()).matches("\\d{2}가\\d{4}");
        assertThat(driver.reservations().getReservation(GetReservationRequest.newBuilder().setName(booked.getName()).build()))
                .isEqualTo(booked);

        // start + duration books the same shape of window; a window may end at the lot's closing time.
        Reservation byDuration = driver.reservations().createReservation(CreateReservationRequest.newBuilder()
                .setCar(car).setSpot(lot.spot(1)).setLocalDate(date(day)).setLocalStartTime(time(20, 0))
                .setDurationMinutes(120).build());
        assertThat(byDuration.getLocalEndTime()).isEqualTo(time(22, 0));
        assertThat(Duration.between(ProtoTime.instant(byDuration.getStartTime()), ProtoTime.instant(byDuration.getEndTime())))
                .isEqualTo(Duration.ofHours(2));
    }

    @Test
    void anOverlapOfSpotOrCarIsAConflictNamingOnlyTheCallersOwnReservation() {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 2);
        Drivers.Driver first = Drivers.signUp(t);
        Drivers.Driver second = Drivers.signUp(t);
        String firstCar = first.newCar();
        String secondCar = second.newCar();
        LocalDate day = inDays(3);
        Reservation held = first.reservations().createReservation(booking(firstCar, lot.spot(0), day, 600, 720).build());

        // Another driver, overlapping window at the same spot: conflict, window given, reservation hidden.
        StatusRuntimeException e = failure(() -> second.reservations()
                .createReservation(booking(secondCar, lot.spot(0), day, 690, 750).build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(reason(e)).isEqualTo("RESERVATION_CONFLICT");
        List<ReservationConflict> conflicts = details(e, ReservationConflict.class);
        assertThat(conflicts).hasSize(1);
        assertThat(conflicts.get(0).getScope()).isEqualTo(ConflictScope.CONFLICT_SCOPE_SPOT);
        assertThat(conflicts.get(0).getStartTime()).isEqualTo(held.getStartTime());
        assertThat(conflicts.get(0).getEndTime()).isEqualTo(held.getEndTime());
        assertThat(conflicts.get(0).getReservation()).isEmpty();
        assertThat(e.getStatus().getDescription()).doesNotContain(held.getName()).doesNotContain(held.getPlate());

        // The same car elsewhere at an overlapping time: a car conflict naming the caller's own booking.
        StatusRuntimeException car = failure(() -> first.reservations()
                .createReservation(booking(firstCar, lot.spot(1), day, 660, 690).build()));
        ReservationConflict carConflict = details(car, ReservationConflict.class).get(0);
        assertThat(carConflict.getScope()).isEqualTo(ConflictScope.CONFLICT_SCOPE_CAR);
        assertThat(carConflict.getReservation()).isEqualTo(held.getName());

        // Touching windows do not overlap ([start, end)), and a cancelled window is free again.
        second.reservations().createReservation(booking(secondCar, lot.spot(0), day, 720, 780).build());
        first.reservations().cancelReservation(CancelReservationRequest.newBuilder().setName(held.getName()).build());
        Reservation rebooked = second.reservations().createReservation(booking(secondCar, lot.spot(1), day, 600, 660).build());
        assertThat(rebooked.getStatus()).isEqualTo(ReservationStatus.RESERVATION_STATUS_CONFIRMED);
        first.reservations().createReservation(booking(firstCar, lot.spot(0), day, 600, 720).build());
    }

    @Test
    void everyRuleViolationNamesItsFieldAndBooksNothing() {
        TestLot lot = ParkingFixtures.lot(t.database, "Asia/Seoul", 1, 9 * 60, 22 * 60);
        Drivers.Driver driver = Drivers.signUp(t);
        String car = driver.newCar();
        LocalDate day = inDays(2);
        ReservationServiceGrpc.ReservationServiceBlockingStub r = driver.reservations();
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 10 * 60 + 15, 11 * 60).build()), "local_start_time");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 10 * 60, 11 * 60 + 10).build()), "local_end_time");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 11 * 60, 10 * 60).build()), "local_end_time");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 10 * 60, 10 * 60).build()), "local_end_time");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 9 * 60, 21 * 60 + 30).build()), "local_end_time");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 8 * 60, 10 * 60).build()), "local_start_time");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 21 * 60, 22 * 60 + 30).build()), "local_end_time");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), inDays(-1), 10 * 60, 11 * 60).build()), "local_start_time");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), inDays(40), 10 * 60, 11 * 60).build()), "local_date");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 10 * 60, 11 * 60)
                .setLocalDate(com.google.type.Date.newBuilder().setYear(2026).setMonth(2).setDay(30)).build()), "local_date");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 10 * 60, 11 * 60)
                .setLocalStartTime(time(10, 0).toBuilder().setSeconds(5)).build()), "local_start_time");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 10 * 60, 11 * 60).clearLocalEndTime().build()),
                "local_end_time");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 10 * 60, 11 * 60).setDurationMinutes(45).build()),
                "duration_minutes");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 10 * 60, 11 * 60).setDurationMinutes(750).build()),
                "duration_minutes");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 10 * 60, 11 * 60).setRequestId("x".repeat(65)).build()),
                "request_id");
        // Names: every bad one named at once, together with shape problems of the window.
        StatusRuntimeException many = failure(() -> r.createReservation(CreateReservationRequest.newBuilder()
                .setCar("cars/nope").setSpot(lot.name()).setLocalDate(date(day)).setLocalStartTime(time(10, 10))
                .setDurationMinutes(60).build()));
        assertThat(fields(many)).contains("car", "spot", "local_start_time");
        assertInvalid(() -> r.createReservation(CreateReservationRequest.getDefaultInstance()), "car");
        // Someone else's car, or a spot that does not exist, look missing.
        String strangersCar = Drivers.signUp(t).newCar();
        assertFails(() -> r.createReservation(booking(strangersCar, lot.spot(0), day, 600, 660).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertFails(() -> r.createReservation(booking(car, lot.name() + "/spots/" + UUID.randomUUID(), day, 600, 660).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        // A spot out of service, a lot closed for reservations.
        ParkingFixtures.execute(t.database, "UPDATE spots SET enabled = false WHERE id = '" + lot.spots().get(0) + "'");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 600, 660).build()), "spot");
        ParkingFixtures.execute(t.database, "UPDATE spots SET enabled = true WHERE id = '" + lot.spots().get(0) + "'");
        ParkingFixtures.execute(t.database, "UPDATE parking_lots SET open = false WHERE id = '" + lot.id() + "'");
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 600, 660).build()), "spot");
        ParkingFixtures.execute(t.database, "UPDATE parking_lots SET open = true WHERE id = '" + lot.id() + "'");
        // A weekday without hours is closed.
        ParkingFixtures.execute(t.database, "DELETE FROM parking_lot_hours WHERE lot_id = '" + lot.id() + "' AND day_of_week = "
                + day.getDayOfWeek().getValue());
        assertInvalid(() -> r.createReservation(booking(car, lot.spot(0), day, 600, 660).build()), "local_date");

        assertThat(r.listReservations(ListReservationsRequest.getDefaultInstance()).getReservationsList())
                .as("nothing was booked").isEmpty();
    }

    @Test
    void aRetriedCreateWithTheSameRequestIdBooksOnce() {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 1);
        Drivers.Driver driver = Drivers.signUp(t);
        String car = driver.newCar();
        CreateReservationRequest request = booking(car, lot.spot(0), inDays(4), 600, 660)
                .setRequestId(UUID.randomUUID().toString()).build();
        Reservation first = driver.reservations().createReservation(request);
        Reservation retry = driver.reservations().createReservation(request);
        assertThat(retry).isEqualTo(first);
        assertThat(t.queryInt("SELECT count(*) FROM reservations WHERE spot_id = '" + lot.spots().get(0) + "'")).isEqualTo(1);
        assertInvalid(() -> driver.reservations().createReservation(request.toBuilder()
                .setLocalEndTime(time(12, 0)).build()), "request_id");
    }

    @Test
    void ownersSeeTheirReservationsAdminsAndServicesSeeAny() {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 1);
        Drivers.Driver owner = Drivers.signUp(t);
        Reservation booked = owner.reservations().createReservation(booking(owner.newCar(), lot.spot(0), inDays(2), 600, 660).build());
        GetReservationRequest get = GetReservationRequest.newBuilder().setName(booked.getName()).build();
        Drivers.Driver stranger = Drivers.signUp(t);
        assertFails(() -> stranger.reservations().getReservation(get), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertFails(() -> stranger.reservations().cancelReservation(CancelReservationRequest.newBuilder()
                .setName(booked.getName()).build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertThat(admin().getReservation(get)).isEqualTo(booked);
        assertFails(() -> anonymous.getReservation(get), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        assertInvalid(() -> owner.reservations().getReservation(GetReservationRequest.newBuilder().setName("reservations/x").build()),
                "name");
        assertFails(() -> owner.reservations().getReservation(GetReservationRequest.newBuilder()
                .setName("reservations/" + UUID.randomUUID()).build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
    }

    @Test
    void cancellingFreesTheWindowOnlyBeforeTheStartAndIsIdempotent() {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 1);
        Drivers.Driver owner = Drivers.signUp(t);
        String car = owner.newCar();
        Reservation booked = owner.reservations().createReservation(booking(car, lot.spot(0), inDays(2), 600, 660).build());
        CancelReservationRequest cancel = CancelReservationRequest.newBuilder().setName(booked.getName()).setReason("plans changed").build();
        Reservation cancelled = owner.reservations().cancelReservation(cancel);
        assertThat(cancelled.getStatus()).isEqualTo(ReservationStatus.RESERVATION_STATUS_CANCELLED);
        assertThat(cancelled.getCancelReason()).isEqualTo("plans changed");
        assertThat(cancelled.getCancelledByAdmin()).isFalse();
        assertThat(cancelled.hasCancelTime()).isTrue();
        assertThat(owner.reservations().cancelReservation(cancel)).isEqualTo(cancelled);
        assertInvalid(() -> owner.reservations().cancelReservation(cancel.toBuilder().setReason("r".repeat(501)).build()), "reason");

        // A reservation whose start has passed cannot be cancelled by its owner.
        Reservation soon = owner.reservations().createReservation(booking(car, lot.spot(0), inDays(1), 600, 660).build());
        t.clock.advance(Duration.between(t.clock.instant(), ProtoTime.instant(soon.getStartTime())).plusMinutes(1));
        Drivers.Driver again = Drivers.signIn(t, owner);
        assertFails(() -> again.reservations().cancelReservation(CancelReservationRequest.newBuilder()
                .setName(soon.getName()).build()), Status.Code.FAILED_PRECONDITION, "FAILED_PRECONDITION");
        assertThat(again.reservations().getReservation(GetReservationRequest.newBuilder().setName(soon.getName()).build())
                .getStatus()).isEqualTo(ReservationStatus.RESERVATION_STATUS_CONFIRMED);
    }

    @Test
    void statusIsDerivedFromTheClockConsistentlyInRepliesAndFilters() {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 2);
        Drivers.Driver owner = Drivers.signUp(t);
        LocalDate day = inDays(1);
        Reservation unused = owner.reservations().createReservation(booking(owner.newCar(), lot.spot(0), day, 600, 660).build());
        Reservation charged = owner.reservations().createReservation(booking(owner.newCar(), lot.spot(1), day, 600, 660).build());
        ParkingFixtures.execute(t.database, "UPDATE reservations SET status = 'IN_PROGRESS', arrived_at = now() WHERE id = '"
                + charged.getName().substring("reservations/".length()) + "'");
        // After both windows ended: the unused one is a no-show, the one in progress completed.
        t.clock.advance(Duration.between(t.clock.instant(), ProtoTime.instant(unused.getEndTime())).plusMinutes(1));
        Drivers.Driver later = Drivers.signIn(t, owner);
        assertThat(later.reservations().getReservation(GetReservationRequest.newBuilder().setName(unused.getName()).build())
                .getStatus()).isEqualTo(ReservationStatus.RESERVATION_STATUS_NO_SHOW);
        assertThat(later.reservations().getReservation(GetReservationRequest.newBuilder().setName(charged.getName()).build())
                .getStatus()).isEqualTo(ReservationStatus.RESERVATION_STATUS_COMPLETED);
        assertThat(later.reservations().listReservations(ListReservationsRequest.newBuilder()
                .addStatuses(ReservationStatus.RESERVATION_STATUS_NO_SHOW).build()).getReservationsList())
                .extracting(Reservation::getName).containsExactly(unused.getName());
        assertThat(later.reservations().listReservations(ListReservationsRequest.newBuilder()
                .addStatuses(ReservationStatus.RESERVATION_STATUS_CONFIRMED).build()).getReservationsList()).isEmpty();
        assertFails(() -> later.reservations().cancelReservation(CancelReservationRequest.newBuilder()
                .setName(unused.getName()).build()), Status.Code.FAILED_PRECONDITION, "FAILED_PRECONDITION");
    }

    @Test
    void listFiltersOrdersAndPages() {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 1);
        Drivers.Driver owner = Drivers.signUp(t);
        String carA = owner.newCar();
        String carB = owner.newCar();
        List<String> booked = new ArrayList<>();
        for (int day = 1; day <= 5; day++) {
            booked.add(owner.reservations().createReservation(booking(day % 2 == 0 ? carB : carA, lot.spot(0), inDays(day),
                    600, 660).build()).getName());
        }
        owner.reservations().cancelReservation(CancelReservationRequest.newBuilder().setName(booked.get(4)).build());
        List<String> paged = new ArrayList<>();
        String token = "";
        do {
            ListReservationsResponse page = owner.reservations().listReservations(ListReservationsRequest.newBuilder()
                    .setPageSize(2).setPageToken(token).build());
            page.getReservationsList().forEach(r -> paged.add(r.getName()));
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        assertThat(paged).containsExactlyElementsOf(booked);
        assertThat(owner.reservations().listReservations(ListReservationsRequest.newBuilder().setOrderBy("start_time desc")
                .build()).getReservationsList()).extracting(Reservation::getName).containsExactly(booked.get(4), booked.get(3), booked.get(2), booked.get(1), booked.get(0));
        assertThat(owner.reservations().listReservations(ListReservationsRequest.newBuilder().setCar(carB).build())
                .getReservationsList()).extracting(Reservation::getName).containsExactly(booked.get(1), booked.get(3));
        assertThat(owner.reservations().listReservations(ListReservationsRequest.newBuilder()
                .setStartDate(date(inDays(2))).setEndDate(date(inDays(3))).build()).getReservationsList())
                .extracting(Reservation::getName).containsExactly(booked.get(1), booked.get(2));
        assertThat(owner.reservations().listReservations(ListReservationsRequest.newBuilder()
                .addStatuses(ReservationStatus.RESERVATION_STATUS_CANCELLED).build()).getReservationsList())
                .extracting(Reservation::getName).containsExactly(booked.get(4));
        // Windows are [start, end): one ending at 11:00 does not reach into [11:00, 11:00].
        Timestamp thirdEnd = ProtoTime.timestamp(inDays(3).atTime(11, 0).atZone(SEOUL).toInstant());
        assertThat(owner.reservations().listReservations(ListReservationsRequest.newBuilder().setWindowStartTime(thirdEnd)
                .setWindowEndTime(thirdEnd).build()).getReservationsList()).isEmpty();
        Timestamp third = ProtoTime.timestamp(inDays(3).atTime(10, 30).atZone(SEOUL).toInstant());
        assertThat(owner.reservations().listReservations(ListReservationsRequest.newBuilder().setWindowStartTime(third)
                .setWindowEndTime(ProtoTime.timestamp(inDays(3).atTime(10, 31).atZone(SEOUL).toInstant())).build())
                .getReservationsList()).extracting(Reservation::getName).containsExactly(booked.get(2));
        // Another user sees none of them.
        assertThat(Drivers.signUp(t).reservations().listReservations(ListReservationsRequest.getDefaultInstance())
                .getReservationsList()).isEmpty();

        ReservationServiceGrpc.ReservationServiceBlockingStub r = owner.reservations();
        assertInvalid(() -> r.listReservations(ListReservationsRequest.newBuilder().setPageSize(-1).build()), "page_size");
        assertInvalid(() -> r.listReservations(ListReservationsRequest.newBuilder().setPageSize(1000).build()), "page_size");
        assertInvalid(() -> r.listReservations(ListReservationsRequest.newBuilder().setPageToken("forged").build()), "page_token");
        assertInvalid(() -> r.listReservations(ListReservationsRequest.newBuilder().setOrderBy("plate").build()), "order_by");
        assertInvalid(() -> r.listReservations(ListReservationsRequest.newBuilder().setCar("car/1").build()), "car");
        assertInvalid(() -> r.listReservations(ListReservationsRequest.newBuilder().addStatusesValue(42).build()), "statuses");
        assertInvalid(() -> r.listReservations(ListReservationsRequest.newBuilder().setStartDate(date(inDays(3)))
                .setEndDate(date(inDays(2))).build()), "end_date");
        assertInvalid(() -> r.listReservations(ListReservationsRequest.newBuilder().setWindowStartTime(
                Timestamp.newBuilder().setNanos(-1)).build()), "window_start_time");
        String token2 = r.listReservations(ListReservationsRequest.newBuilder().setPageSize(1).build()).getNextPageToken();
        assertInvalid(() -> r.listReservations(ListReservationsRequest.newBuilder().setPageSize(1).setPageToken(token2)
                .setOrderBy("start_time desc").build()), "page_token");
    }

    @Test
    void availabilityListsFreeSpotsPerSlotAndFollowsBookings() {
        TestLot lot = ParkingFixtures.lot(t.database, "Asia/Seoul", 3, 9 * 60, 12 * 60);
        Drivers.Driver owner = Drivers.signUp(t);
        LocalDate day = inDays(2);
        owner.reservations().createReservation(booking(owner.newCar(), lot.spot(1), day, 9 * 60 + 30, 10 * 60 + 30).build());
        Availability availability = owner.reservations().getAvailability(GetAvailabilityRequest.newBuilder()
                .setParkingLot(lot.name()).setLocalDate(date(day)).build());
        assertThat(availability.getTimeZone()).isEqualTo("Asia/Seoul");
        assertThat(availability.getSlotMinutes()).isEqualTo(30);
        assertThat(availability.getSlotsList()).extracting(s -> s.getLocalStartTime().getHours() * 60 + s.getLocalStartTime().getMinutes())
                .containsExactly(540, 570, 600, 630, 660, 690);
        assertThat(availability.getSlotsList()).extracting(AvailabilitySlot::getFreeSpotCount).containsExactly(3, 2, 2, 3, 3, 3);
        assertThat(availability.getSlots(1).getFreeSpotsList()).containsExactly(lot.spot(0), lot.spot(2));
        assertThat(availability.getSlots(0).getStartTime()).isEqualTo(ProtoTime.timestamp(day.atTime(9, 0).atZone(SEOUL).toInstant()));
        assertThat(availability.getSlots(5).getLocalEndTime()).isEqualTo(time(12, 0));
        // One spot only.
        Availability oneSpot = owner.reservations().getAvailability(GetAvailabilityRequest.newBuilder()
                .setParkingLot(lot.name()).setLocalDate(date(day)).setSpot(lot.spot(1)).build());
        assertThat(oneSpot.getSlotsList()).extracting(AvailabilitySlot::getFreeSpotCount).containsExactly(1, 0, 0, 1, 1, 1);
        // Past days have no slots left; a lot closed for reservations has none.
        assertThat(owner.reservations().getAvailability(GetAvailabilityRequest.newBuilder().setParkingLot(lot.name())
                .setLocalDate(date(inDays(-1))).build()).getSlotsList()).isEmpty();
        ParkingFixtures.execute(t.database, "UPDATE parking_lots SET open = false WHERE id = '" + lot.id() + "'");
        assertThat(owner.reservations().getAvailability(GetAvailabilityRequest.newBuilder().setParkingLot(lot.name())
                .setLocalDate(date(day)).build()).getSlotsList()).isEmpty();

        ReservationServiceGrpc.ReservationServiceBlockingStub r = owner.reservations();
        assertInvalid(() -> r.getAvailability(GetAvailabilityRequest.newBuilder().setLocalDate(date(day)).build()), "parking_lot");
        assertInvalid(() -> r.getAvailability(GetAvailabilityRequest.newBuilder().setParkingLot(lot.name()).build()), "local_date");
        TestLot other = ParkingFixtures.seoulLot(t.database, 1);
        assertInvalid(() -> r.getAvailability(GetAvailabilityRequest.newBuilder().setParkingLot(lot.name())
                .setLocalDate(date(day)).setSpot(other.spot(0)).build()), "spot");
        assertFails(() -> r.getAvailability(GetAvailabilityRequest.newBuilder().setParkingLot("parkingLots/" + UUID.randomUUID())
                .setLocalDate(date(day)).build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertFails(() -> anonymous.getAvailability(GetAvailabilityRequest.newBuilder().setParkingLot(lot.name())
                .setLocalDate(date(day)).build()), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
    }

    @Test
    void adminsListALotsDayAndForceCancelWithAnAuditedReason() {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 2);
        Drivers.Driver owner = Drivers.signUp(t);
        LocalDate day = inDays(3);
        Reservation early = owner.reservations().createReservation(booking(owner.newCar(), lot.spot(0), day, 600, 660).build());
        Reservation late = owner.reservations().createReservation(booking(owner.newCar(), lot.spot(1), day, 700 - 10, 750).build());
        owner.reservations().createReservation(booking(owner.newCar(), lot.spot(0), day.plusDays(1), 600, 660).build());
        ReservationServiceGrpc.ReservationServiceBlockingStub admin = admin();
        ListLotReservationsResponse list = admin.listLotReservations(ListLotReservationsRequest.newBuilder()
                .setParent(lot.name()).setLocalDate(date(day)).build());
        assertThat(list.getReservationsList()).extracting(Reservation::getName).containsExactly(early.getName(), late.getName());
        assertThat(admin.listLotReservations(ListLotReservationsRequest.newBuilder().setParent(lot.name())
                .setLocalDate(date(day)).setSpot(lot.spot(1)).build()).getReservationsList())
                .extracting(Reservation::getName).containsExactly(late.getName());

        Reservation cancelled = admin.adminCancelReservation(AdminCancelReservationRequest.newBuilder()
                .setName(early.getName()).setReason("spot under maintenance").build());
        assertThat(cancelled.getStatus()).isEqualTo(ReservationStatus.RESERVATION_STATUS_CANCELLED);
        assertThat(cancelled.getCancelledByAdmin()).isTrue();
        assertThat(cancelled.getCancelReason()).isEqualTo("spot under maintenance");
        assertThat(t.queryInt("SELECT count(*) FROM audit_log WHERE action = 'reservation.admin_cancel' AND resource_name = '"
                + early.getName() + "' AND reason = 'spot under maintenance' AND actor_role = 'ADMIN'")).isEqualTo(1);
        assertThat(admin.listLotReservations(ListLotReservationsRequest.newBuilder().setParent(lot.name())
                .setLocalDate(date(day)).addStatuses(ReservationStatus.RESERVATION_STATUS_CONFIRMED).build())
                .getReservationsList()).extracting(Reservation::getName).containsExactly(late.getName());
        // The owner cannot undo an admin's cancellation by "cancelling" again.
        assertFails(() -> owner.reservations().cancelReservation(CancelReservationRequest.newBuilder()
                .setName(early.getName()).build()), Status.Code.FAILED_PRECONDITION, "FAILED_PRECONDITION");

        assertInvalid(() -> admin.adminCancelReservation(AdminCancelReservationRequest.newBuilder()
                .setName(late.getName()).build()), "reason");
        assertInvalid(() -> admin.adminCancelReservation(AdminCancelReservationRequest.newBuilder()
                .setName("reservations/1").setReason("x").build()), "name");
        assertFails(() -> admin.adminCancelReservation(AdminCancelReservationRequest.newBuilder()
                .setName("reservations/" + UUID.randomUUID()).setReason("x").build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertInvalid(() -> admin.listLotReservations(ListLotReservationsRequest.newBuilder().setParent("lots/1")
                .setLocalDate(date(day)).build()), "parent");
        assertInvalid(() -> admin.listLotReservations(ListLotReservationsRequest.newBuilder().setParent(lot.name()).build()),
                "local_date");
        assertInvalid(() -> admin.listLotReservations(ListLotReservationsRequest.newBuilder().setParent(lot.name())
                .setLocalDate(date(day)).setSpot(ParkingFixtures.seoulLot(t.database, 1).spot(0)).build()), "spot");
        assertFails(() -> admin.listLotReservations(ListLotReservationsRequest.newBuilder()
                .setParent("parkingLots/" + UUID.randomUUID()).setLocalDate(date(day)).build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");

        // Wrong roles: a USER on the admin RPCs, an ADMIN on the driver-only ones.
        assertFails(() -> owner.reservations().listLotReservations(ListLotReservationsRequest.newBuilder()
                .setParent(lot.name()).setLocalDate(date(day)).build()), Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        assertFails(() -> owner.reservations().adminCancelReservation(AdminCancelReservationRequest.newBuilder()
                .setName(late.getName()).setReason("mine").build()), Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        assertFails(() -> admin.createReservation(booking("cars/" + UUID.randomUUID(), lot.spot(0), day, 600, 660).build()),
                Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        assertFails(() -> admin.listReservations(ListReservationsRequest.getDefaultInstance()),
                Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        for (Runnable call : new Runnable[] {
                () -> anonymous.createReservation(booking("cars/" + UUID.randomUUID(), lot.spot(0), day, 600, 660).build()),
                () -> anonymous.listReservations(ListReservationsRequest.getDefaultInstance()),
                () -> anonymous.cancelReservation(CancelReservationRequest.newBuilder().setName(late.getName()).build()),
                () -> anonymous.listLotReservations(ListLotReservationsRequest.newBuilder().setParent(lot.name())
                        .setLocalDate(date(day)).build()),
                () -> anonymous.adminCancelReservation(AdminCancelReservationRequest.newBuilder().setName(late.getName())
                        .setReason("x").build())}) {
            assertFails(call, Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        }
    }

    @Test
    void cancellingADispatchedReservationQueuesACancelCommandForItsRobot() {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 1);
        Drivers.Driver owner = Drivers.signUp(t);
        Reservation booked = owner.reservations().createReservation(booking(owner.newCar(), lot.spot(0), inDays(2), 600, 660).build());
        String id = booked.getName().substring("reservations/".length());
        ParkingFixtures.execute(t.database, "INSERT INTO robots (id, robot_key, lot_id, display_name) VALUES ("
                + "'00000000-0000-0000-0000-00000000a001', 'robot-a001', '" + lot.id() + "', 'Robot A')");
        ParkingFixtures.execute(t.database, "UPDATE reservations SET robot_id = '00000000-0000-0000-0000-00000000a001', "
                + "dispatched_at = now() WHERE id = '" + id + "'");
        Reservation cancelled = owner.reservations().cancelReservation(CancelReservationRequest.newBuilder()
                .setName(booked.getName()).build());
        assertThat(cancelled.getRobot()).isEqualTo("robots/robot-a001");
        assertThat(t.queryInt("SELECT count(*) FROM robot_commands WHERE kind = 'CANCEL' AND status = 'PENDING' "
                + "AND reservation_id = '" + id + "'")).isEqualTo(1);
    }
}
