package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.Spot;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SDK against the real ChargeBot platform: the executable jar of the {@code platform} module,
 * started as a process with its embedded PostgreSQL (or {@code DATABASE_URL}) and demo data.
 */
class PlatformEndToEndTest {

    private static final double CITY_HALL_LAT = 37.5665;
    private static final double CITY_HALL_LNG = 126.9780;
    private static final int RADIUS_METERS = 20_000;

    private static PlatformProcess platform;
    private static ChargeBotClient client;

    @BeforeAll
    static void startPlatform() throws Exception {
        platform = PlatformProcess.start();
        client = platform.clientBuilder("PlatformEndToEndTest").build();
    }

    @AfterAll
    static void stopPlatform() {
        if (client != null) {
            client.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void listsLotsAroundSeoulCityHallNearestFirst() {
        Page<ParkingLot> page = client.parking().listNearby(CITY_HALL_LAT, CITY_HALL_LNG, RADIUS_METERS, 10);

        assertThat(page.items()).isNotEmpty();
        List<Double> distances = new ArrayList<>();
        for (ParkingLot lot : page.items()) {
            assertThat(lot.getName()).startsWith("parkingLots/");
            assertThat(lot.getDisplayName()).isNotEmpty();
            distances.add(lot.getDistanceMeters());
        }
        assertThat(distances).isSorted().allSatisfy(d -> assertThat(d).isBetween(0.0, (double) RADIUS_METERS));
    }

    @Test
    void pagingThroughAllPagesYieldsEveryLotOnce() {
        List<String> paged = new ArrayList<>();
        List<Double> distances = new ArrayList<>();
        Page<ParkingLot> page = client.parking().listNearby(CITY_HALL_LAT, CITY_HALL_LNG, RADIUS_METERS, 5);
        int pages = 1;
        for (ParkingLot lot : page.iterateAll()) {
            paged.add(lot.getName());
            distances.add(lot.getDistanceMeters());
        }
        while (page.hasNext()) {
            page = page.next();
            pages++;
        }

        assertThat(pages).as("a few dozen demo lots make several pages of 5").isGreaterThan(1);
        assertThat(paged).doesNotHaveDuplicates();
        assertThat(distances).isSorted();
        Set<String> onePage = new HashSet<>();
        for (ParkingLot lot : client.parking().listNearby(CITY_HALL_LAT, CITY_HALL_LNG, RADIUS_METERS, 100).items()) {
            onePage.add(lot.getName());
        }
        assertThat(paged).containsExactlyInAnyOrderElementsOf(onePage);
    }

    @Test
    void getsTheNearestLotWithItsSpots() {
        ParkingLot nearest = client.parking().listNearby(CITY_HALL_LAT, CITY_HALL_LNG, RADIUS_METERS, 1).items().get(0);

        ParkingLot lot = client.parking().getParkingLot(nearest.getName());

        assertThat(lot.getName()).isEqualTo(nearest.getName());
        assertThat(lot.getDisplayName()).isEqualTo(nearest.getDisplayName());
        assertThat(lot.getSpotsList()).isNotEmpty();
        for (Spot spot : lot.getSpotsList()) {
            assertThat(spot.getName()).startsWith(lot.getName() + "/spots/");
            assertThat(spot.getCode()).isNotEmpty();
        }
    }

    @Test
    void anInvalidLatitudeIsReportedOnItsField() {
        InvalidArgumentException e = catchThrowableOfType(InvalidArgumentException.class,
                () -> client.parking().listNearby(91, CITY_HALL_LNG, 1_000, 10));

        assertThat(e).as("INVALID_ARGUMENT for latitude 91").isNotNull();
        assertThat(e.reason()).isEqualTo(ErrorReason.VALIDATION_FAILED);
        assertThat(e.domain()).isEqualTo("chargebot.io");
        assertThat(e.fieldViolations()).extracting(FieldViolation::field).contains("location.latitude");
    }

    @Test
    void anUnknownLotIsNotFound() {
        NotFoundException e = catchThrowableOfType(NotFoundException.class,
                () -> client.parking().getParkingLot("parkingLots/00000000-0000-4000-8000-000000000000"));

        assertThat(e).as("NOT_FOUND for a lot that does not exist").isNotNull();
        assertThat(e.reason()).isEqualTo(ErrorReason.RESOURCE_NOT_FOUND);
    }
}
