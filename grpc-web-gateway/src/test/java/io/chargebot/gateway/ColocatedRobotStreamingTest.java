package io.chargebot.gateway;

import org.junit.jupiter.api.BeforeAll;

/**
 * Every streaming case of {@link RobotStreamingTest} (server streaming for browsers in both gRPC-Web formats,
 * bidirectional streaming for gRPC, flow control, cancellation) for a gateway in the server's own process. The
 * network target is a closed port: only the in-process channel can answer.
 */
class ColocatedRobotStreamingTest extends RobotStreamingTest {

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend();
        gateway = ColocatedGatewayTest.startColocated(backend);
    }
}
