package io.chargebot.server.reservation;

import static io.chargebot.server.auth.AuthTestClient.assertInvalid;
import static io.chargebot.server.reservation.Drivers.booking;
import static io.chargebot.server.reservation.Drivers.date;
import static io.chargebot.server.reservation.Drivers.time;
import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.reservation.v1.Availability;
import io.chargebot.reservation.v1.AvailabilitySlot;
import io.chargebot.reservation.v1.CreateReservationRequest;
import io.chargebot.reservation.v1.GetAvailabilityRequest;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.testing.ParkingFixtures;
import io.chargebot.server.testing.ParkingFixtures.TestLot;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A lot in America/New_York, open around the clock, across both daylight-saving changes of 2027
 * (clocks jump 02:00 → 03:00 on 14 March and fall back 02:00 → 01:00 on 7 November). The server's
 * clock is moved to a few days before each change, since bookings reach at most 30 days ahead.
 */
class ReservationTimeZoneTest {

    private static final java.time.ZoneId NEW_YORK = java.time.ZoneId.of("America/New_York");
    private static AuthTestClient t;

    @BeforeAll
    static void start() {
        t = new AuthTestClient(AuthTestClient.relaxedLimits());
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static Drivers.Driver driverAt(Instant now) {
        t.clock.advance(Duration.between(t.clock.instant(), now));
        return Drivers.signUp(t);
    }

    @Test
    void springForwardSkipsTheMissingHourAndFallBackTakesTheEarlierOffset() {
        TestLot lot = ParkingFixtures.lot(t.database, "America/New_York", 1, 0, 1440);

        // --- spring forward, 2027-03-14 ---
        Drivers.Driver driver = driverAt(Instant.parse("2027-03-10T12:00:00Z"));
        String car = driver.newCar();
        LocalDate spring = LocalDate.of(2027, 3, 14);
        // 02:00 and 02:30 do not exist that night.
        assertInvalid(() -> driver.reservations().createReservation(booking(car, lot.spot(0), spring, 120, 180).build()),
                "local_start_time");
        assertInvalid(() -> driver.reservations().createReservation(booking(car, lot.spot(0), spring, 60, 150).build()),
                "local_end_time");
        // 01:30–03:30 on the wall clock is one real hour: 06:30Z–07:30Z.
        Reservation acrossGap = driver.reservations().createReservation(booking(car, lot.spot(0), spring, 90, 210).build());
        assertThat(ProtoTime.instant(acrossGap.getStartTime())).isEqualTo(Instant.parse("2027-03-14T06:30:00Z"));
        assertThat(ProtoTime.instant(acrossGap.getEndTime())).isEqualTo(Instant.parse("2027-03-14T07:30:00Z"));
        assertThat(acrossGap.getLocalStartTime()).isEqualTo(time(1, 30));
        assertThat(acrossGap.getLocalEndTime()).isEqualTo(time(3, 30));
        assertThat(acrossGap.getTimeZone()).isEqualTo("America/New_York");
        // Availability has 46 slots that day (the two in the gap do not exist); the booked hour shows as taken.
        Availability springDay = driver.reservations().getAvailability(GetAvailabilityRequest.newBuilder()
                .setParkingLot(lot.name()).setLocalDate(date(spring)).build());
        assertThat(springDay.getSlotsCount()).isEqualTo(46);
        assertThat(springDay.getSlotsList()).noneMatch(s -> s.getLocalStartTime().getHours() == 2);
        assertThat(springDay.getSlotsList()).filteredOn(s -> s.getFreeSpotCount() == 0)
                .extracting(s -> s.getLocalStartTime().getHours() * 60 + s.getLocalStartTime().getMinutes())
                .containsExactly(90, 180);
        // A booking the next day at the same wall-clock time is 4 hours from UTC, not 5.
        Reservation after = driver.reservations().createReservation(booking(car, lot.spot(0), spring.plusDays(1), 600, 660).build());
        assertThat(ProtoTime.instant(after.getStartTime())).isEqualTo(Instant.parse("2027-03-15T14:00:00Z"));

        // --- fall back, 2027-11-07 ---
        Drivers.Driver later = driverAt(Instant.parse("2027-11-03T12:00:00Z"));
        String car2 = later.newCar();
        LocalDate autumn = LocalDate.of(2027, 11, 7);
        // 01:00–01:30 happens twice; the earlier (EDT, UTC-4) one is meant.
        Reservation ambiguous = later.reservations().createReservation(booking(car2, lot.spot(0), autumn, 60, 90).build());
        assertThat(ProtoTime.instant(ambiguous.getStartTime())).isEqualTo(Instant.parse("2027-11-07T05:00:00Z"));
        assertThat(ProtoTime.instant(ambiguous.getEndTime())).isEqualTo(Instant.parse("2027-11-07T05:30:00Z"));
        // 00:30–03:00 on the wall clock is three and a half real hours.
        Reservation longNight = later.reservations().createReservation(CreateReservationRequest.newBuilder()
                .setCar(later.newCar()).setSpot(lot.spot(0)).setLocalDate(date(autumn.plusDays(1))).setLocalStartTime(time(0, 30))
                .setDurationMinutes(150).build());
        assertThat(Duration.between(ProtoTime.instant(longNight.getStartTime()), ProtoTime.instant(longNight.getEndTime())))
                .isEqualTo(Duration.ofMinutes(150));
        Availability autumnDay = later.reservations().getAvailability(GetAvailabilityRequest.newBuilder()
                .setParkingLot(lot.name()).setLocalDate(date(autumn)).build());
        assertThat(autumnDay.getSlotsCount()).isEqualTo(48);
        AvailabilitySlot oneAm = autumnDay.getSlotsList().stream().filter(s -> s.getLocalStartTime().getHours() == 1
                && s.getLocalStartTime().getMinutes() == 0).findFirst().orElseThrow();
        assertThat(oneAm.getFreeSpotCount()).isZero();
        assertThat(ProtoTime.instant(oneAm.getStartTime())).isEqualTo(Instant.parse("2027-11-07T05:00:00Z"));
    }
}
