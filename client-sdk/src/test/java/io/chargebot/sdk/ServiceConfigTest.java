package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which methods the channel retries: unary reads only, across every service the SDK knows. */
class ServiceConfigTest {

    @Test
    void retriesUnaryReadsOfEveryServiceAndNoWrites() {
        List<String> retried = retriedMethods(ServiceConfig.forServices(ServiceConfig.SERVICES));

        assertThat(retried).contains(
                "chargebot.parking.v1.ParkingService/ListParkingLots",
                "chargebot.parking.v1.ParkingService/GetParkingLot",
                "chargebot.reservation.v1.ReservationService/GetAvailability",
                "chargebot.car.v1.CarService/ListCars");
        assertThat(retried).allSatisfy(name -> assertThat(name).matches(".*/(Get|List)[A-Za-z]+"));
        assertThat(retried).doesNotContain(
                "chargebot.parking.v1.ParkingService/CreateSpot",
                "chargebot.reservation.v1.ReservationService/CreateReservation",
                "chargebot.auth.v1.AuthService/SignIn");
    }

    @Test
    void noReadsMeansNoRetryPolicy() {
        assertThat(ServiceConfig.forServices(new ArrayList<>())).isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static List<String> retriedMethods(Map<String, Object> config) {
        List<String> names = new ArrayList<>();
        for (Object methodConfig : (List<Object>) config.get("methodConfig")) {
            Map<String, Object> mc = (Map<String, Object>) methodConfig;
            assertThat((Map<String, Object>) mc.get("retryPolicy"))
                    .containsEntry("maxAttempts", 3.0)
                    .containsEntry("retryableStatusCodes", List.of("UNAVAILABLE"));
            for (Object name : (List<Object>) mc.get("name")) {
                Map<String, Object> n = (Map<String, Object>) name;
                names.add(n.get("service") + "/" + n.get("method"));
            }
        }
        return names;
    }
}
