package io.chargebot.server.parking;

import static io.chargebot.server.parking.ParkingServiceTest.haversine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.type.LatLng;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.reservation.v1.ReservationServiceGrpc;
import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.auth.AuthInterceptor;
import io.chargebot.server.db.DatabaseSettings;
import io.chargebot.server.grpc.CallExecutors;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.server.testing.TestServers;
import io.grpc.Attributes;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which calls run on the transport's thread ({@link CallExecutors}), and that ListParkingLots, marked non-blocking,
 * still answers when it must block: here the lot index is turned off, so every search continues on the io executor
 * against PostgreSQL. (A slow geocoder: ParkingPlaceSearchTest.)
 */
class NonBlockingSearchTest {

    private static ChargeBotServer server;
    private static ManagedChannel channel;
    private static ParkingServiceGrpc.ParkingServiceBlockingStub stub;
    private static final double ORIGIN_LAT = 37.5665;
    private static final double ORIGIN_LNG = 126.9780;

    @BeforeAll
    static void start() throws Exception {
        DatabaseSettings database = TestDatabases.create();
        server = TestServers.start(database, Map.of("chargebot.parking.index.enabled", false));
        channel = TestServers.channel(server);
        stub = ParkingServiceGrpc.newBlockingStub(channel);
        try (Connection c = TestDatabases.connect(database);
             PreparedStatement lot = c.prepareStatement(
                     "INSERT INTO parking_lots (display_name, latitude, longitude) VALUES (?, ?, ?)")) {
            for (int i = 0; i < 30; i++) {
                lot.setString(1, "Lot " + i);
                lot.setDouble(2, ORIGIN_LAT + (i % 6 - 3) * 0.004);
                lot.setDouble(3, ORIGIN_LNG + (i / 6 - 2) * 0.005);
                lot.addBatch();
            }
            lot.executeBatch();
        }
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        server.close();
    }

    @Test
    void onlyAnonymousCallsOfNonBlockingRpcsRunOnTheTransportThread() {
        CallExecutors executors = server.context().getBean(CallExecutors.class);
        String list = ParkingServiceGrpc.getListParkingLotsMethod().getFullMethodName();
        String health = HealthGrpc.getCheckMethod().getFullMethodName();
        assertThat(executors.nonBlocking()).as("a new @NonBlocking RPC is a decision: add it here")
                .isEqualTo(Set.of(list, health));

        Metadata anonymous = new Metadata();
        Metadata signedIn = new Metadata();
        signedIn.put(AuthInterceptor.AUTHORIZATION, "Bearer x");
        assertThat(executors.getExecutor(call(ParkingServiceGrpc.getListParkingLotsMethod()), anonymous)).isNotNull();
        assertThat(executors.getExecutor(call(HealthGrpc.getCheckMethod()), anonymous)).isNotNull();
        // A token may need the session from PostgreSQL; other RPCs may block: the io executor (null: the default).
        assertThat(executors.getExecutor(call(ParkingServiceGrpc.getListParkingLotsMethod()), signedIn)).isNull();
        assertThat(executors.getExecutor(call(ParkingServiceGrpc.getGetParkingLotMethod()), anonymous)).isNull();
        assertThat(executors.getExecutor(call(ReservationServiceGrpc.getCreateReservationMethod()), anonymous))
                .isNull();
    }

    @Test
    void withoutTheIndexSearchesContinueOnTheIoExecutorAgainstPostgreSQL() {
        ListParkingLotsRequest request = ListParkingLotsRequest.newBuilder()
                .setLocation(LatLng.newBuilder().setLatitude(ORIGIN_LAT).setLongitude(ORIGIN_LNG))
                .setRadiusMeters(2_000).setPageSize(7).build();
        List<ParkingLot> all = new ArrayList<>();
        ListParkingLotsResponse page = stub.listParkingLots(request);
        all.addAll(page.getParkingLotsList());
        while (!page.getNextPageToken().isEmpty()) {
            page = stub.listParkingLots(request.toBuilder().setPageToken(page.getNextPageToken()).build());
            all.addAll(page.getParkingLotsList());
        }
        assertThat(all).hasSize(30);
        double previous = 0;
        for (ParkingLot lot : all) {
            double metres = haversine(ORIGIN_LAT, ORIGIN_LNG, lot.getLocation().getLatitude(),
                    lot.getLocation().getLongitude());
            assertThat(lot.getDistanceMeters()).isCloseTo(metres, within(1.0));
            assertThat(lot.getDistanceMeters()).isGreaterThanOrEqualTo(previous);
            previous = lot.getDistanceMeters();
        }
    }

    private static <Q, R> ServerCall<Q, R> call(MethodDescriptor<Q, R> method) {
        return new ServerCall<>() {
            @Override
            public void request(int numMessages) {
            }

            @Override
            public void sendHeaders(Metadata headers) {
            }

            @Override
            public void sendMessage(R message) {
            }

            @Override
            public void close(Status status, Metadata trailers) {
            }

            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public Attributes getAttributes() {
                return Attributes.EMPTY;
            }

            @Override
            public MethodDescriptor<Q, R> getMethodDescriptor() {
                return method;
            }
        };
    }
}
