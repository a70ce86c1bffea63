package io.chargebot.gateway;

import java.net.ServerSocket;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every streaming case of {@link RobotStreamingTest} (server streaming for browsers in both gRPC-Web formats,
 * bidirectional streaming for gRPC, flow control, cancellation) for a gateway in the server's own process. The
 * network target is a closed port: only the in-process channel can answer.
 */
class ColocatedRobotStreamingTest extends RobotStreamingTest {

    @BeforeAll
    static void start() throws Exception {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        backend = new TestBackend();
        gateway = GrpcWebGateway.startColocated(GrpcWebGatewayTest.config("127.0.0.1:" + closedPort).build(),
                                                backend.inProcessChannel());
    }
}
