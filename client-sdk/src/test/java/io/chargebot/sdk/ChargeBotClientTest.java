package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.parking.v1.CreateSpotRequest;
import io.chargebot.parking.v1.ParkingLot;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client's channel behaviour — deadlines, retries, auth, user agent — against an in-process server. */
class ChargeBotClientTest {

    private static final Metadata.Key<String> USER_AGENT =
            Metadata.Key.of("user-agent", Metadata.ASCII_STRING_MARSHALLER);
    private static final String LOT = "parkingLots/8f7c9a52-0b4e-4c55-9a39-1f2d3c4b5a69";

    private final FakeParkingService service = new FakeParkingService();
    private final InProcessFixture fixture = new InProcessFixture(service);

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void everyCallGetsTheDefaultDeadline() {
        fixture.client().parking().getParkingLot(LOT);

        assertThat(service.lastDeadline).isNotNull();
        assertThat(service.lastDeadline.timeRemaining(TimeUnit.MILLISECONDS)).isBetween(5_000L, 10_000L);
    }

    @Test
    void theDefaultDeadlineIsConfigurable() {
        ChargeBotClient client = fixture.track(fixture.clientBuilder().defaultDeadline(2, TimeUnit.SECONDS).build());

        client.parking().getParkingLot(LOT);

        assertThat(service.lastDeadline.timeRemaining(TimeUnit.MILLISECONDS)).isBetween(1_000L, 2_000L);
    }

    @Test
    void aShorterDeadlineOfTheCallerIsKept() {
        fixture.client().parkingStub().withDeadlineAfter(1, TimeUnit.SECONDS)
                .getParkingLot(io.chargebot.parking.v1.GetParkingLotRequest.newBuilder().setName(LOT).build());

        assertThat(service.lastDeadline.timeRemaining(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(1_000L);
    }

    @Test
    void aLongerDeadlineOfTheCallerIsKept() {
        fixture.client().parkingStub().withDeadlineAfter(60, TimeUnit.SECONDS)
                .getParkingLot(io.chargebot.parking.v1.GetParkingLotRequest.newBuilder().setName(LOT).build());

        assertThat(service.lastDeadline.timeRemaining(TimeUnit.MILLISECONDS)).isGreaterThan(30_000L);
    }

    @Test
    void aCallPastItsDeadlineFailsWithDeadlineExceeded() {
        service.onGet = request -> {
            sleep(2_000);
            return ParkingLot.getDefaultInstance();
        };
        ChargeBotClient client = fixture.track(
                fixture.clientBuilder().defaultDeadline(100, TimeUnit.MILLISECONDS).build());

        assertThatThrownBy(() -> client.parking().getParkingLot(LOT))
                .isInstanceOf(DeadlineExceededException.class)
                .extracting(e -> ((ChargeBotException) e).code())
                .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }

    @Test
    void sendsTheAccessTokenAsBearer() {
        AtomicReference<String> token = new AtomicReference<>("first-token");
        ChargeBotClient client = fixture.track(fixture.clientBuilder().accessTokenProvider(token::get).build());

        client.parking().getParkingLot(LOT);
        assertThat(fixture.lastHeaders().get(BearerTokenCredentials.AUTHORIZATION)).isEqualTo("Bearer first-token");

        token.set("refreshed-token");
        client.parking().getParkingLot(LOT);
        assertThat(fixture.lastHeaders().get(BearerTokenCredentials.AUTHORIZATION)).isEqualTo("Bearer refreshed-token");
    }

    @Test
    void sendsNoAuthorizationWithoutAToken() {
        fixture.client().parking().getParkingLot(LOT);
        assertThat(fixture.lastHeaders().containsKey(BearerTokenCredentials.AUTHORIZATION)).isFalse();

        ChargeBotClient signedOut = fixture.track(fixture.clientBuilder().accessTokenProvider(() -> null).build());
        signedOut.parking().getParkingLot(LOT);
        assertThat(fixture.lastHeaders().containsKey(BearerTokenCredentials.AUTHORIZATION)).isFalse();
    }

    @Test
    void aFailingTokenProviderFailsTheCallBeforeItIsSent() {
        ChargeBotClient client = fixture.track(fixture.clientBuilder().accessTokenProvider(() -> {
            throw new IllegalStateException("refresh failed");
        }).build());

        assertThatThrownBy(() -> client.parking().getParkingLot(LOT))
                .isInstanceOf(UnauthenticatedException.class)
                .hasMessageContaining("refresh failed");
        assertThat(service.getCalls).hasValue(0);
    }

    @Test
    void readsAreRetriedWhenTheServerIsUnavailable() {
        AtomicInteger failures = new AtomicInteger(2);
        service.onGet = request -> {
            if (failures.getAndDecrement() > 0) {
                throw Status.UNAVAILABLE.withDescription("restarting").asRuntimeException();
            }
            return ParkingLot.newBuilder().setName(request.getName()).build();
        };

        ParkingLot lot = fixture.client().parking().getParkingLot(LOT);

        assertThat(lot.getName()).isEqualTo(LOT);
        assertThat(service.getCalls).hasValue(3);
    }

    @Test
    void readsGiveUpAfterThreeAttempts() {
        service.onGet = request -> {
            throw Status.UNAVAILABLE.withDescription("down").asRuntimeException();
        };

        assertThatThrownBy(() -> fixture.client().parking().getParkingLot(LOT))
                .isInstanceOf(UnavailableException.class);
        assertThat(service.getCalls).hasValue(ServiceConfig.MAX_ATTEMPTS);
    }

    @Test
    void readsAreNotRetriedOnOtherErrors() {
        service.onGet = request -> {
            throw Status.INTERNAL.asRuntimeException();
        };

        assertThatThrownBy(() -> fixture.client().parking().getParkingLot(LOT))
                .isInstanceOf(ChargeBotException.class);
        assertThat(service.getCalls).hasValue(1);
    }

    @Test
    void writesAreNeverRetried() {
        service.onCreateSpot = request -> {
            throw Status.UNAVAILABLE.asRuntimeException();
        };

        assertThatThrownBy(() -> fixture.client().parkingStub()
                .createSpot(CreateSpotRequest.newBuilder().setParent(LOT).build()))
                .isInstanceOf(StatusRuntimeException.class);
        assertThat(service.createSpotCalls).hasValue(1);
    }

    @Test
    void identifiesTheAppAndTheSdkInTheUserAgent() {
        fixture.track(fixture.clientBuilder().userAgent("ParkApp/2.1").build()).parking().getParkingLot(LOT);

        assertThat(fixture.lastHeaders().get(USER_AGENT)).startsWith("ParkApp/2.1 chargebot-sdk-java/0.");
    }

    @Test
    void aTargetIsRequired() {
        assertThatThrownBy(() -> ChargeBotClient.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("target");
    }

    @Test
    void buildsAnOkHttpClientForATarget() {
        // Connecting is lazy: building must not need a server.
        try (ChargeBotClient client = ChargeBotClient.builder().target("localhost:1").usePlaintext().build()) {
            assertThat(client.channel().authority()).isEqualTo("localhost:1");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
