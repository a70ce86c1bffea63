package io.chargebot.gateway;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.EventLoopScheduler;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.dns.DnsAddressEndpointGroup;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.ReleasableHolder;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens the HTTP/2 client of {@link GrpcPassThroughService}: Armeria's {@link WebClient} to the ChargeBot gRPC
 * server, cleartext with prior knowledge ({@code h2c}) or TLS ({@code h2}), on the server's own event loops.
 *
 * <p>A call to the backend runs on the event loop of the request it forwards, over that event loop's own
 * HTTP/2 connection: relaying a call never hands work to another thread (each hand-off costs a task queue and
 * a wake-up).
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

    /** A client factory on the server's event loops that runs each backend call on its caller's loop. */
    static ClientFactory factory() {
        return ClientFactory.builder()
                            .workerGroup(CommonPools.workerGroup(), false)
                            .eventLoopSchedulerFactory(CallersEventLoop::new)
                            .build();
    }

    /**
     * Picks the calling thread's event loop when it is one of the group's (a gateway request being served);
     * any other caller gets the group's loops in turn.
     */
    private static final class CallersEventLoop implements EventLoopScheduler {

        private final List<Holder> loops = new ArrayList<>();
        private final AtomicInteger next = new AtomicInteger();

        CallersEventLoop(EventLoopGroup group) {
            for (EventExecutor executor : group) {
                loops.add(new Holder((EventLoop) executor));
            }
        }

        @Override
        public ReleasableHolder<EventLoop> acquire(SessionProtocol sessionProtocol, EndpointGroup endpointGroup,
                                                   Endpoint endpoint) {
            for (Holder holder : loops) {
                if (holder.loop.inEventLoop()) {
                    return holder;
                }
            }
            return loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
        }
    }

    private static final class Holder implements ReleasableHolder<EventLoop> {

        final EventLoop loop;

        Holder(EventLoop loop) {
            this.loop = loop;
        }

        @Override
        public EventLoop get() {
            return loop;
        }

        @Override
        public void release() {}
    }

    static WebClient open(GatewayConfig config, EndpointGroup endpoints, ClientFactory factory) {
        return WebClient.builder(config.targetTls() ? SessionProtocol.H2 : SessionProtocol.H2C, endpoints)
                        .factory(factory)
                        .responseTimeoutMillis(0)
                        .maxResponseLength(0)
                        .build();
    }
}
