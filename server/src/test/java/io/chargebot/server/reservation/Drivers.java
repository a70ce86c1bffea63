package io.chargebot.server.reservation;

import static io.chargebot.server.auth.AuthTestClient.withToken;

import com.google.type.Date;
import com.google.type.TimeOfDay;
import io.chargebot.auth.v1.AuthTokens;
import io.chargebot.car.v1.Car;
import io.chargebot.car.v1.CarServiceGrpc;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.car.v1.CreateCarRequest;
import io.chargebot.reservation.v1.CreateReservationRequest;
import io.chargebot.reservation.v1.ReservationServiceGrpc;
import io.chargebot.server.auth.AuthTestClient;
import java.time.LocalDate;
import java.util.concurrent.atomic.AtomicInteger;

/** Signed-up drivers with cars, and request builders, for reservation tests. */
final class Drivers {

    static final String PASSWORD = "the right passphrase";
    private static final AtomicInteger USERS = new AtomicInteger();
    private static final AtomicInteger PLATES = new AtomicInteger(1000);

    private Drivers() {}

    /** A signed-up driver: its reservation and car stubs. */
    record Driver(String loginId, AuthTokens tokens, ReservationServiceGrpc.ReservationServiceBlockingStub reservations,
                  CarServiceGrpc.CarServiceBlockingStub cars) {

        String newCar() {
            return cars.createCar(CreateCarRequest.newBuilder().setCar(Car.newBuilder()
                    .setPlate(Drivers.nextPlate()).setConnectorType(ConnectorType.CONNECTOR_TYPE_DC_COMBO1)).build()).getName();
        }
    }

    static Driver signUp(AuthTestClient t) {
        String loginId = "driver-" + USERS.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xffff);
        return as(t, loginId, t.signUp(loginId, PASSWORD));
    }

    /** The driver signed in again (after the test clock moved past its access token's expiry). */
    static Driver signIn(AuthTestClient t, Driver driver) {
        return as(t, driver.loginId(), t.signIn(driver.loginId(), PASSWORD));
    }

    private static Driver as(AuthTestClient t, String loginId, AuthTokens tokens) {
        return new Driver(loginId, tokens, withToken(ReservationServiceGrpc.newBlockingStub(t.channel), tokens.getAccessToken()),
                withToken(CarServiceGrpc.newBlockingStub(t.channel), tokens.getAccessToken()));
    }

    static synchronized String nextPlate() {
        int n = PLATES.incrementAndGet();
        return (10 + n / 10_000 % 90) + "가" + String.format("%04d", n % 10_000);
    }

    static Date date(LocalDate date) {
        return Date.newBuilder().setYear(date.getYear()).setMonth(date.getMonthValue()).setDay(date.getDayOfMonth()).build();
    }

    static TimeOfDay time(int hours, int minutes) {
        return TimeOfDay.newBuilder().setHours(hours).setMinutes(minutes).build();
    }

    /** A request for {@code car} at {@code spot} on {@code date} from minute {@code start} to {@code end} after midnight. */
    static CreateReservationRequest.Builder booking(String car, String spot, LocalDate date, int start, int end) {
        return CreateReservationRequest.newBuilder().setCar(car).setSpot(spot).setLocalDate(date(date))
                .setLocalStartTime(time(start / 60, start % 60)).setLocalEndTime(time(end / 60, end % 60));
    }
}
