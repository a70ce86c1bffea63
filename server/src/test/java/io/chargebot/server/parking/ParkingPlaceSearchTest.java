package io.chargebot.server.parking;

import static io.chargebot.server.parking.ParkingServiceTest.errorInfo;
import static io.chargebot.server.parking.ParkingServiceTest.haversine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.rpc.BadRequest;
import com.google.type.LatLng;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.db.DatabaseSettings;
import io.chargebot.server.testing.FakeProvider;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.server.testing.TestServers;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ListParkingLots by place_query over real gRPC and PostgreSQL, geocoded by a local server speaking Naver's API. */
class ParkingPlaceSearchTest {

    /** Where the fake Naver puts 강남역: mapx/mapy 1270276241/374979502. */
    private static final double GANGNAM_LAT = 37.4979502;
    private static final double GANGNAM_LNG = 127.0276241;

    private static FakeProvider naver;
    private static final AtomicInteger naverCalls = new AtomicInteger();
    private static volatile int naverStatus = 200;
    private static final CountDownLatch slowEntered = new CountDownLatch(1);
    private static final CountDownLatch slowRelease = new CountDownLatch(1);
    private static ChargeBotServer server;
    private static ManagedChannel channel;
    private static ParkingServiceGrpc.ParkingServiceBlockingStub stub;
    private static final Map<UUID, double[]> lots = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        naver = new FakeProvider();
        naver.respond(exchange -> {
            naverCalls.incrementAndGet();
            String raw = exchange.getRequestURI().getRawQuery();
            String query = "";
            for (String pair : raw.split("&")) {
                if (pair.startsWith("query=")) {
                    query = URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
                }
            }
            if (query.equals("느린역")) {
                // A provider that hangs until the test lets it answer (with 강남역's place).
                slowEntered.countDown();
                try {
                    slowRelease.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                query = "강남역";
            }
            if (naverStatus != 200) {
                FakeProvider.json(exchange, naverStatus, "{\"errorMessage\":\"System error\",\"errorCode\":\"SE99\"}");
            } else if (query.equals("강남역")) {
                FakeProvider.json(exchange, 200, "{\"total\":1,\"start\":1,\"display\":1,\"items\":[{\"title\":"
                        + "\"<b>강남역</b> 2호선\",\"address\":\"서울특별시 강남구 역삼동 858\",\"roadAddress\":"
                        + "\"서울특별시 강남구 강남대로 396\",\"mapx\":\"1270276241\",\"mapy\":\"374979502\"}]}");
            } else {
                FakeProvider.json(exchange, 200, "{\"total\":0,\"start\":1,\"display\":0,\"items\":[]}");
            }
        });
        DatabaseSettings database = TestDatabases.create();
        server = TestServers.start(database, Map.of(
                "chargebot.geocoder.naver.client-id", "test-client-id",
                "chargebot.geocoder.naver.client-secret", "test-client-secret",
                "chargebot.geocoder.naver.base-url", naver.uri("").toString(),
                // No cache: every geocoder call reaches the fake Naver and is counted.
                "chargebot.geocoder.cache-size", 0));
        channel = TestServers.channel(server);
        stub = ParkingServiceGrpc.newBlockingStub(channel);
        Random random = new Random(7);
        try (Connection c = TestDatabases.connect(database);
             PreparedStatement lot = c.prepareStatement(
                     "INSERT INTO parking_lots (id, display_name, latitude, longitude) VALUES (?, ?, ?, ?)")) {
            // 40 lots within ~4 km of 강남역, and 20 around Seoul City Hall (8 km away).
            for (int i = 0; i < 60; i++) {
                boolean gangnam = i < 40;
                double lat = (gangnam ? GANGNAM_LAT : 37.5663) + (random.nextDouble() - 0.5) * 0.06;
                double lng = (gangnam ? GANGNAM_LNG : 126.9779) + (random.nextDouble() - 0.5) * 0.07;
                UUID id = UUID.randomUUID();
                lot.setObject(1, id);
                lot.setString(2, "Lot " + i);
                lot.setDouble(3, lat);
                lot.setDouble(4, lng);
                lot.addBatch();
                lots.put(id, new double[] {lat, lng});
            }
            lot.executeBatch();
        }
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        server.close();
        naver.close();
    }

    @BeforeEach
    void providerUp() {
        naverStatus = 200;
    }

    @Test
    void searchesNearestFirstFromTheGeocodedPlaceAndPagesWithoutGeocodingAgain() {
        int radius = 3_000;
        ListParkingLotsRequest request = ListParkingLotsRequest.newBuilder()
                .setPlaceQuery(" 강남역 ").setRadiusMeters(radius).setPageSize(6).build();
        int callsBefore = naverCalls.get();

        List<ParkingLot> all = new ArrayList<>();
        ListParkingLotsResponse page = stub.listParkingLots(request);
        assertThat(naverCalls.get()).isEqualTo(callsBefore + 1);
        int pages = 1;
        all.addAll(page.getParkingLotsList());
        while (!page.getNextPageToken().isEmpty()) {
            // Later pages search from the origin in the token, even while the provider is down.
            naverStatus = 500;
            page = stub.listParkingLots(request.toBuilder().setPageToken(page.getNextPageToken()).build());
            assertThat(page.getOrigin()).isEqualTo(latLng(GANGNAM_LAT, GANGNAM_LNG));
            all.addAll(page.getParkingLotsList());
            pages++;
        }
        assertThat(naverCalls.get()).as("one geocoder call for all pages").isEqualTo(callsBefore + 1);

        List<UUID> expected = lots.entrySet().stream()
                .filter(e -> haversine(GANGNAM_LAT, GANGNAM_LNG, e.getValue()[0], e.getValue()[1]) <= radius)
                .sorted(java.util.Comparator.comparingDouble((Map.Entry<UUID, double[]> e) ->
                        haversine(GANGNAM_LAT, GANGNAM_LNG, e.getValue()[0], e.getValue()[1])))
                .map(Map.Entry::getKey).toList();
        assertThat(expected).hasSizeGreaterThan(12);
        assertThat(pages).isGreaterThan(2);
        assertThat(all).extracting(l -> UUID.fromString(l.getName().substring("parkingLots/".length())))
                .containsExactlyElementsOf(expected);
        for (ParkingLot lot : all) {
            double[] p = lots.get(UUID.fromString(lot.getName().substring("parkingLots/".length())));
            assertThat(lot.getDistanceMeters()).isCloseTo(haversine(GANGNAM_LAT, GANGNAM_LNG, p[0], p[1]), within(0.5));
        }
    }

    @Test
    void theReplyOriginIsTheGeocodedPoint() {
        ListParkingLotsResponse response = stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                .setPlaceQuery("강남역").build());
        assertThat(response.getOrigin()).isEqualTo(latLng(GANGNAM_LAT, GANGNAM_LNG));
        assertThat(response.getParkingLotsList()).isNotEmpty()
                .allSatisfy(l -> assertThat(l.getDistanceMeters()).isLessThanOrEqualTo(5_000));
    }

    @Test
    void aPlaceTokenIsBoundToItsPlaceQueryAndRadius() {
        ListParkingLotsRequest request = ListParkingLotsRequest.newBuilder().setPlaceQuery("강남역").setPageSize(3).build();
        String token = stub.listParkingLots(request).getNextPageToken();
        assertThat(token).isNotEmpty();

        assertInvalid(() -> stub.listParkingLots(request.toBuilder().setPlaceQuery("서울역").setPageToken(token).build()),
                "page_token");
        assertInvalid(() -> stub.listParkingLots(request.toBuilder().setRadiusMeters(4_000).setPageToken(token).build()),
                "page_token");
        assertInvalid(() -> stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                .setLocation(latLng(GANGNAM_LAT, GANGNAM_LNG)).setPageSize(3).setPageToken(token).build()), "page_token");
        // A location search's token is no good for a place search either.
        String locationToken = stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                .setLocation(latLng(GANGNAM_LAT, GANGNAM_LNG)).setPageSize(3).build()).getNextPageToken();
        assertInvalid(() -> stub.listParkingLots(request.toBuilder().setPageToken(locationToken).build()), "page_token");
        // The page size may change.
        assertThat(stub.listParkingLots(request.toBuilder().setPageSize(5).setPageToken(token).build())
                .getParkingLotsCount()).isEqualTo(5);
    }

    @Test
    void anUnknownPlaceIsNotFoundNamingPlaceQuery() {
        StatusRuntimeException e = failure(() -> stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                .setPlaceQuery("존재하지않는장소").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(errorInfo(e).getReason()).isEqualTo("RESOURCE_NOT_FOUND");
        assertThat(errorInfo(e).getMetadataMap()).containsEntry("place_query", "존재하지않는장소");
        assertThat(e.getStatus().getDescription()).contains("place_query").contains("존재하지않는장소");
    }

    @Test
    void aHangingGeocoderHoldsUpNoOtherSearchOnTheSameConnection() throws Exception {
        // ListParkingLots runs on the transport's thread (@NonBlocking) until it needs the geocoder; if that call
        // stayed on the connection's event loop, the location search below could not even be read.
        ListenableFuture<ListParkingLotsResponse> slow = ParkingServiceGrpc.newFutureStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .listParkingLots(ListParkingLotsRequest.newBuilder().setPlaceQuery("느린역").setRadiusMeters(3_000).build());
        try {
            assertThat(slowEntered.await(20, TimeUnit.SECONDS)).as("the geocoder was asked").isTrue();
            ListParkingLotsResponse meanwhile = stub.withDeadlineAfter(20, TimeUnit.SECONDS).listParkingLots(
                    ListParkingLotsRequest.newBuilder().setLocation(latLng(GANGNAM_LAT, GANGNAM_LNG))
                            .setRadiusMeters(3_000).build());
            assertThat(meanwhile.getParkingLotsList()).isNotEmpty();
            assertThat(slow.isDone()).as("still waiting for the geocoder").isFalse();
        } finally {
            slowRelease.countDown();
        }
        ListParkingLotsResponse geocoded = slow.get(30, TimeUnit.SECONDS);
        assertThat(geocoded.getOrigin()).isEqualTo(latLng(GANGNAM_LAT, GANGNAM_LNG));
        assertThat(geocoded.getParkingLotsList()).isNotEmpty();
    }

    @Test
    void aFailingProviderIsUnavailable() {
        naverStatus = 503;
        StatusRuntimeException e = failure(() -> stub.listParkingLots(ListParkingLotsRequest.newBuilder()
                .setPlaceQuery("강남역").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(errorInfo(e).getReason()).isEqualTo("PROVIDER_UNAVAILABLE");
    }

    @Test
    void placeQueriesAreOneToOneHundredCharacters() {
        int callsBefore = naverCalls.get();
        assertInvalid(() -> stub.listParkingLots(ListParkingLotsRequest.newBuilder().setPlaceQuery("   ").build()),
                "place_query");
        assertInvalid(() -> stub.listParkingLots(ListParkingLotsRequest.newBuilder().setPlaceQuery("가".repeat(101)).build()),
                "place_query");
        assertInvalid(() -> stub.listParkingLots(ListParkingLotsRequest.newBuilder().setPlaceQuery("강남역")
                .setRadiusMeters(60_000).build()), "radius_meters");
        assertThat(naverCalls.get()).as("bad requests never reach the provider").isEqualTo(callsBefore);
    }

    private static LatLng latLng(double lat, double lng) {
        return LatLng.newBuilder().setLatitude(lat).setLongitude(lng).build();
    }

    private static StatusRuntimeException failure(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }

    private static void assertInvalid(Runnable call, String field) {
        StatusRuntimeException e = failure(call);
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(StatusProto.fromThrowable(e).getDetailsList().stream().filter(a -> a.is(BadRequest.class))
                .map(a -> {
                    try {
                        return a.unpack(BadRequest.class);
                    } catch (Exception ex) {
                        throw new AssertionError(ex);
                    }
                }).flatMap(b -> b.getFieldViolationsList().stream()).map(BadRequest.FieldViolation::getField))
                .contains(field);
    }
}
