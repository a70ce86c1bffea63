package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.fail;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.Spot;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private static final long STARTUP_TIMEOUT_SECONDS = 120;
    private static final Pattern READY =
            Pattern.compile("^CHARGEBOT READY grpc=(\\S+) gateway=(\\S+)");
    private static final int MAX_OUTPUT_CHARS = 200_000;

    private static Process platform;
    private static final StringBuffer output = new StringBuffer();
    private static ChargeBotClient client;

    @BeforeAll
    static void startPlatform() throws Exception {
        String jarProperty = System.getProperty("chargebot.platform.jar");
        if (jarProperty == null) {
            fail("System property chargebot.platform.jar is not set (the surefire configuration of client-sdk sets it)");
        }
        Path jar = Paths.get(jarProperty).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            fail("The platform jar " + jar + " does not exist: build it first, "
                    + "e.g. ./mvnw -pl client-sdk -am install (the reactor builds platform before client-sdk)");
        }
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        // The environment (e.g. DATABASE_URL) passes through to the platform.
        platform = new ProcessBuilder(java, "-jar", jar.toString(), "--grpc-port=0", "--gateway-port=0")
                .redirectErrorStream(true)
                .start();

        CompletableFuture<String> grpcAddress = new CompletableFuture<>();
        Thread reader = new Thread(() -> readOutput(grpcAddress), "platform-output");
        reader.setDaemon(true);
        reader.start();

        String address;
        try {
            address = grpcAddress.get(STARTUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("The platform printed no READY line within " + STARTUP_TIMEOUT_SECONDS
                    + " s. Its output:\n" + output);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause().getMessage() + " Its output:\n" + output);
        }
        client = ChargeBotClient.builder()
                .target(address)
                .usePlaintext()
                .userAgent("PlatformEndToEndTest")
                .build();
    }

    private static void readOutput(CompletableFuture<String> grpcAddress) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(platform.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (output.length() < MAX_OUTPUT_CHARS) {
                    output.append(line).append('\n');
                }
                Matcher ready = READY.matcher(line);
                if (ready.find()) {
                    grpcAddress.complete(ready.group(1));
                }
            }
        } catch (IOException e) {
            // The process went away; reported below.
        }
        try {
            grpcAddress.completeExceptionally(new IllegalStateException(
                    "The platform exited with code " + platform.waitFor() + " before it was ready."));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterAll
    static void stopPlatform() throws InterruptedException {
        if (client != null) {
            client.close();
        }
        if (platform == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>();
        platform.toHandle().descendants().forEach(tree::add);
        platform.destroy();
        tree.forEach(ProcessHandle::destroy);
        if (!platform.waitFor(20, TimeUnit.SECONDS)) {
            platform.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        // e.g. the embedded PostgreSQL, if it outlived its parent.
        for (ProcessHandle child : tree) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
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
