package io.chargebot.server.reservation;

import static io.chargebot.server.auth.AuthTestClient.fields;
import static io.chargebot.server.reservation.Drivers.booking;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.server.testing.ParkingFixtures;
import io.chargebot.server.testing.ParkingFixtures.TestLot;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bookings read a lot's time zone, hours and spots from memory; whoever changes them in the database
 * (here: plain SQL, as a script would) is seen by the next bookings once the trigger's notification
 * arrives, never later.
 */
class LotFactsCacheTest {

    private static AuthTestClient t;
    private static LotFactsCache cache;

    @BeforeAll
    static void start() {
        t = new AuthTestClient(new HashMap<>(AuthTestClient.relaxedLimits()));
        cache = t.server.context().getBean(LotFactsCache.class);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void changesMadeStraightInTheDatabaseReachTheBookingsThatFollow() {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 2);
        Drivers.Driver driver = Drivers.signUp(t);
        LocalDate day = t.clock.instant().atZone(ZoneId.of("Asia/Seoul")).toLocalDate().plusDays(2);
        driver.reservations().createReservation(booking(driver.newCar(), lot.spot(0), day, 10 * 60, 11 * 60).build());
        awaitUntil(() -> cache.spot(lot.id(), lot.spots().get(0)).isPresent() && cache.isCached(lot.id()));

        // Opening hours shortened to 09:00-10:00 by SQL: an 11:00 booking is now outside them.
        ParkingFixtures.execute(t.database, "UPDATE parking_lot_hours SET close_minute = 600 WHERE lot_id = '" + lot.id() + "'");
        awaitUntil(() -> !cache.isCached(lot.id()));
        assertThatThrownBy(() -> driver.reservations().createReservation(
                booking(driver.newCar(), lot.spot(0), day, 11 * 60, 12 * 60).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(fields(e)).contains("local_end_time");
                });

        // The second spot taken out of service by SQL.
        driver.reservations().createReservation(booking(driver.newCar(), lot.spot(1), day, 9 * 60, 10 * 60).build());
        awaitUntil(() -> cache.spot(lot.id(), lot.spots().get(0)).isPresent() && cache.isCached(lot.id()));
        ParkingFixtures.execute(t.database, "UPDATE spots SET enabled = false WHERE id = '" + lot.spots().get(1) + "'");
        awaitUntil(() -> !cache.isCached(lot.id()));
        LocalDate nextDay = day.plusDays(1);
        assertThatThrownBy(() -> driver.reservations().createReservation(
                booking(driver.newCar(), lot.spot(1), nextDay, 9 * 60, 10 * 60).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(fields(e)).containsExactly("spot");
                });
    }

    private static void awaitUntil(BooleanSupplier condition) {
        long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition reached within 30 s").isLessThan(giveUp);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
