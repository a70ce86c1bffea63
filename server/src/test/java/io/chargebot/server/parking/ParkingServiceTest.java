package io.chargebot.server.parking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.type.LatLng;
import io.chargebot.parking.v1.GetParkingLotRequest;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.db.DatabaseSettings;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.server.testing.TestServers;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ParkingService over real gRPC against PostgreSQL, checked against a haversine reference. */
class ParkingServiceTest {

    private static final double ORIGIN_LAT = 37.5665;
    private static final double ORIGIN_LNG = 126.9780;

    private static ChargeBotServer server;
    private static DatabaseSettings database;
    private static ManagedChannel channel;
    private static ParkingServiceGrpc.ParkingServiceBlockingStub stub;
    /** Every lot inserted: id -> {latitude, longitude}; a few are closed. */
    private static final Map<UUID, double[]> openLots = new HashMap<>();
    private static UUID lotWithSpots;

    @BeforeAll
    static void start() throws Exception {
        database = TestDatabases.create();
        server = TestServers.start(database, Map.of());
        channel = TestServers.channel(server);
        stub = ParkingServiceGrpc.newBlockingStub(channel);
        Random random = new Random(42);
        try (Connection c = TestDatabases.connect(database);
             PreparedStatement lot = c.prepareStatement(
                     "INSERT INTO parking_lots (id, display_name, latitude, longitude, open) VALUES (?, ?, ?, ?, ?)")) {
            for (int i = 0; i < 2000; i++) {
                UUID id = UUID.randomUUID();
                // Within ~30 km of the origin.
                double lat = ORIGIN_LAT + (random.nextDouble() - 0.5) * 0.54;
                double lng = ORIGIN_LNG + (random.nextDouble() - 0.5) * 0.68;
                boolean open = i % 10 != 0;
                lot.setObject(1, id);
                lot.setString(2, "Lot " + i);
                lot.setDouble(3, lat);
                lot.setDouble(4, lng);
                lot.setBoolean(5, open);
                lot.addBatch();
                if (open) {
                    openLots.put(id, new double[] {lat, lng});
                }
            }
            // Two lots at exactly the same place: ties are broken by id, never lost or repeated.
            for (int i = 0; i < 2; i++) {
                UUID id = UUID.randomUUID();
                lot.setObject(1, id);
                lot.setString(2, "Twin " + i);
                lot.setDouble(3, ORIGIN_LAT + 0.01);
                lot.setDouble(4, ORIGIN_LNG + 0.01);
                lot.setBoolean(5, true);
                lot.addBatch();
                openLots.put(id, new double[] {ORIGIN_LAT + 0.01, ORIGIN_LNG + 0.01});
            }
            lot.executeBatch();
            lotWithSpots = openLots.keySet().iterator().next();
            try (PreparedStatement spot = c.prepareStatement(
                    "INSERT INTO spots (lot_id, floor, code, x_meters, y_meters, enabled) VALUES (?, ?, ?, ?, ?, ?)");
                 PreparedStatement hours = c.prepareStatement(
                         "INSERT INTO parking_lot_hours (lot_id, day_of_week, open_minute, close_minute) VALUES (?, ?, 540, 1320)")) {
                String[][] spots = {{"B2", "B-01"}, {"B1", "A-02"}, {"B1", "A-01"}};
                for (String[] s : spots) {
                    spot.setObject(1, lotWithSpots);
                    spot.setString(2, s[0]);
                    spot.setString(3, s[1]);
                    spot.setDouble(4, 3.5);
                    spot.setDouble(5, 7.25);
                    spot.setBoolean(6, !s[1].equals("B-01"));
                    spot.addBatch();
                }
                spot.executeBatch();
                for (int day = 1; day <= 5; day++) {
                    hours.setObject(1, lotWithSpots);
                    hours.setInt(2, day);
                    hours.addBatch();
                }
                hours.executeBatch();
            }
        }
        awaitIndex();
    }

    /**
     * Lots written straight into the database reach the server's in-memory index by NOTIFY, a few
     * milliseconds later; searches wait for that, as a client of another replica would.
     */
    private static void awaitIndex() throws InterruptedException {
        assertThat(server.context().getBean(ParkingLotIndex.class).awaitCurrent(java.time.Duration.ofSeconds(30)))
                .as("the parking lot index caught up").isTrue();
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        server.close();
    }

    @Test
    void listsOpenLotsNearestFirstLikeHaversineAcrossAllPages() {
        int radius = 10_000;
        List<ParkingLot> all = listAll(ORIGIN_LAT, ORIGIN_LNG, radius, 37);

        List<UUID> expected = openLots.entrySet().stream()
                .filter(e -> haversine(ORIGIN_LAT, ORIGIN_LNG, e.getValue()[0], e.getValue()[1]) <= radius)
                .sorted(Comparator.comparingDouble((Map.Entry<UUID, double[]> e) ->
                        haversine(ORIGIN_LAT, ORIGIN_LNG, e.getValue()[0], e.getValue()[1])))
                .map(Map.Entry::getKey)
                .toList();
        List<UUID> actual = all.stream().map(l -> UUID.fromString(l.getName().substring("parkingLots/".length()))).toList();

        assertThat(expected).hasSizeGreaterThan(100);
        assertThat(actual).doesNotHaveDuplicates();
        assertThat(new HashSet<>(actual)).isEqualTo(new HashSet<>(expected));
        for (ParkingLot lot : all) {
            double[] position = openLots.get(UUID.fromString(lot.getName().substring(12)));
            assertThat(lot.getDistanceMeters())
                    .isCloseTo(haversine(ORIGIN_LAT, ORIGIN_LNG, position[0], position[1]), within(0.5));
        }
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i).getDistanceMeters()).isGreaterThanOrEqualTo(all.get(i - 1).getDistanceMeters());
        }
    }

    @Test
    void equallyDistantLotsArePagedCompletelyEvenWhenTheyOutnumberAPage() throws Exception {
        // 30 lots at one point far from the others: a tie group larger than a page.
        List<UUID> ids = new ArrayList<>();
        try (Connection c = TestDatabases.connect(database);
             PreparedStatement lot = c.prepareStatement(
                     "INSERT INTO parking_lots (id, display_name, latitude, longitude) VALUES (?, 'Tower', 35.1, 129.04)")) {
            for (int i = 0; i < 30; i++) {
                UUID id = UUID.randomUUID();
                ids.add(id);
                lot.setObject(1, id);
                lot.addBatch();
            }
            lot.executeBatch();
        }
        awaitIndex();
        List<ParkingLot> all = listAll(35.1005, 129.04, 1000, 7);
        assertThat(all).extracting(l -> UUID.fromString(l.getName().substring(12))).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void defaultsToTwentyLotsWithinFiveKilometres() {
        ListParkingLotsResponse response = stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                .setLocation(latLng(ORIGIN_LAT, ORIGIN_LNG)).build());
        assertThat(response.getParkingLotsList()).hasSize(20);
        assertThat(response.getNextPageToken()).isNotEmpty();
        assertThat(response.getOrigin()).isEqualTo(latLng(ORIGIN_LAT, ORIGIN_LNG));
        assertThat(response.getParkingLotsList()).allSatisfy(l -> assertThat(l.getDistanceMeters()).isLessThanOrEqualTo(5000));
        long within5km = openLots.values().stream()
                .filter(p -> haversine(ORIGIN_LAT, ORIGIN_LNG, p[0], p[1]) <= 5000).count();
        assertThat(listAll(ORIGIN_LAT, ORIGIN_LNG, 0, 0)).hasSize((int) within5km);
    }

    @Test
    void farFromAnyLotTheListIsEmptyWithoutToken() {
        ListParkingLotsResponse response = stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                .setLocation(latLng(-33.86, 151.2)).setRadiusMeters(50_000).build());
        assertThat(response.getParkingLotsList()).isEmpty();
        assertThat(response.getNextPageToken()).isEmpty();
    }

    @Test
    void getsALotWithItsSpotsAndHours() {
        ParkingLot lot = stub.getParkingLot(GetParkingLotRequest.newBuilder()
                .setName("parkingLots/" + lotWithSpots).build());
        assertThat(lot.getName()).isEqualTo("parkingLots/" + lotWithSpots);
        assertThat(lot.getTimeZone()).isEqualTo("Asia/Seoul");
        assertThat(lot.getSpotsList()).extracting(s -> s.getFloor() + "/" + s.getCode())
                .containsExactly("B1/A-01", "B1/A-02", "B2/B-01");
        assertThat(lot.getSpots(0).getName()).startsWith("parkingLots/" + lotWithSpots + "/spots/");
        assertThat(lot.getSpots(0).getXMeters()).isEqualTo(3.5);
        assertThat(lot.getFreeSpotCount()).isEqualTo(2);
        assertThat(lot.getBusinessHoursList()).hasSize(5);
        assertThat(lot.getBusinessHours(0).getOpenTime().getHours()).isEqualTo(9);
        assertThat(lot.getBusinessHours(0).getCloseTime().getHours()).isEqualTo(22);
    }

    @Test
    void unknownLotIsNotFound() {
        String name = "parkingLots/" + UUID.randomUUID();
        assertThatThrownBy(() -> stub.getParkingLot(GetParkingLotRequest.newBuilder().setName(name).build()))
                .satisfies(e -> {
                    assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(errorInfo(e).getReason()).isEqualTo("RESOURCE_NOT_FOUND");
                });
    }

    @Test
    void malformedLotNamesAreInvalidArguments() {
        for (String name : List.of("", "parkingLots/", "parkingLots/123", "lots/" + UUID.randomUUID(),
                "parkingLots/" + UUID.randomUUID() + "/spots/x", "x".repeat(10_000))) {
            assertInvalid(() -> stub.getParkingLot(GetParkingLotRequest.newBuilder().setName(name).build()), "name");
        }
    }

    @Test
    void badCoordinatesAreInvalidArgumentsNamingTheField() {
        assertInvalid(() -> stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                .setLocation(latLng(90.5, 127)).build()), "location.latitude");
        assertInvalid(() -> stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                .setLocation(latLng(37, -180.01)).build()), "location.longitude");
        assertInvalid(() -> stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                .setLocation(latLng(Double.NaN, 127)).build()), "location.latitude");
        assertInvalid(() -> stub.listParkingLots(ListParkingLotsRequest.newBuilder().build()), "origin");
    }

    @Test
    void allBadFieldsAreReportedAtOnce() {
        StatusRuntimeException e = (StatusRuntimeException) catchThrowable(() -> stub.listParkingLots(
                ListParkingLotsRequest.newBuilder().setLocation(latLng(-91, 181))
                        .setPageSize(-1).setRadiusMeters(50_001).build()));
        assertThat(badRequest(e).getFieldViolationsList()).extracting(BadRequest.FieldViolation::getField)
                .containsExactlyInAnyOrder("location.latitude", "location.longitude", "page_size", "radius_meters");
    }

    @Test
    void pageSizeAndRadiusLimits() {
        for (int size : List.of(-1, 101, Integer.MAX_VALUE, Integer.MIN_VALUE)) {
            assertInvalid(() -> stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                    .setLocation(latLng(ORIGIN_LAT, ORIGIN_LNG)).setPageSize(size).build()), "page_size");
        }
        for (int radius : List.of(-5, 50_001)) {
            assertInvalid(() -> stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                    .setLocation(latLng(ORIGIN_LAT, ORIGIN_LNG)).setRadiusMeters(radius).build()), "radius_meters");
        }
        assertThat(stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                .setLocation(latLng(ORIGIN_LAT, ORIGIN_LNG)).setPageSize(100).setRadiusMeters(50_000).build())
                .getParkingLotsCount()).isEqualTo(100);
    }

    @Test
    void forgedOrForeignPageTokensAreRefused() {
        ListParkingLotsRequest first = ListParkingLotsRequest.newBuilder()
                .setLocation(latLng(ORIGIN_LAT, ORIGIN_LNG)).setPageSize(5).build();
        String token = stub.listParkingLots(first).getNextPageToken();
        char[] chars = token.toCharArray();
        chars[10] = chars[10] == 'A' ? 'B' : 'A';
        for (String forged : List.of("garbage", "!!!", new String(chars), token + "A", "A".repeat(600))) {
            assertInvalid(() -> stub.listParkingLots(first.toBuilder().setPageToken(forged).build()), "page_token");
        }
        // A token is bound to its query: another origin or radius may not reuse it.
        assertInvalid(() -> stub.listParkingLots(first.toBuilder().setPageToken(token)
                .setLocation(latLng(ORIGIN_LAT + 0.1, ORIGIN_LNG)).build()), "page_token");
        assertInvalid(() -> stub.listParkingLots(first.toBuilder().setPageToken(token)
                .setRadiusMeters(7000).build()), "page_token");
        // ... but the page size may change between pages.
        assertThat(stub.listParkingLots(first.toBuilder().setPageToken(token).setPageSize(7).build())
                .getParkingLotsCount()).isEqualTo(7);
    }

    @Test
    void oversizedRequestsAreRefusedBeforeAnyWork() {
        String huge = "x".repeat(5 * 1024 * 1024);
        assertThatThrownBy(() -> stub.listParkingLots(ListParkingLotsRequest.newBuilder().setPlaceQuery(huge).build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    }

    private static List<ParkingLot> listAll(double lat, double lng, int radius, int pageSize) {
        List<ParkingLot> all = new ArrayList<>();
        String token = "";
        do {
            ListParkingLotsResponse page = stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                    .setLocation(latLng(lat, lng)).setRadiusMeters(radius).setPageSize(pageSize)
                    .setPageToken(token).build());
            all.addAll(page.getParkingLotsList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return all;
    }

    static double haversine(double lat1, double lng1, double lat2, double lng2) {
        double p1 = Math.toRadians(lat1);
        double p2 = Math.toRadians(lat2);
        double dp = p2 - p1;
        double dl = Math.toRadians(lng2 - lng1);
        double a = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
        return 2 * 6_371_008.8 * Math.asin(Math.sqrt(a));
    }

    private static LatLng latLng(double lat, double lng) {
        return LatLng.newBuilder().setLatitude(lat).setLongitude(lng).build();
    }

    private static Throwable catchThrowable(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("expected a failure");
    }

    private static void assertInvalid(Runnable call, String field) {
        Throwable e = catchThrowable(call);
        assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(e).getReason()).isEqualTo("VALIDATION_FAILED");
        assertThat(errorInfo(e).getDomain()).isEqualTo("chargebot.io");
        Set<String> fields = badRequest(e).getFieldViolationsList().stream()
                .map(BadRequest.FieldViolation::getField).collect(Collectors.toSet());
        assertThat(fields).contains(field);
    }

    static ErrorInfo errorInfo(Throwable e) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        assertThat(status).as("rich status details").isNotNull();
        return status.getDetailsList().stream().filter(a -> a.is(ErrorInfo.class)).map(a -> {
            try {
                return a.unpack(ErrorInfo.class);
            } catch (Exception ex) {
                throw new AssertionError(ex);
            }
        }).reduce((a, b) -> {
            throw new AssertionError("more than one ErrorInfo");
        }).orElseThrow();
    }

    static BadRequest badRequest(Throwable e) {
        return StatusProto.fromThrowable(e).getDetailsList().stream().filter(a -> a.is(BadRequest.class)).map(a -> {
            try {
                return a.unpack(BadRequest.class);
            } catch (Exception ex) {
                throw new AssertionError(ex);
            }
        }).findFirst().orElseThrow();
    }
}
