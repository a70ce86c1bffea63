package io.chargebot.gateway;

import com.linecorp.armeria.client.WebClient;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every behaviour of {@link GrpcWebGatewayTest}, for a gateway in the server's own process
 * ({@link GrpcWebGateway#startColocated}): calls of every wire format reach the backend's in-process copy of the
 * services. The configured network target is a closed port, so a call that went over the network would fail
 * with UNAVAILABLE instead of getting the backend's reply.
 *
 * <p>This class's {@code start} hides the superclass's, so the inherited tests run against the co-located
 * gateway; the superclass's {@code stop} closes it.
 */
class ColocatedGatewayTest extends GrpcWebGatewayTest {

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend();
        gateway = startColocated(backend);
        http1 = WebClient.of("h1c://127.0.0.1:" + gateway.port()).blocking();
    }

    /** A gateway co-located with {@code backend}; its network target is a port where nothing listens. */
    static GrpcWebGateway startColocated(TestBackend backend) throws IOException {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        return GrpcWebGateway.startColocated(config("127.0.0.1:" + closedPort).build(), backend.inProcessChannel());
    }

    @Override
    String backendContentType() {
        // In-process calls carry no transport headers.
        return null;
    }
}
