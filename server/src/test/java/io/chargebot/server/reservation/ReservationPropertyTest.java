package io.chargebot.server.reservation;

import static io.chargebot.server.auth.AuthTestClient.reason;
import static io.chargebot.server.reservation.Drivers.booking;
import static io.chargebot.server.reservation.Drivers.date;
import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.reservation.v1.Availability;
import io.chargebot.reservation.v1.AvailabilitySlot;
import io.chargebot.reservation.v1.CancelReservationRequest;
import io.chargebot.reservation.v1.GetAvailabilityRequest;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.server.testing.ParkingFixtures;
import io.chargebot.server.testing.ParkingFixtures.TestLot;
import io.grpc.StatusRuntimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random create/cancel sequences against a model: the server accepts a booking exactly when the
 * model finds no overlap on the spot or the car, never leaves overlapping active reservations, and
 * its availability always equals the model's free spots per slot.
 */
class ReservationPropertyTest {

    private static final int SPOTS = 3;
    private static final int CARS = 4;
    private static final int OPEN = 9 * 60;
    private static final int CLOSE = 13 * 60;
    private static AuthTestClient t;
    private static Drivers.Driver driver;

    @BeforeAll
    static void start() {
        t = new AuthTestClient(AuthTestClient.relaxedLimits());
        driver = Drivers.signUp(t);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    /** A booking in the model: spot and car indexes, minutes after local midnight, the server's name. */
    private record Booking(int spot, int car, int start, int end, String name) {
        boolean overlaps(int otherStart, int otherEnd) {
            return start < otherEnd && otherStart < end;
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 20261123})
    void serverAgreesWithTheModel(long seed) {
        Random random = new Random(seed);
        TestLot lot = ParkingFixtures.lot(t.database, "Asia/Seoul", SPOTS, OPEN, CLOSE);
        List<String> cars = new ArrayList<>();
        for (int i = 0; i < CARS; i++) {
            cars.add(driver.newCar());
        }
        LocalDate day = t.clock.instant().atZone(ZoneId.of("Asia/Seoul")).toLocalDate().plusDays(1 + (int) (seed % 20));
        List<Booking> active = new ArrayList<>();
        int accepted = 0;
        int refused = 0;
        for (int step = 0; step < 120; step++) {
            if (!active.isEmpty() && random.nextInt(4) == 0) {
                Booking cancelled = active.remove(random.nextInt(active.size()));
                driver.reservations().cancelReservation(CancelReservationRequest.newBuilder().setName(cancelled.name()).build());
            } else {
                int spot = random.nextInt(SPOTS);
                int car = random.nextInt(CARS);
                int start = OPEN + 30 * random.nextInt((CLOSE - OPEN) / 30);
                int end = Math.min(CLOSE, start + 30 * (1 + random.nextInt(4)));
                boolean expected = active.stream().noneMatch(b -> (b.spot() == spot || b.car() == car) && b.overlaps(start, end));
                try {
                    Reservation r = driver.reservations().createReservation(booking(cars.get(car), lot.spot(spot), day, start, end).build());
                    assertThat(expected).as("seed %d step %d: server booked what the model says overlaps", seed, step).isTrue();
                    active.add(new Booking(spot, car, start, end, r.getName()));
                    accepted++;
                } catch (StatusRuntimeException e) {
                    assertThat(reason(e)).as(e.toString()).isEqualTo("RESERVATION_CONFLICT");
                    assertThat(expected).as("seed %d step %d: server refused a free window", seed, step).isFalse();
                    refused++;
                }
            }
            if (step % 10 == 9) {
                assertAvailabilityMatches(lot, day, active, seed, step);
            }
        }
        assertAvailabilityMatches(lot, day, active, seed, -1);
        assertThat(accepted).as("bookings accepted").isGreaterThan(10);
        assertThat(refused).as("bookings refused").isGreaterThan(10);
        assertThat(t.queryInt("SELECT count(*) FROM reservations a JOIN reservations b ON a.id < b.id "
                + "AND (a.spot_id = b.spot_id OR a.car_id = b.car_id) AND a.period && b.period "
                + "WHERE a.status IN ('CONFIRMED', 'IN_PROGRESS') AND b.status IN ('CONFIRMED', 'IN_PROGRESS')")).isZero();
    }

    private static void assertAvailabilityMatches(TestLot lot, LocalDate day, List<Booking> active, long seed, int step) {
        Availability availability = driver.reservations().getAvailability(GetAvailabilityRequest.newBuilder()
                .setParkingLot(lot.name()).setLocalDate(date(day)).build());
        assertThat(availability.getSlotsCount()).isEqualTo((CLOSE - OPEN) / 30);
        for (AvailabilitySlot slot : availability.getSlotsList()) {
            int start = slot.getLocalStartTime().getHours() * 60 + slot.getLocalStartTime().getMinutes();
            TreeSet<String> expected = new TreeSet<>();
            for (int spot = 0; spot < SPOTS; spot++) {
                int s = spot;
                if (active.stream().noneMatch(b -> b.spot() == s && b.overlaps(start, start + 30))) {
                    expected.add(lot.spot(spot));
                }
            }
            assertThat(new TreeSet<>(slot.getFreeSpotsList())).as("seed %d step %d slot %d", seed, step, start)
                    .isEqualTo(expected);
            assertThat(slot.getFreeSpotCount()).isEqualTo(expected.size());
        }
    }
}
