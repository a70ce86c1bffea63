package io.chargebot.gateway;

import com.google.common.net.HostAndPort;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;

/**
 * Opens the channel to the ChargeBot gRPC server.
 *
 * <p>It is grpc-java's own Netty channel, not Armeria's gRPC client: grpc-java's {@code ClientCall} is the exact
 * counterpart of the {@code ServerCall} Armeria hands the forwarder (same metadata, flow-control and status
 * model), it takes any {@code MethodDescriptor} without a generated stub class (Armeria's gRPC client is built
 * from stub classes), and it brings name resolution, reconnect with backoff and round-robin over
 * every address of a DNS name, which matters when the server runs as several replicas.
 */
final class BackendChannels {

    /** The largest response message accepted from the server. */
    static final int MAX_RESPONSE_MESSAGE_BYTES = 16 * 1024 * 1024;

    private BackendChannels() {}

    static ManagedChannel open(GatewayConfig config) {
        final HostAndPort target = HostAndPort.fromString(config.target());
        final NettyChannelBuilder builder =
                NettyChannelBuilder.forTarget("dns:///" + target)
                                   .defaultLoadBalancingPolicy("round_robin")
                                   .maxInboundMessageSize(Math.max(MAX_RESPONSE_MESSAGE_BYTES,
                                                                   config.maxRequestBytes()))
                                   // The forwarder never blocks: run its callbacks on the transport threads.
                                   .directExecutor()
                                   .userAgent(GrpcWebGateway.USER_AGENT);
        if (config.targetTls()) {
            builder.useTransportSecurity();
        } else {
            builder.usePlaintext();
        }
        return builder.build();
    }
}
