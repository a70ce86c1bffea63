package io.chargebot.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.testing.TcpProxy;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.server.testing.TestServers;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** grpc.health.v1 follows the database: NOT_SERVING while unreachable, SERVING when back. */
class DatabaseHealthTest {

    @Test
    void healthFollowsTheDatabaseAndCallsFailAsUnavailableMeanwhile() throws Exception {
        DatabaseSettings real = TestDatabases.create();
        URI uri = URI.create(real.jdbcUrl().substring("jdbc:".length()));
        try (TcpProxy proxy = new TcpProxy(uri.getHost(), uri.getPort())) {
            DatabaseSettings viaProxy = new DatabaseSettings(
                    real.jdbcUrl().replace(uri.getHost() + ":" + uri.getPort(), "127.0.0.1:" + proxy.port()),
                    real.username(), real.password());
            try (ChargeBotServer server = TestServers.start(viaProxy, Map.of("chargebot.health.interval", "200ms"))) {
                ManagedChannel channel = TestServers.channel(server);
                try {
                    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
                    Supplier<ServingStatus> overall = () -> health.check(HealthCheckRequest.getDefaultInstance()).getStatus();
                    Supplier<ServingStatus> parking = () -> health.check(HealthCheckRequest.newBuilder()
                            .setService("chargebot.parking.v1.ParkingService").build()).getStatus();
                    assertThat(overall.get()).isEqualTo(ServingStatus.SERVING);
                    assertThat(parking.get()).isEqualTo(ServingStatus.SERVING);

                    proxy.cut();
                    awaitStatus(overall, ServingStatus.NOT_SERVING);
                    assertThat(parking.get()).isEqualTo(ServingStatus.NOT_SERVING);
                    StatusRuntimeException failure = null;
                    try {
                        ParkingServiceGrpc.newBlockingStub(channel).listParkingLots(ListParkingLotsRequest.newBuilder()
                                .setLocation(com.google.type.LatLng.newBuilder().setLatitude(37).setLongitude(127)).build());
                    } catch (StatusRuntimeException e) {
                        failure = e;
                    }
                    assertThat(failure).as("a call while the database is down").isNotNull();
                    assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(StatusProto.fromThrowable(failure).getMessage()).doesNotContain("jdbc", "SQL", "Exception");

                    proxy.restore();
                    awaitStatus(overall, ServingStatus.SERVING);
                    assertThat(parking.get()).isEqualTo(ServingStatus.SERVING);
                } finally {
                    channel.shutdownNow();
                }
            }
        }
    }

    private static void awaitStatus(Supplier<ServingStatus> check, ServingStatus expected) throws InterruptedException {
        Instant giveUp = Instant.now().plus(Duration.ofSeconds(30));
        ServingStatus last = null;
        while (Instant.now().isBefore(giveUp)) {
            last = check.get();
            if (last == expected) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("health stayed " + last + ", expected " + expected);
    }
}
