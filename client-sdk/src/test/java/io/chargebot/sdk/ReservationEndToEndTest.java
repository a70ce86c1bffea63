package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.type.Date;
import com.google.type.LatLng;
import com.google.type.TimeOfDay;
import io.chargebot.car.v1.Car;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.Spot;
import io.chargebot.reservation.v1.Availability;
import io.chargebot.reservation.v1.AvailabilitySlot;
import io.chargebot.reservation.v1.ConflictScope;
import io.chargebot.reservation.v1.CreateReservationRequest;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.reservation.v1.ReservationConflict;
import io.chargebot.reservation.v1.ReservationStatus;
import io.chargebot.user.v1.User;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cars, place search, availability, booking with conflicts, listing, cancelling and admin lot and
 * spot management against the real platform (its embedded PostgreSQL, demo data and local
 * development geocoder). Two users sign up with SMS codes from the development outbox; the admin
 * signs in with the password the platform is started with.
 */
class ReservationEndToEndTest {

    private static final String ADMIN_PASSWORD = "sdk end-to-end admin passphrase";
    private static final ZoneId SEOUL = ZoneId.of("Asia/Seoul");
    /** The development geocoder's 서울역 (LocalDevelopmentGeocoder). */
    private static final double SEOUL_STATION_LAT = 37.5547;
    private static final double SEOUL_STATION_LNG = 126.9707;
    private static final ReservationStatus CONFIRMED = ReservationStatus.RESERVATION_STATUS_CONFIRMED;
    private static final ReservationStatus CANCELLED = ReservationStatus.RESERVATION_STATUS_CANCELLED;

    private static PlatformProcess platform;
    private static ChargeBotClient alice;
    private static ChargeBotClient bob;
    private static ChargeBotClient admin;

    @BeforeAll
    static void startPlatformAndSignUp() throws Exception {
        platform = PlatformProcess.startOnFreshDatabase("-Dchargebot.admin.password=" + ADMIN_PASSWORD);
        alice = platform.clientBuilder("ReservationEndToEndTest-alice").build();
        bob = platform.clientBuilder("ReservationEndToEndTest-bob").build();
        admin = platform.clientBuilder("ReservationEndToEndTest-admin").build();
        DevOutbox.signUp(platform, alice, "Alice");
        DevOutbox.signUp(platform, bob, "Bob");
        // A database from DATABASE_URL must be fresh: an admin created before keeps its own password.
        admin.auth().signIn("admin", ADMIN_PASSWORD);
    }

    @AfterAll
    static void stopPlatform() {
        for (ChargeBotClient client : new ChargeBotClient[] {alice, bob, admin}) {
            if (client != null) {
                client.close();
            }
        }
        if (platform != null) {
            platform.close();
        }
    }

    // Cars

    @Test
    void registersListsUpdatesAndDeletesACar() {
        String plate = randomPlate();
        Car car = alice.cars().create(Car.newBuilder()
                .setPlate(plate.substring(0, 3) + " " + plate.substring(3))
                .setConnectorType(ConnectorType.CONNECTOR_TYPE_DC_COMBO1)
                .setModel("IONIQ 5")
                .build());

        assertThat(car.getName()).startsWith("cars/");
        assertThat(car.getNormalizedPlate()).isEqualTo(plate);
        assertThat(car.getOwner()).startsWith("users/");
        assertThat(alice.cars().get(car.getName())).isEqualTo(car);
        assertThat(names(alice.cars().listAll(1))).contains(car.getName());

        Car changed = alice.cars().update(CarUpdate.builder(car.getName()).nickname("출퇴근용").build());
        assertThat(changed.getNickname()).isEqualTo("출퇴근용");
        assertThat(changed.getModel()).as("fields outside the mask are kept").isEqualTo("IONIQ 5");
        assertThat(changed.getPlate()).isEqualTo(car.getPlate());

        assertThatThrownBy(() -> bob.cars().get(car.getName()))
                .as("another user's car is not found").isInstanceOf(NotFoundException.class);

        alice.cars().delete(car.getName());
        assertThatThrownBy(() -> alice.cars().get(car.getName())).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aPlateOfAnotherActiveCarIsPlateTaken() {
        String plate = randomPlate();
        alice.cars().create(plate, ConnectorType.CONNECTOR_TYPE_AC_TYPE1);

        PlateTakenException e = catchThrowableOfType(PlateTakenException.class,
                () -> bob.cars().create(plate.substring(0, 3) + "-" + plate.substring(3), ConnectorType.CONNECTOR_TYPE_NACS));

        assertThat(e).as("the same plate written differently is RESOURCE_EXISTS on car.plate").isNotNull();
        assertThat(e.reason()).isEqualTo(ErrorReason.RESOURCE_EXISTS);
        assertThat(e.fieldViolations()).extracting(FieldViolation::field).contains("car.plate");
    }

    @Test
    void anInvalidPlateIsReportedOnItsField() {
        InvalidArgumentException e = catchThrowableOfType(InvalidArgumentException.class,
                () -> alice.cars().create("not a plate", ConnectorType.CONNECTOR_TYPE_DC_COMBO1));

        assertThat(e.fieldViolations()).extracting(FieldViolation::field).contains("car.plate");
    }

    // Finding lots

    @Test
    void findsLotsByPlaceNameAndByLocation() {
        PlaceSearchResult byPlace = alice.parking().listNearPlace("서울역", 3_000, 5);

        assertThat(byPlace.origin().getLatitude()).isCloseTo(SEOUL_STATION_LAT, org.assertj.core.data.Offset.offset(0.001));
        assertThat(byPlace.origin().getLongitude()).isCloseTo(SEOUL_STATION_LNG, org.assertj.core.data.Offset.offset(0.001));
        assertThat(byPlace.lots().items()).isNotEmpty();
        assertThat(byPlace.lots().items().get(0).getDistanceMeters()).isLessThan(1_000.0);
        List<Double> distances = new ArrayList<>();
        for (ParkingLot lot : byPlace.lots().items()) {
            distances.add(lot.getDistanceMeters());
        }
        assertThat(distances).isSorted();

        Page<ParkingLot> byLocation = alice.parking().listNearby(byPlace.origin().getLatitude(),
                byPlace.origin().getLongitude(), 3_000, 5);
        assertThat(names(byLocation.items())).containsExactlyElementsOf(names(byPlace.lots().items()));

        List<String> allByPlace = names(alice.parking().listAllNearPlace("Seoul Station", 3_000, 2));
        assertThat(allByPlace).doesNotHaveDuplicates();
        assertThat(allByPlace).containsExactlyElementsOf(names(alice.parking().listAllNearby(
                byPlace.origin().getLatitude(), byPlace.origin().getLongitude(), 3_000, 100)));

        NotFoundException unknown = catchThrowableOfType(NotFoundException.class,
                () -> alice.parking().listNearPlace("zzz no such place qqq", 3_000, 5));
        assertThat(unknown).as("an unknown place is NOT_FOUND").isNotNull();
        assertThat(unknown.reason()).isEqualTo(ErrorReason.RESOURCE_NOT_FOUND);
    }

    // Booking

    @Test
    void booksSeesConflictsListsAndCancels() {
        ParkingLot lot = demoLotNear("서울역");
        Date day = localDate(8);
        ReservationFilter onThatDay = ReservationFilter.builder().startDate(day).endDate(day).build();
        Availability before = alice.reservations().getAvailability(lot.getName(), day);
        assertThat(before.getTimeZone()).isEqualTo("Asia/Seoul");
        assertThat(before.getSlotMinutes()).isEqualTo(30);
        // Two consecutive slots in which two spots are free: an hour at spot A, and spot B for the car conflict.
        int first = firstSlotPairWithTwoFreeSpots(before);
        AvailabilitySlot slot = before.getSlots(first);
        List<String> free = commonFreeSpots(slot, before.getSlots(first + 1));
        String spotA = free.get(0);
        String spotB = free.get(1);
        TimeOfDay start = slot.getLocalStartTime();
        TimeOfDay end = before.getSlots(first + 1).getLocalEndTime();

        Car car1 = alice.cars().create(randomPlate(), ConnectorType.CONNECTOR_TYPE_DC_COMBO1);
        Car car2 = alice.cars().create(randomPlate(), ConnectorType.CONNECTOR_TYPE_DC_COMBO1);
        Car bobsCar = bob.cars().create(randomPlate(), ConnectorType.CONNECTOR_TYPE_CHADEMO);

        Reservation booked = alice.reservations().book(car1.getName(), spotA, day, start, end);
        assertThat(booked.getStatus()).isEqualTo(CONFIRMED);
        assertThat(booked.getCar()).isEqualTo(car1.getName());
        assertThat(booked.getSpot()).isEqualTo(spotA);
        assertThat(booked.getParkingLot()).isEqualTo(lot.getName());
        assertThat(booked.getLocalDate()).isEqualTo(day);
        assertThat(booked.getLocalStartTime()).isEqualTo(start);
        assertThat(booked.getLocalEndTime()).isEqualTo(end);
        assertThat(booked.getStartTime()).isEqualTo(slot.getStartTime());
        assertThat(booked.getPlate()).isEqualTo(car1.getNormalizedPlate());

        Availability after = alice.reservations().getAvailability(lot.getName(), day);
        assertThat(after.getSlots(first).getFreeSpotsList()).doesNotContain(spotA).contains(spotB);
        assertThat(after.getSlots(first + 1).getFreeSpotsList()).doesNotContain(spotA);
        assertThat(alice.reservations().getAvailability(lot.getName(), day, spotA).getSlots(first).getFreeSpotCount())
                .isZero();

        // The same car elsewhere at the same time: the car is busy, and it is Alice's own reservation.
        ReservationConflictException carBusy = catchThrowableOfType(ReservationConflictException.class,
                () -> alice.reservations().book(car1.getName(), spotB, day, start, 60));
        assertThat(carBusy).as("the car is booked then").isNotNull().isInstanceOf(AlreadyExistsException.class);
        assertThat(carBusy.reason()).isEqualTo(ErrorReason.RESERVATION_CONFLICT);
        assertThat(carBusy.scope()).isEqualTo(ConflictScope.CONFLICT_SCOPE_CAR);
        assertThat(carBusy.ownReservation()).isEqualTo(booked.getName());
        assertThat(carBusy.firstConflict().getStartTime()).isEqualTo(booked.getStartTime());
        assertThat(carBusy.firstConflict().getEndTime()).isEqualTo(booked.getEndTime());

        // Bob wants the same spot half an hour later: the spot is taken, and the server names nothing of Alice's.
        ReservationConflictException spotTaken = catchThrowableOfType(ReservationConflictException.class,
                () -> bob.reservations().book(bobsCar.getName(), spotA, day, before.getSlots(first + 1).getLocalStartTime(), 30));
        assertThat(spotTaken).as("the spot is booked then").isNotNull();
        assertThat(spotTaken.scope()).isEqualTo(ConflictScope.CONFLICT_SCOPE_SPOT);
        assertThat(spotTaken.ownReservation()).isNull();
        assertThat(spotTaken.conflicts()).extracting(ReservationConflict::getReservation).containsOnly("");
        assertThat(spotTaken.firstConflict().getStartTime()).isEqualTo(booked.getStartTime());

        // A retried booking with the same request id answers the reservation it made, without booking twice.
        CreateReservationRequest later = CreateReservationRequest.newBuilder()
                .setCar(car2.getName()).setSpot(spotB).setLocalDate(day)
                .setLocalStartTime(before.getSlots(first + 4).getLocalStartTime()).setDurationMinutes(30)
                .setRequestId(UUID.randomUUID().toString())
                .build();
        Reservation second = alice.reservations().book(later);
        assertThat(alice.reservations().book(later).getName()).isEqualTo(second.getName());

        // Alice's list: filtered by status, date and car; ordered.
        ReservationFilter car1Confirmed = ReservationFilter.builder()
                .statuses(CONFIRMED).startDate(day).endDate(day).car(car1.getName()).build();
        assertThat(names(alice.reservations().list(car1Confirmed, 10).items())).containsExactly(booked.getName());
        assertThat(names(alice.reservations().listAll(onThatDay, 1)))
                .containsExactly(booked.getName(), second.getName());
        assertThat(names(alice.reservations().list(ReservationFilter.builder().startDate(day).endDate(day)
                .latestFirst().build(), 10).items()))
                .containsExactly(second.getName(), booked.getName());
        assertThat(alice.reservations().list(ReservationFilter.all(), 10).items())
                .as("Bob's reservations are not Alice's").allSatisfy(r -> assertThat(r.getUser()).isEqualTo(booked.getUser()));
        assertThat(alice.reservations().get(booked.getName())).isEqualTo(booked);
        assertThatThrownBy(() -> bob.reservations().get(booked.getName())).isInstanceOf(NotFoundException.class);

        // A car with an unfinished reservation cannot be deleted.
        FailedPreconditionException busy = catchThrowableOfType(FailedPreconditionException.class,
                () -> alice.cars().delete(car1.getName()));
        assertThat(busy).as("DeleteCar with a reservation not yet finished").isNotNull();
        assertThat(busy.reason()).isEqualTo(ErrorReason.FAILED_PRECONDITION);
        assertThat(busy.metadata().get("reservations")).contains(booked.getName());

        // Cancel: the spot is free again, the cancelled reservation is listed as such, the car can go.
        Reservation cancelled = alice.reservations().cancel(booked.getName(), "plans changed");
        assertThat(cancelled.getStatus()).isEqualTo(CANCELLED);
        assertThat(cancelled.getCancelReason()).isEqualTo("plans changed");
        assertThat(cancelled.getCancelledByAdmin()).isFalse();
        assertThat(alice.reservations().cancel(booked.getName()).getStatus()).as("cancelling again is harmless")
                .isEqualTo(CANCELLED);
        assertThat(names(alice.reservations().list(ReservationFilter.builder().statuses(CANCELLED)
                .startDate(day).endDate(day).build(), 10).items()))
                .containsExactly(booked.getName());
        Reservation bobs = bob.reservations().book(bobsCar.getName(), spotA, day, start, 30);
        assertThat(bobs.getStatus()).isEqualTo(CONFIRMED);
        alice.cars().delete(car1.getName());

        bob.reservations().cancel(bobs.getName());
        alice.reservations().cancel(second.getName());
    }

    @Test
    void throughTheGatewayJsonClientsBookAndSeeTheConflict() throws Exception {
        Spot spot = demoLotNear("강남역").getSpots(1);
        Date day = localDate(11);
        Car alicesCar = alice.cars().create(randomPlate(), ConnectorType.CONNECTOR_TYPE_DC_COMBO1);
        Car bobsCar = bob.cars().create(randomPlate(), ConnectorType.CONNECTOR_TYPE_DC_COMBO1);
        String body = "{\"spot\":\"" + spot.getName() + "\",\"localDate\":{\"year\":" + day.getYear() + ",\"month\":"
                + day.getMonth() + ",\"day\":" + day.getDay() + "},\"localStartTime\":{\"hours\":14},\"durationMinutes\":60";
        HttpClient http = HttpClient.newHttpClient();

        HttpResponse<String> booked = http.send(HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + "/v1/reservations"))
                .header("content-type", "application/json")
                .header("authorization", "Bearer " + alice.tokenStore().get().accessToken())
                .POST(HttpRequest.BodyPublishers.ofString(body + ",\"car\":\"" + alicesCar.getName() + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(booked.statusCode()).as(booked.body()).isEqualTo(200);
        assertThat(booked.body()).contains("RESERVATION_STATUS_CONFIRMED").contains(spot.getName());

        HttpResponse<String> conflict = http.send(HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + "/v1/reservations"))
                .header("content-type", "application/json")
                .header("authorization", "Bearer " + bob.tokenStore().get().accessToken())
                .POST(HttpRequest.BodyPublishers.ofString(body + ",\"car\":\"" + bobsCar.getName() + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(conflict.body()).as("the JSON error names the conflict")
                .contains("RESERVATION_CONFLICT")
                .contains("type.googleapis.com/chargebot.reservation.v1.ReservationConflict")
                .contains("CONFLICT_SCOPE_SPOT")
                .doesNotContain("reservations/");

        HttpResponse<String> mine = http.send(HttpRequest.newBuilder(URI.create(platform.gatewayUrl()
                        + "/v1/reservations?statuses=RESERVATION_STATUS_CONFIRMED&car=" + alicesCar.getName()))
                .header("authorization", "Bearer " + alice.tokenStore().get().accessToken())
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(mine.statusCode()).isEqualTo(200);
        Reservation only = alice.reservations().list(ReservationFilter.builder().car(alicesCar.getName()).build(), 10)
                .items().get(0);
        assertThat(mine.body()).contains(only.getName());

        alice.reservations().cancel(only.getName());
        alice.cars().delete(alicesCar.getName());
        bob.cars().delete(bobsCar.getName());
    }

    @Test
    void aWindowOffTheGridIsReportedOnItsField() {
        Spot spot = demoLotNear("강남역").getSpots(0);
        Car car = alice.cars().create(randomPlate(), ConnectorType.CONNECTOR_TYPE_DC_COMBO1);

        InvalidArgumentException e = catchThrowableOfType(InvalidArgumentException.class,
                () -> alice.reservations().book(car.getName(), spot.getName(), localDate(9),
                        ReservationClient.timeOfDay(10, 15), 45));

        assertThat(e).as("10:15 for 45 minutes").isNotNull();
        assertThat(e.fieldViolations()).isNotEmpty();
        alice.cars().delete(car.getName());
    }

    // Admin

    @Test
    void anAdminCreatesALotAndSpotsThatUsersFindAndBook() {
        LatLng nearStation = LatLng.newBuilder().setLatitude(SEOUL_STATION_LAT + 0.0004)
                .setLongitude(SEOUL_STATION_LNG + 0.0004).build();
        String displayName = "SDK E2E 주차장 " + DevOutbox.randomDigits(6);
        ParkingLot lot = admin.parking().createParkingLot(ParkingLot.newBuilder()
                .setDisplayName(displayName).setAddress("서울 중구 한강대로 405").setLocation(nearStation).setOpen(true).build());
        assertThat(lot.getName()).startsWith("parkingLots/");
        assertThat(lot.getTimeZone()).isEqualTo("Asia/Seoul");
        assertThat(lot.getBusinessHoursList()).as("09:00-22:00 every day by default").hasSize(7);

        Spot e1 = admin.parking().createSpot(lot.getName(),
                Spot.newBuilder().setFloor("B1").setCode("E2E-1").setEnabled(true).build());
        Spot e2 = admin.parking().createSpot(lot.getName(),
                Spot.newBuilder().setFloor("B1").setCode("E2E-2").setEnabled(true).build());
        assertThat(e1.getName()).startsWith(lot.getName() + "/spots/");
        AlreadyExistsException duplicate = catchThrowableOfType(AlreadyExistsException.class,
                () -> admin.parking().createSpot(lot.getName(), Spot.newBuilder().setFloor("B2").setCode("E2E-1").build()));
        assertThat(duplicate).as("a spot code is unique in its lot").isNotNull();
        assertThat(duplicate.reason()).isEqualTo(ErrorReason.RESOURCE_EXISTS);

        ParkingLot renamed = admin.parking().updateParkingLot(
                lot.toBuilder().setDisplayName(displayName + " (신관)").build(), "display_name");
        assertThat(renamed.getDisplayName()).isEqualTo(displayName + " (신관)");
        assertThat(renamed.getSpotsList()).extracting(Spot::getCode).containsExactly("E2E-1", "E2E-2");
        Spot moved = admin.parking().updateSpot(e2.toBuilder().setFloor("B3").build(), "floor");
        assertThat(moved.getFloor()).isEqualTo("B3");
        assertThat(moved.getCode()).isEqualTo("E2E-2");

        assertThatThrownBy(() -> alice.parking().createParkingLot(ParkingLot.newBuilder().setDisplayName("x")
                .setLocation(nearStation).build())).isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> alice.reservations().listLotReservations(lot.getName(), localDate(10), 10))
                .isInstanceOf(PermissionDeniedException.class);

        // Users find it and book its spot.
        assertThat(names(alice.parking().listAllNearPlace("서울역", 500, 10))).contains(lot.getName());
        Date day = localDate(10);
        Availability availability = alice.reservations().getAvailability(lot.getName(), day);
        assertThat(availability.getSlotsList()).isNotEmpty();
        AvailabilitySlot slot = availability.getSlots(availability.getSlotsCount() / 2);
        assertThat(slot.getFreeSpotsList()).containsExactly(e1.getName(), e2.getName());
        Car car = alice.cars().create(randomPlate(), ConnectorType.CONNECTOR_TYPE_DC_COMBO1);
        Reservation booked = alice.reservations().book(car.getName(), e1.getName(), day, slot.getLocalStartTime(), 90);

        Page<Reservation> daily = admin.reservations().listLotReservations(lot.getName(), day, 100);
        assertThat(names(daily.items())).containsExactly(booked.getName());
        assertThat(admin.reservations().listLotReservations(lot.getName(), day, e2.getName(),
                Collections.<ReservationStatus>emptyList(), 100, "").items()).isEmpty();
        assertThat(admin.reservations().get(booked.getName()).getName()).as("admins read any reservation")
                .isEqualTo(booked.getName());

        FailedPreconditionException inUse = catchThrowableOfType(FailedPreconditionException.class,
                () -> admin.parking().deleteSpot(e1.getName()));
        assertThat(inUse).as("DeleteSpot with an upcoming reservation").isNotNull();
        assertThat(inUse.description()).contains(booked.getName());

        Reservation forced = admin.reservations().adminCancel(booked.getName(), "spot maintenance");
        assertThat(forced.getStatus()).isEqualTo(CANCELLED);
        assertThat(forced.getCancelledByAdmin()).isTrue();
        assertThat(forced.getCancelReason()).isEqualTo("spot maintenance");
        assertThat(alice.reservations().get(booked.getName()).getCancelledByAdmin()).isTrue();
        assertThat(admin.reservations().listLotReservations(lot.getName(), day, null,
                Collections.singletonList(CANCELLED), 100, "").items()).extracting(Reservation::getName)
                .containsExactly(booked.getName());

        admin.parking().deleteSpot(e1.getName());
        assertThat(admin.parking().getParkingLot(lot.getName()).getSpotsList()).extracting(Spot::getName)
                .containsExactly(e2.getName());
        admin.parking().updateParkingLot(lot.toBuilder().setOpen(false).build(), "open");
        assertThat(names(alice.parking().listAllNearPlace("서울역", 500, 10))).doesNotContain(lot.getName());
        alice.cars().delete(car.getName());
    }

    @Test
    void theAdminAndTheUsersAreWhoTheySeem() {
        User me = alice.users().getMe();
        assertThat(me.getDisplayName()).isEqualTo("Alice");
        assertThat(admin.users().getMe().getLoginId()).isEqualTo("admin");
    }

    // Helpers

    /** The nearest demo lot (not one an admin test made) to a place, with its spots. */
    private static ParkingLot demoLotNear(String place) {
        for (ParkingLot lot : alice.parking().listAllNearPlace(place, 3_000, 10)) {
            if (!lot.getDisplayName().startsWith("SDK E2E")) {
                return alice.parking().getParkingLot(lot.getName());
            }
        }
        throw new AssertionError("no demo lot near " + place);
    }

    /** A date in Seoul some days from today: inside the 30-day booking horizon, never in the past. */
    private static Date localDate(int daysAhead) {
        LocalDate date = LocalDate.now(SEOUL).plusDays(daysAhead);
        return ReservationClient.date(date.getYear(), date.getMonthValue(), date.getDayOfMonth());
    }

    /** A random plate in the 2019 form, e.g. "123가4567", normalised. */
    private static String randomPlate() {
        String letters = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주";
        String digits = DevOutbox.randomDigits(7);
        int letter = Integer.parseInt(DevOutbox.randomDigits(2)) % letters.length();
        return digits.substring(0, 3) + letters.charAt(letter) + digits.substring(3);
    }

    private static int firstSlotPairWithTwoFreeSpots(Availability availability) {
        for (int i = 0; i + 5 < availability.getSlotsCount(); i++) {
            if (commonFreeSpots(availability.getSlots(i), availability.getSlots(i + 1)).size() >= 2) {
                return i;
            }
        }
        throw new AssertionError("no two consecutive slots with two free spots: " + availability);
    }

    private static List<String> commonFreeSpots(AvailabilitySlot a, AvailabilitySlot b) {
        List<String> common = new ArrayList<>(a.getFreeSpotsList());
        common.retainAll(b.getFreeSpotsList());
        return common;
    }

    private static List<String> names(Iterable<?> resources) {
        List<String> names = new ArrayList<>();
        for (Object resource : resources) {
            if (resource instanceof ParkingLot) {
                names.add(((ParkingLot) resource).getName());
            } else if (resource instanceof Reservation) {
                names.add(((Reservation) resource).getName());
            } else if (resource instanceof Car) {
                names.add(((Car) resource).getName());
            } else {
                throw new IllegalArgumentException(String.valueOf(resource));
            }
        }
        return names;
    }
}
