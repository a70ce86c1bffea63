package io.chargebot.server.reservation;

import static io.chargebot.server.auth.AuthTestClient.assertFails;
import static io.chargebot.server.auth.AuthTestClient.assertInvalid;
import static io.chargebot.server.auth.AuthTestClient.withToken;
import static io.chargebot.server.reservation.Drivers.booking;
import static io.chargebot.server.reservation.Drivers.date;
import static io.chargebot.server.reservation.Drivers.time;
import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.auth.v1.IssueServiceTokenRequest;
import io.chargebot.car.v1.GetCarRequest;
import io.chargebot.plate.v1.MatchPlateRequest;
import io.chargebot.plate.v1.MatchPlateResponse;
import io.chargebot.plate.v1.PlateServiceGrpc;
import io.chargebot.plate.v1.VerifyPlateRequest;
import io.chargebot.plate.v1.VerifyPlateResponse;
import io.chargebot.reservation.v1.CancelReservationRequest;
import io.chargebot.reservation.v1.ConflictScope;
import io.chargebot.reservation.v1.GetReservationRequest;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.reservation.v1.ReservationStatus;
import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.testing.ParkingFixtures;
import io.chargebot.server.testing.ParkingFixtures.TestLot;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PlateService.VerifyPlate and MatchPlate (seed 003 /api/plates/verify and /match) over real gRPC. */
class PlateChecksTest {

    private static final String ADMIN_PASSWORD = "an admin passphrase for tests";
    private static final String CAMERA_SECRET = "camera-secret-for-plate-tests-0123456789";
    private static final String READER_SECRET = "reader-secret-for-plate-tests-0123456789";
    private static final ZoneId SEOUL = ZoneId.of("Asia/Seoul");
    private static AuthTestClient t;
    private static PlateServiceGrpc.PlateServiceBlockingStub anonymous;

    @BeforeAll
    static void start() {
        Map<String, Object> properties = new HashMap<>(AuthTestClient.relaxedLimits());
        properties.put("chargebot.admin.password", ADMIN_PASSWORD);
        properties.put("chargebot.service-clients", "camera-1:" + CAMERA_SECRET + ":plate.match,"
                + "reader-1:" + READER_SECRET + ":plate.recognize");
        t = new AuthTestClient(properties);
        anonymous = PlateServiceGrpc.newBlockingStub(t.channel);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static PlateServiceGrpc.PlateServiceBlockingStub service(String id, String secret) {
        return withToken(anonymous, t.auth.issueServiceToken(IssueServiceTokenRequest.newBuilder().setClientId(id)
                .setClientSecret(secret).build()).getTokens().getAccessToken());
    }

    private static PlateServiceGrpc.PlateServiceBlockingStub plates(Drivers.Driver driver) {
        return withToken(anonymous, driver.tokens().getAccessToken());
    }

    private static VerifyPlateRequest.Builder verify(String plate, String spot, LocalDate day, int start, int end) {
        return VerifyPlateRequest.newBuilder().setPlate(plate).setSpot(spot).setLocalDate(date(day))
                .setLocalStartTime(time(start / 60, start % 60)).setLocalEndTime(time(end / 60, end % 60));
    }

    @Test
    void verifyReportsSpotAndPlateConflictsWithoutOtherUsersData() {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 2);
        Drivers.Driver owner = Drivers.signUp(t);
        String car = owner.newCar();
        String plate = owner.cars().getCar(GetCarRequest.newBuilder().setName(car).build()).getNormalizedPlate();
        LocalDate day = t.clock.instant().atZone(SEOUL).toLocalDate().plusDays(2);
        Reservation held = owner.reservations().createReservation(booking(car, lot.spot(0), day, 600, 720).build());

        // The owner asks about its own plate at the other spot: a CAR conflict naming its reservation.
        String spaced = plate.substring(0, 2) + " " + plate.substring(2, 3) + " " + plate.substring(3);
        VerifyPlateResponse own = plates(owner).verifyPlate(verify(spaced, lot.spot(1), day, 660, 690).build());
        assertThat(own.getConflict()).isTrue();
        assertThat(own.getNormalizedPlate()).isEqualTo(plate);
        assertThat(own.getConflictsList()).hasSize(1);
        assertThat(own.getConflicts(0).getScope()).isEqualTo(ConflictScope.CONFLICT_SCOPE_CAR);
        assertThat(own.getConflicts(0).getReservation()).isEqualTo(held.getName());
        assertThat(own.getStartTime()).isEqualTo(ProtoTime.timestamp(day.atTime(11, 0).atZone(SEOUL).toInstant()));

        // Someone else: another plate at the booked spot → a SPOT conflict, reservation hidden.
        Drivers.Driver other = Drivers.signUp(t);
        VerifyPlateResponse spot = plates(other).verifyPlate(verify("99가9999", lot.spot(0), day, 690, 750).build());
        assertThat(spot.getConflict()).isTrue();
        assertThat(spot.getConflicts(0).getScope()).isEqualTo(ConflictScope.CONFLICT_SCOPE_SPOT);
        assertThat(spot.getConflicts(0).getReservation()).isEmpty();
        assertThat(spot.getConflicts(0).getStartTime()).isEqualTo(held.getStartTime());
        // Free: another spot and plate, or a touching window; a duration works like an end time.
        assertThat(plates(other).verifyPlate(verify("99가9999", lot.spot(1), day, 600, 720).build()).getConflict()).isFalse();
        assertThat(plates(other).verifyPlate(verify("99가9999", lot.spot(0), day, 720, 780).build()).getConflict()).isFalse();
        assertThat(plates(other).verifyPlate(verify("99가9999", lot.spot(0), day, 540, 0).clearLocalEndTime()
                .setDurationMinutes(60).build()).getConflict()).isFalse();
        // A cancelled reservation no longer conflicts.
        owner.reservations().cancelReservation(CancelReservationRequest.newBuilder().setName(held.getName()).build());
        assertThat(plates(other).verifyPlate(verify(plate, lot.spot(0), day, 600, 720).build()).getConflict()).isFalse();

        PlateServiceGrpc.PlateServiceBlockingStub p = plates(other);
        assertInvalid(() -> p.verifyPlate(verify("", lot.spot(0), day, 600, 660).build()), "plate");
        assertInvalid(() -> p.verifyPlate(verify("ABC123", lot.spot(0), day, 600, 660).build()), "plate");
        assertInvalid(() -> p.verifyPlate(verify("12가3456", lot.name(), day, 600, 660).build()), "spot");
        assertInvalid(() -> p.verifyPlate(verify("12가3456", lot.spot(0), day, 610, 660).build()), "local_start_time");
        assertInvalid(() -> p.verifyPlate(verify("12가3456", lot.spot(0), day, 660, 600).build()), "local_end_time");
        assertInvalid(() -> p.verifyPlate(verify("12가3456", lot.spot(0), day, 600, 660).clearLocalDate().build()), "local_date");
        assertFails(() -> p.verifyPlate(verify("12가3456", lot.name() + "/spots/" + java.util.UUID.randomUUID(), day, 600, 660)
                .build()), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertFails(() -> anonymous.verifyPlate(verify("12가3456", lot.spot(0), day, 600, 660).build()),
                Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        assertFails(() -> service("camera-1", CAMERA_SECRET).verifyPlate(verify("12가3456", lot.spot(0), day, 600, 660).build()),
                Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
    }

    @Test
    void matchFindsTheActiveReservationAndRecordsTheArrivalOnce() {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 1);
        Drivers.Driver owner = Drivers.signUp(t);
        String car = owner.newCar();
        String plate = owner.cars().getCar(GetCarRequest.newBuilder().setName(car).build()).getNormalizedPlate();
        LocalDate day = t.clock.instant().atZone(SEOUL).toLocalDate().plusDays(1);
        Reservation booked = owner.reservations().createReservation(booking(car, lot.spot(0), day, 600, 720).build());
        PlateServiceGrpc.PlateServiceBlockingStub camera = service("camera-1", CAMERA_SECRET);
        Instant inside = day.atTime(10, 15).atZone(SEOUL).toInstant();

        // Before the window: no match (time defaults to now).
        MatchPlateResponse early = camera.matchPlate(MatchPlateRequest.newBuilder().setPlate(plate).build());
        assertThat(early.getMatched()).isFalse();
        assertThat(early.getNormalizedPlate()).isEqualTo(plate);

        t.clock.advance(Duration.between(t.clock.instant(), inside));
        PlateServiceGrpc.PlateServiceBlockingStub cameraNow = service("camera-1", CAMERA_SECRET);
        MatchPlateResponse checked = cameraNow.matchPlate(MatchPlateRequest.newBuilder().setPlate(plate).setValidateOnly(true)
                .setParkingLot(lot.name()).build());
        assertThat(checked.getMatched()).isTrue();
        assertThat(checked.getArrivalRecorded()).isFalse();
        assertThat(checked.getReservation().getName()).isEqualTo(booked.getName());
        assertThat(checked.getReservation().hasArrivalTime()).isFalse();

        // At another lot's camera: no match.
        TestLot elsewhere = ParkingFixtures.seoulLot(t.database, 1);
        assertThat(cameraNow.matchPlate(MatchPlateRequest.newBuilder().setPlate(plate).setParkingLot(elsewhere.name()).build())
                .getMatched()).isFalse();

        String spaced = plate.substring(0, 2) + "-" + plate.substring(2, 3) + "-" + plate.substring(3);
        MatchPlateResponse arrived = cameraNow.matchPlate(MatchPlateRequest.newBuilder().setPlate(spaced)
                .setTime(ProtoTime.timestamp(inside)).setParkingLot(lot.name()).build());
        assertThat(arrived.getMatched()).isTrue();
        assertThat(arrived.getArrivalRecorded()).isTrue();
        assertThat(arrived.getReservation().getArrivalTime()).isEqualTo(ProtoTime.timestamp(inside));
        assertThat(arrived.getReservation().getStatus()).isEqualTo(ReservationStatus.RESERVATION_STATUS_IN_PROGRESS);
        // Seen again: still matched, the first arrival stays.
        MatchPlateResponse again = cameraNow.matchPlate(MatchPlateRequest.newBuilder().setPlate(plate)
                .setTime(ProtoTime.timestamp(inside.plusSeconds(60))).build());
        assertThat(again.getMatched()).isTrue();
        assertThat(again.getArrivalRecorded()).isFalse();
        assertThat(again.getReservation().getArrivalTime()).isEqualTo(ProtoTime.timestamp(inside));
        Drivers.Driver later = Drivers.signIn(t, owner);
        assertThat(later.reservations().getReservation(GetReservationRequest.newBuilder().setName(booked.getName()).build())
                .getStatus()).isEqualTo(ReservationStatus.RESERVATION_STATUS_IN_PROGRESS);

        assertInvalid(() -> cameraNow.matchPlate(MatchPlateRequest.newBuilder().setPlate("nope").build()), "plate");
        assertInvalid(() -> cameraNow.matchPlate(MatchPlateRequest.newBuilder().build()), "plate");
        assertInvalid(() -> cameraNow.matchPlate(MatchPlateRequest.newBuilder().setPlate(plate)
                .setTime(ProtoTime.timestamp(t.clock.instant().plus(Duration.ofMinutes(10)))).build()), "time");
        assertInvalid(() -> cameraNow.matchPlate(MatchPlateRequest.newBuilder().setPlate(plate).setParkingLot("lots/x").build()),
                "parking_lot");
        // Roles: a driver, or a service client without plate.match, may not match.
        assertFails(() -> plates(Drivers.signUp(t)).matchPlate(MatchPlateRequest.newBuilder().setPlate(plate).build()),
                Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        assertFails(() -> service("reader-1", READER_SECRET).matchPlate(MatchPlateRequest.newBuilder().setPlate(plate).build()),
                Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        assertFails(() -> anonymous.matchPlate(MatchPlateRequest.newBuilder().setPlate(plate).build()),
                Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        PlateServiceGrpc.PlateServiceBlockingStub admin = withToken(anonymous, t.signIn("admin", ADMIN_PASSWORD).getAccessToken());
        assertThat(admin.matchPlate(MatchPlateRequest.newBuilder().setPlate(plate).setValidateOnly(true)
                .setTime(ProtoTime.timestamp(inside)).build()).getMatched()).isTrue();

        // From the end of the window on: no match.
        Instant end = day.atTime(12, 0).atZone(SEOUL).toInstant();
        t.clock.advance(Duration.between(t.clock.instant(), end));
        assertThat(service("camera-1", CAMERA_SECRET).matchPlate(MatchPlateRequest.newBuilder().setPlate(plate).build())
                .getMatched()).isFalse();
    }
}
