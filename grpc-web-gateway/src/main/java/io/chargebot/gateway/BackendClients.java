package io.chargebot.gateway;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.dns.DnsAddressEndpointGroup;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.Flags;
import com.linecorp.armeria.common.SessionProtocol;

/**
 * Opens the HTTP/2 client of {@link GrpcPassThroughService}: Armeria's {@link WebClient} to the ChargeBot gRPC
 * server, cleartext with prior knowledge ({@code h2c}) or TLS ({@code h2}), on the server's own event loops.
 *
 * <p>A DNS name is resolved to all its addresses and balanced round-robin, refreshed as the records' TTL
 * says, like the grpc-java channel of {@link BackendChannels}. The client has no response timeout and no
 * response length limit: the pass-through enforces the caller's deadline itself and server streams may be
 * long.
 */
final class BackendClients {

    private BackendClients() {}

    /** The endpoints of {@link GatewayConfig#target()}; close it when the gateway stops. */
    static EndpointGroup endpoints(GatewayConfig config) {
        final HostAndPort target = HostAndPort.fromString(config.target());
        if (InetAddresses.isInetAddress(target.getHost())) {
            return Endpoint.of(target.getHost(), target.getPort());
        }
        return DnsAddressEndpointGroup.of(target.getHost(), target.getPort());
    }

    /** A client factory that may use every event loop of the server for the backend connections. */
    static ClientFactory factory() {
        return ClientFactory.builder()
                            .workerGroup(CommonPools.workerGroup(), false)
                            .maxNumEventLoopsPerEndpoint(Flags.numCommonWorkers())
                            .build();
    }

    static WebClient open(GatewayConfig config, EndpointGroup endpoints, ClientFactory factory) {
        return WebClient.builder(config.targetTls() ? SessionProtocol.H2 : SessionProtocol.H2C, endpoints)
                        .factory(factory)
                        .responseTimeoutMillis(0)
                        .maxResponseLength(0)
                        .build();
    }
}
