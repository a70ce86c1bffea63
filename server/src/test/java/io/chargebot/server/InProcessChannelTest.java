package io.chargebot.server;

import static io.chargebot.server.auth.AuthTestClient.assertFails;
import static io.chargebot.server.auth.AuthTestClient.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.type.LatLng;
import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.auth.v1.SignInRequest;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.user.v1.GetUserRequest;
import io.chargebot.user.v1.UserServiceGrpc;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ChargeBotServer#inProcessChannel}: the co-located gateway's way in. Calls on it meet the same
 * interceptors as calls on the port (authentication, validation and error mapping), and the caller's address is
 * the one the gateway forwards.
 */
class InProcessChannelTest {

    private static final Metadata.Key<String> FORWARDED_FOR =
            Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);
    private static final String PASSWORD = "in-process passphrase";

    private static AuthTestClient t;
    private static Channel inProcess;

    @BeforeAll
    static void start() {
        t = new AuthTestClient(AuthTestClient.relaxedLimits());
        inProcess = t.server.inProcessChannel("test-gateway/1.0");
        t.signUp("inproc-driver", PASSWORD);
    }

    @AfterAll
    static void stop() {
        if (t != null) {
            t.close();
        }
    }

    @Test
    void aCallWithoutTokenIsRefusedAsOnThePort() {
        assertFails(() -> UserServiceGrpc.newBlockingStub(inProcess).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getUser(GetUserRequest.newBuilder().setName("users/me").build()),
                Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
    }

    @Test
    void badInputNamesTheFieldAsOnThePort() {
        assertInvalid(() -> ParkingServiceGrpc.newBlockingStub(inProcess).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .listParkingLots(ListParkingLotsRequest.newBuilder()
                                .setLocation(LatLng.newBuilder().setLatitude(91).setLongitude(127)).build()),
                "location.latitude");
    }

    @Test
    void aSessionOpenedInProcessRecordsTheForwardedAddressAndTheChannelsUserAgent() {
        Metadata headers = new Metadata();
        headers.put(FORWARDED_FOR, "203.0.113.9, 198.51.100.20");

        AuthServiceGrpc.newBlockingStub(inProcess)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .signIn(SignInRequest.newBuilder().setLoginId("inproc-driver").setPassword(PASSWORD).build());

        // The last hop is the address the gateway saw; the hops before it are the caller's claims.
        assertThat(t.queryInt("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id "
                + "WHERE u.login_id = 'inproc-driver' AND s.client_address = '198.51.100.20' "
                + "AND s.user_agent LIKE 'test-gateway/1.0%'")).isEqualTo(1);
    }

    @Test
    void withoutForwardedForAnInProcessCallHasNoAddress() {
        AuthServiceGrpc.newBlockingStub(t.server.inProcessChannel("no-forwarding/1.0"))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .signIn(SignInRequest.newBuilder().setLoginId("inproc-driver").setPassword(PASSWORD).build());

        assertThat(t.queryInt("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id "
                + "WHERE u.login_id = 'inproc-driver' AND s.client_address IS NULL "
                + "AND s.user_agent LIKE 'no-forwarding/1.0%'")).isEqualTo(1);
    }

    @Test
    void overThePortOnlyATrustedProxysWellFormedForwardedForCounts() {
        // The test client connects from 127.0.0.1, a trusted proxy by default (the gateway's address).
        signInOverThePort("203.0.113.9, 198.51.100.21");
        assertThat(t.queryInt("SELECT count(*) FROM sessions WHERE client_address = '198.51.100.21'")).isEqualTo(1);

        int fromLoopback = t.queryInt("SELECT count(*) FROM sessions WHERE client_address = '127.0.0.1'");
        signInOverThePort("203.0.113.9, not-an-address");
        assertThat(t.queryInt("SELECT count(*) FROM sessions WHERE client_address = '127.0.0.1'"))
                .isEqualTo(fromLoopback + 1);
    }

    private static void signInOverThePort(String forwardedFor) {
        Metadata headers = new Metadata();
        headers.put(FORWARDED_FOR, forwardedFor);
        AuthServiceGrpc.newBlockingStub(t.channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .signIn(SignInRequest.newBuilder().setLoginId("inproc-driver").setPassword(PASSWORD).build());
    }

    @Test
    void closingTheServerClosesItsInProcessChannels() {
        AuthTestClient other = new AuthTestClient(AuthTestClient.relaxedLimits());
        Channel channel = other.server.inProcessChannel("closing/1.0");
        other.close();

        assertThatThrownBy(() -> ParkingServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .listParkingLots(ListParkingLotsRequest.newBuilder()
                        .setLocation(LatLng.newBuilder().setLatitude(37.5).setLongitude(127)).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
}
